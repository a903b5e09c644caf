"""The absolute session lifetime (等保2.0): the idle timeout (SESSION_COOKIE_AGE, renewed on each
request) alone would let a busy session live for ever; this ends it SESSION_ABSOLUTE_SECONDS after
sign-in, however active."""

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
        return self.get_response(request)
