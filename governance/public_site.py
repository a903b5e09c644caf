"""The public pages (码上办) live under PUBLIC_PREFIX, apart from the staff site: their own
templates, no staff menu, and no staff session. On those paths the staff login cookie is not
read (the request gets an empty session and an anonymous user), so a clerk's open session opens
nothing there; and what a citizen proves (a phone, by SMS code) is kept in a signed cookie of
its own, limited to the prefix, which no staff page reads.

Production may put the prefix on an internet-facing host and keep the staff site on the intranet:
the public pages never link to a staff page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from governance.crypto import blind_index

PUBLIC_PREFIX = "/m/"
COOKIE = "zz_citizen"
_SALT = "citizen-phone"


def is_public(request: HttpRequest) -> bool:
    return request.path_info.startswith(PUBLIC_PREFIX)


class PublicSiteMiddleware:
    """After SessionMiddleware: on public paths, an empty, never-saved session instead of the
    staff one (so AuthenticationMiddleware finds nobody) and an anonymous user."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_public(request):
            return self.get_response(request)
        staff_session = request.session
        request.session = self.store()
        request.user = AnonymousUser()
        request.public_site = True
        response = self.get_response(request)
        # Handed back untouched, so that SessionMiddleware neither saves nor deletes the staff
        # cookie (an empty session would otherwise log the clerk out of the staff site).
        request.session = staff_session
        return response


def remember_phone(response: HttpResponse, phone: str) -> None:
    """The citizen proved `phone` by SMS code: keep its blind index, signed, for a short while."""
    response.set_cookie(
        COOKIE,
        signing.dumps({"p": blind_index(phone)}, salt=_SALT),
        max_age=settings.CITIZEN_SESSION_SECONDS,
        path=PUBLIC_PREFIX,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget_phone(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, path=PUBLIC_PREFIX, samesite="Lax")


def proven_phone_index(request: HttpRequest) -> str:
    """The blind index of the phone this browser proved within CITIZEN_SESSION_SECONDS, or ""."""
    value = request.COOKIES.get(COOKIE, "")
    if not value or len(value) > 500:
        return ""
    try:
        data = signing.loads(value, salt=_SALT, max_age=settings.CITIZEN_SESSION_SECONDS)
    except signing.BadSignature:
        return ""
    return data.get("p", "") if isinstance(data, dict) else ""


def holds_phone(request: HttpRequest, phone_index: str) -> bool:
    return bool(phone_index) and proven_phone_index(request) == phone_index
