"""The public pages (码上办) under /m/: phone-sized, in plain words, no staff session
(governance/public_site.py). What a citizen may do with a case is decided in disputes/citizen.py."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from disputes.citizen_forms import SendCodeForm
from governance import challenge, throttle
from governance.crypto import mask
from governance.phone_codes import Purpose, send_code

PURPOSES = {Purpose.REPORT, Purpose.FOLLOW, Purpose.CONSULT, Purpose.MEDIATION, Purpose.CONFIRM}


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "citizen/home.html")


@never_cache
@require_GET
def challenge_json(request: HttpRequest) -> JsonResponse:
    """A fresh proof-of-work challenge for the page's ALTCHA widget."""
    return JsonResponse(challenge.new_challenge())


def send_code_for(request: HttpRequest, *, phone: str, purpose: str, context: str = "") -> tuple[bool, str]:
    """Send an SMS code unless a limit or the challenge stops it: (sent, message for the citizen).
    The send-code button of every public form comes here, with or without JavaScript."""
    if throttle.needs_challenge(request) and not challenge.solved(request.POST.get("altcha", "")):
        throttle.refuse("challenge", request=request, phone=phone, detail="challenge required")
        return False, _("请先完成下方的“我不是机器人”验证，再获取验证码。")
    try:
        send_code(phone=phone, purpose=purpose, request=request, context=context)
    except throttle.Throttled as refused:
        return False, str(refused)
    return True, _("验证码已发送至 %(phone)s，%(minutes)d 分钟内有效。") % {
        "phone": mask(phone),
        "minutes": settings.CITIZEN_CODE_MINUTES,
    }


@require_POST
def send_code_json(request: HttpRequest) -> JsonResponse:
    """The send-code button with JavaScript: answers in JSON; `challenge` asks the page to show
    the widget."""
    form = SendCodeForm(request.POST)
    if not form.is_valid() or form.cleaned_data["purpose"] not in PURPOSES:
        errors = form.errors.get("phone") or [_("请求无效。")]
        return JsonResponse({"sent": False, "message": str(errors[0]), "challenge": False}, status=400)
    sent, message = send_code_for(request, phone=form.cleaned_data["phone"], purpose=form.cleaned_data["purpose"])
    return JsonResponse(
        {"sent": sent, "message": message, "challenge": throttle.needs_challenge(request)},
        status=200 if sent else 429,
    )


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "citizen/404.html", status=404)
