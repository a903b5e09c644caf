"""我要咨询 on the public pages (码上办): ask a question from a phone proved by SMS code, and read
the answer from the browser that proved that phone. The rules are in disputes/consultations.py."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from disputes.citizen import display_code, normalise_code
from disputes.citizen_forms import PhoneField
from disputes.citizen_views import send_code_for
from disputes.consultation_forms import CodeForm, PhoneCheckForm, QuestionForm
from disputes.consultations import find_for_phone, submit_consultation
from disputes.services import TransitionRefused
from governance import challenge, throttle
from governance.crypto import blind_index
from governance.phone_codes import Purpose, check_code
from governance.public_site import proven_phone_index, remember_phone
from grids.models import Region


def _send_code(request: HttpRequest) -> str:
    """The send-code button without JavaScript: the message to show beside the code field."""
    try:
        phone = PhoneField().clean(request.POST.get("phone", ""))
    except ValidationError as error:
        return " ".join(error.messages)
    return send_code_for(request, phone=phone, purpose=Purpose.CONSULT)[1]


def _proved(request: HttpRequest, form) -> bool:
    """The challenge when the address needs one, then the SMS code; errors go on the form."""
    if throttle.needs_challenge(request) and not challenge.solved(form.cleaned_data.get("altcha", "")):
        throttle.refuse("challenge", request=request, phone=form.cleaned_data["phone"], detail="challenge required")
        form.add_error(None, _("请先完成“我不是机器人”验证。"))
        return False
    try:
        ok = check_code(
            phone=form.cleaned_data["phone"],
            purpose=Purpose.CONSULT,
            code=form.cleaned_data["sms_code"],
            request=request,
        )
    except throttle.Throttled as refused:
        form.add_error(None, str(refused))
        return False
    if not ok:
        form.add_error("sms_code", _("验证码不正确或已过期，请重新获取。"))
    return ok


def _place_from_query(request: HttpRequest) -> str:
    """A poster's link names the place by its code (?place=…): the form starts with it chosen."""
    code = request.GET.get("place", "")[:12]
    if not code.isdigit():
        return ""
    found = Region.objects.filter(code=code, level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]).first()
    return str(found.pk) if found else ""


@never_cache
def ask(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and "code" in request.GET:  # 查看答复: the code typed on this page
        code = normalise_code(request.GET["code"])
        if code:
            return redirect("citizen-ask-detail", code=code)
        form = QuestionForm(initial={"place": _place_from_query(request)})
        return _ask_page(request, form, code_error=_("查询码是 8 位字母和数字，请核对后重新输入。"), status=400)
    if request.method != "POST":
        form = QuestionForm(initial={"place": _place_from_query(request)})
        return _ask_page(request, form)
    if request.POST.get("website"):  # the honeypot: only a script fills it in
        throttle.refuse("consult", request=request, phone="", detail="honeypot")
        form = QuestionForm(initial=_kept(request))
        return _ask_page(request, form, error=_("提交未成功，请稍后再试。"), status=400)
    if "send_code" in request.POST:
        return _ask_page(request, QuestionForm(initial=_kept(request)), code_message=_send_code(request))
    form = QuestionForm(request.POST)
    if form.is_valid() and _proved(request, form):
        data = form.cleaned_data
        try:
            consultation = submit_consultation(
                name=data["name"], phone=data["phone"], place=data["place"], question=data["question"], request=request
            )
        except (throttle.Throttled, TransitionRefused) as refused:
            form.add_error(None, str(refused))
        else:
            response = redirect(f"{reverse('citizen-ask-detail', args=[consultation.code])}?new=1")
            remember_phone(response, data["phone"])
            return response
    return _ask_page(request, form, status=400)


def _kept(request: HttpRequest) -> dict:
    """What the citizen typed, kept in the form while an SMS code is sent (no errors shown yet)."""
    return {key: request.POST.get(key, "")[:1000] for key in ("name", "phone", "place", "question")}


def _ask_page(
    request: HttpRequest, form, *, code_message: str = "", error: str = "", code_error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "citizen/ask.html",
        {
            "form": form,
            "code_form": CodeForm(),
            "code_message": code_message,
            "error": error,
            "code_error": code_error,
            "need_challenge": throttle.needs_challenge(request),
            "retention_years": settings.CITIZEN_RETENTION_YEARS,
            "privacy_contact": settings.CITIZEN_PRIVACY_CONTACT,
            "working_days": settings.CITIZEN_CONSULT_WORKING_DAYS,
        },
        status=status,
    )


@never_cache
def ask_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The question and its answer, to the browser that proved the phone it was asked from;
    otherwise the phone is asked for (SMS code), and a wrong code or phone finds nothing."""
    code = normalise_code(code)
    try:
        throttle.check_failures(request=request)
    except throttle.Throttled as refused:
        return render(request, "citizen/ask_check.html", {"refused": str(refused)}, status=429)
    proven = proven_phone_index(request)
    consultation = find_for_phone(code, proven)
    if consultation is not None:
        return render(
            request,
            "citizen/ask_answer.html",
            {"consultation": consultation, "code": display_code(consultation.code), "new": "new" in request.GET},
        )
    not_found = False
    if request.method == "GET" and proven:
        throttle.note_failure(request=request, detail="consultation lookup")
        not_found = True
    form = PhoneCheckForm(request.POST or None)
    code_message = ""
    if request.method == "POST" and "send_code" in request.POST:
        form, code_message = PhoneCheckForm(initial={"phone": request.POST.get("phone", "")[:20]}), _send_code(request)
    elif request.method == "POST" and form.is_valid() and _proved(request, form):
        phone = form.cleaned_data["phone"]
        if find_for_phone(code, blind_index(phone)) is not None:
            response = redirect("citizen-ask-detail", code=code)
            remember_phone(response, phone)
            return response
        throttle.note_failure(request=request, phone=phone, detail="consultation lookup")
        not_found = True
    return render(
        request,
        "citizen/ask_check.html",
        {
            "form": form,
            "code_message": code_message,
            "not_found": not_found,
            "need_challenge": throttle.needs_challenge(request),
        },
        status=404 if not_found else 200,
    )
