"""查询进度 / 评价 on the public pages (码上办): the citizen proves an applicant's phone by SMS code,
then sees the case in plain words (disputes/citizen_follow.py), rates it once closed, and adds a
note or a photo while it is open (disputes/services.py). A wrong query code and a wrong phone
answer the same "没有找到" page, counted toward the failure limit and audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from disputes import services
from disputes.citizen import display_code, followed_case, normalise_code
from disputes.citizen_follow import progress
from disputes.citizen_forms import CitizenNoteForm, FollowForm, RateForm
from disputes.citizen_views import send_code_for
from disputes.models import Case
from governance import throttle
from governance.crypto import blind_index
from governance.phone_codes import Purpose, check_code
from governance.public_site import proven_phone_index, remember_phone


def _not_found(request: HttpRequest, *, phone: str = "") -> HttpResponse:
    """The same answer for a code that names no case and a phone that is not an applicant's."""
    throttle.note_failure(request=request, phone=phone, detail="follow: no case for this code and phone")
    return render(request, "citizen/follow_not_found.html", status=404)


def _refused(request: HttpRequest, refusal: throttle.Throttled) -> HttpResponse:
    return render(request, "citizen/follow_refused.html", {"message": str(refusal)}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """查询进度: query code + phone + SMS code; then the case page, remembered for a while."""
    if request.method == "GET":
        form = FollowForm(initial={"code": display_code(normalise_code(request.GET.get("code", "")))})
        return _follow_page(request, form)
    form = FollowForm(request.POST)
    if "send_code" in request.POST:  # the send-code button without JavaScript
        form.fields["code"].required = False
        if not form.is_valid():
            return _follow_page(request, form, status=400)
        sent, message = send_code_for(request, phone=form.cleaned_data["phone"], purpose=Purpose.FOLLOW)
        return _follow_page(request, form, code_message=message, status=200 if sent else 429)
    if not form.is_valid():
        return _follow_page(request, form, status=400)
    phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
    if not form.cleaned_data["sms_code"]:
        form.add_error("sms_code", _("请输入短信验证码。"))
        return _follow_page(request, form, status=400)
    try:
        throttle.take("lookup", request=request, phone=phone)
        proved = check_code(phone=phone, purpose=Purpose.FOLLOW, code=form.cleaned_data["sms_code"], request=request)
    except throttle.Throttled as refusal:
        return _refused(request, refusal)
    if not proved:
        form.add_error("sms_code", _("验证码不正确或已过期，请重新获取。"))
        return _follow_page(request, form, status=400)
    case = followed_case(code, blind_index(phone))
    if case is None:
        return _not_found(request, phone=phone)
    response = redirect("citizen-case", code=case.public_code.code)
    remember_phone(response, phone)
    return response


def _follow_page(request: HttpRequest, form: FollowForm, *, code_message: str = "", status: int = 200):
    context = {"form": form, "code_message": code_message, "need_challenge": throttle.needs_challenge(request)}
    return render(request, "citizen/follow.html", context, status=status)


def _followed(request: HttpRequest, code: str) -> Case | HttpResponse:
    """The case this browser may follow, or the answer to give instead: the query form when no
    phone is proved (or the proof expired), the same "not found" page for any other miss."""
    phone_index = proven_phone_index(request)
    if not phone_index:
        return redirect(f"{reverse('citizen-follow')}?code={normalise_code(code)}")
    try:
        throttle.check_failures(request=request)
    except throttle.Throttled as refusal:
        return _refused(request, refusal)
    case = followed_case(code, phone_index)
    return case if case is not None else _not_found(request)


def _case_page(request: HttpRequest, case: Case, *, rate_form=None, note_form=None, status: int = 200):
    context = {
        "progress": progress(case),
        "code": case.public_code.code,
        "rate_form": rate_form or RateForm(),
        "note_form": note_form or CitizenNoteForm(),
    }
    return render(request, "citizen/follow_case.html", context, status=status)


@never_cache
@require_http_methods(["GET"])
def case_page(request: HttpRequest, code: str) -> HttpResponse:
    case = _followed(request, code)
    return case if isinstance(case, HttpResponse) else _case_page(request, case)


def _form_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@never_cache
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """评价 a closed case: the clerk's evaluation step, taken by the citizen (services.evaluate_case)."""
    case = _followed(request, code)
    if isinstance(case, HttpResponse):
        return case
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.evaluate_case(
                case=case, by=None, satisfaction=form.cleaned_data["satisfaction"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            _form_errors(form, error)
        except services.TransitionRefused as refused:
            messages.warning(request, str(refused))
            return redirect("citizen-case", code=case.public_code.code)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("citizen-case", code=case.public_code.code)
    return _case_page(request, case, rate_form=form, status=400)


@never_cache
@require_POST
def add_note(request: HttpRequest, code: str) -> HttpResponse:
    """群众补充: a note and/or a photo while the case is open (services.add_citizen_note)."""
    case = _followed(request, code)
    if isinstance(case, HttpResponse):
        return case
    form = CitizenNoteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_citizen_note(case=case, note=form.cleaned_data["note"], photo=form.cleaned_data["photo"])
        except ValidationError as error:
            _form_errors(form, error)
        except services.TransitionRefused as refused:
            messages.warning(request, str(refused))
            return redirect("citizen-case", code=case.public_code.code)
        else:
            messages.success(request, _("已收到您补充的情况，承办单位会及时查看。"))
            return redirect("citizen-case", code=case.public_code.code)
    return _case_page(request, case, note_form=form, status=400)
