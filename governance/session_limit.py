"""The session's two lifetimes (等保2.0).

Idle: the session expires SESSION_COOKIE_AGE after it was last written. Activity renews it by
writing the session again, but at most once every SESSION_REFRESH_SECONDS (default 60), not on
every request: a write is an UPDATE and a commit (a disk flush) that cost a page as much as the
rest of the middleware together. So a session ends between SESSION_COOKIE_AGE minus the refresh
interval and SESSION_COOKIE_AGE after the last request: never later than the idle timeout.

Absolute: the idle timeout alone would let a busy session live for ever; this ends it
SESSION_ABSOLUTE_SECONDS after sign-in, however active."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

SIGNED_IN_AT = "signed_in_at"
REFRESHED_AT = "refreshed_at"


class AbsoluteSessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            # Stamped on the first request after sign-in (login() starts a new session key).
            started = request.session.setdefault(SIGNED_IN_AT, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
                messages.info(request, _("登录已满 %(h)d 小时，请重新登录。") % {"h": hours})
                return redirect_to_login(request.get_full_path())
            refresh = min(settings.SESSION_REFRESH_SECONDS, settings.SESSION_COOKIE_AGE // 2)
            if now - request.session.get(REFRESHED_AT, 0) >= refresh:
                request.session[REFRESHED_AT] = now  # modified: saved, and its expiry renewed
        return self.get_response(request)
