from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


class CookieLanguageMiddleware:
    """Chinese unless the person chose English with the switch in the footer.

    Unlike Django's LocaleMiddleware the browser's Accept-Language is ignored: an intranet PC
    with an English browser must still show the county's Chinese pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() restores the previous language afterwards: the thread serves the next request clean.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ForcePasswordChangeMiddleware:
    """A person whose password was set by someone else, or is older than PASSWORD_MAX_AGE_DAYS,
    must choose a new one before anything."""

    ALLOWED_NAMES = ("password_change", "logout", "set_language", "healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.must_change_password or user.password_expired()):
            allowed = {reverse(name) for name in self.ALLOWED_NAMES}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                if user.must_change_password:
                    messages.warning(request, _("首次登录或密码已被重置，请先修改密码。"))
                else:
                    messages.warning(
                        request, _("密码已使用超过 %(n)d 天，请修改密码。") % {"n": settings.PASSWORD_MAX_AGE_DAYS}
                    )
                return redirect("password_change")
        return self.get_response(request)
