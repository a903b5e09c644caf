"""The pages of the second factor: enrolment, the code, a recovery code, the recovery codes shown
once. The rules are in governance/twofactor.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from governance import twofactor
from governance.forms import OneTimeCodeForm, RecoveryCodeForm
from governance.views import lockout_response

# Apps a clerk can use; all read the same QR code (RFC 6238, 30 seconds, 6 digits).
AUTHENTICATOR_APPS = (
    "微信小程序“腾讯身份验证器”",
    "支付宝小程序“身份验证器”",
    "Google Authenticator",
    "Microsoft Authenticator",
    "FreeOTP",
)


def next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url(request)})}"


def locked_out(request: HttpRequest) -> HttpResponse:
    """The account is locked: end the half-signed-in session and say so on the login page."""
    username = request.user.get_username()
    logout(request)
    return lockout_response(request, credentials={"username": username})


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not twofactor.required_for(user) or user.is_verified():
        return redirect(next_url(request))
    if twofactor.is_enrolled(user):
        return redirect(with_next("twofactor-verify", request))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_enrolment(request, code=form.cleaned_data["code"])
        if codes is not None:
            request.session[twofactor.RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(with_next("twofactor-codes", request))
        form.add_error(
            "code",
            _("验证码不正确。请确认手机上的账号是刚才扫描的这一个，并输入当前显示的 6 位数字（每 30 秒更换一次）。"),
        )
    device = twofactor.pending_device(user)
    context = {
        "form": form,
        "next": next_url(request),
        "qr_svg": twofactor.qr_code_svg(device),
        "manual_key": twofactor.manual_key(device),
        "apps": AUTHENTICATOR_APPS,
    }
    return render(request, "registration/twofactor_setup.html", context)


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    return check_code(request, recovery=False)


@never_cache
@login_required
def recovery(request: HttpRequest) -> HttpResponse:
    return check_code(request, recovery=True)


def check_code(request: HttpRequest, *, recovery: bool) -> HttpResponse:
    user = request.user
    if not twofactor.required_for(user) or user.is_verified():
        return redirect(next_url(request))
    if not twofactor.is_enrolled(user):
        return redirect(with_next("twofactor-setup", request))
    if twofactor.is_locked(request, user):
        return locked_out(request)
    form = (RecoveryCodeForm if recovery else OneTimeCodeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = twofactor.verify(request, code=form.cleaned_data["code"], recovery=recovery)
        if outcome.locked:
            return locked_out(request)
        if outcome.verified:
            if outcome.recovery_codes_left is not None:
                messages.warning(
                    request,
                    _("已用一个恢复码登录，还剩 %(n)d 个。手机丢失或更换后，请联系安全管理员重置动态口令，再重新绑定。")
                    % {"n": outcome.recovery_codes_left},
                )
            return redirect(next_url(request))
        wrong = (
            _("恢复码不正确或已用过。") if recovery else _("动态口令不正确或已过期，请输入手机上当前显示的 6 位数字。")
        )
        form.add_error(
            "code",
            wrong
            + _("再错 %(n)d 次，账号将被锁定 %(m)d 分钟。")
            % {"n": outcome.attempts_left, "m": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        )
    template = "registration/twofactor_recovery.html" if recovery else "registration/twofactor_verify.html"
    return render(request, template, {"form": form, "next": next_url(request)})


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, once: they leave the session as they are shown."""
    codes = request.session.pop(twofactor.RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(next_url(request))
    return render(request, "registration/twofactor_codes.html", {"codes": codes, "next": next_url(request)})
