from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
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


# The pages of the second factor (governance/twofactor_views.py), open to a session not yet verified.
TWO_FACTOR_NAMES = ("twofactor-setup", "twofactor-verify", "twofactor-recovery", "twofactor-codes")


class RequireTwoFactorMiddleware:
    """With REQUIRE_2FA, a signed-in person proves the second factor before anything else: the
    code page if they have enrolled an authenticator app, the enrolment page if not."""

    ALLOWED_NAMES = (*TWO_FACTOR_NAMES, "logout", "set_language", "healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from governance import twofactor

        user = getattr(request, "user", None)
        if user is not None and twofactor.required_for(user) and not user.is_verified():
            allowed = {reverse(name) for name in self.ALLOWED_NAMES}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                target = "twofactor-verify" if twofactor.is_enrolled(user) else "twofactor-setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """A person whose password was set by someone else, or is older than PASSWORD_MAX_AGE_DAYS,
    must choose a new one before anything."""

    ALLOWED_NAMES = ("password_change", "logout", "set_language", "healthz", *TWO_FACTOR_NAMES)

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


class RefuseNulMiddleware:
    """A NUL character in the path, the query string or a posted field is refused with a 400.

    No legitimate form or link carries one, PostgreSQL cannot store one in text, and refusing it
    here keeps every view from having to (a NUL in a lookup would otherwise end in a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.carries_nul(request):
            message = _("请求中含有非法字符（空字符），已被拒绝。请检查输入的内容或链接。")
            public = request.path_info.startswith("/m/")  # the public pages (码上办) link back to theirs
            return HttpResponseBadRequest(render_to_string("400.html", {"message": message, "public": public}))
        return self.get_response(request)

    @staticmethod
    def carries_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path_info:
            return True
        fields = [request.GET]
        if request.method == "POST":
            fields += [request.POST, request.FILES]
        for data in fields:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in str(getattr(v, "name", v)) for v in values):
                    return True
        return False


class AuditNotFoundMiddleware:
    """A signed-in person asking for an object outside their jurisdiction (scoped fetches answer
    404, see governance/scoping.py) or one that does not exist leaves an audit row, so probing
    for other townships' cases shows in the log. Unknown URLs never reach a view and are not
    recorded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        user = getattr(request, "user", None)
        if isinstance(exception, Http404) and user is not None and user.is_authenticated:
            from governance.models import AuditEvent
            from governance.services import record_audit

            record_audit(AuditEvent.Action.NOT_FOUND, request=request, user=user, detail=str(exception))


class NoStoreMiddleware:
    """Nothing a signed-in person is shown is kept by the browser or a proxy (parties' names and
    numbers, case details, exports, documents): `Cache-Control: no-store` on every response to a
    signed-in request, `Pragma: no-cache` for HTTP/1.0 proxies. Static files never reach here
    (WhiteNoise answers them first) and keep their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
            response["Pragma"] = "no-cache"
        return response
