"""码上办 · 我要反映: the report form a poster's QR code opens, and the page with the query code.
What a report may hold and where it goes is decided in disputes/citizen_intake.py; the limits,
the honeypot and the challenge are governance/throttle.py and governance/challenge.py."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from disputes.citizen import display_code
from disputes.citizen_intake import (
    PRIVACY_NOTICE_VERSION,
    OtherParty,
    from_county_poster,
    poster_place,
    receiving_center,
    report_places,
    submit_online_case,
)
from disputes.citizen_report_forms import ReportForm
from disputes.citizen_views import send_code_for
from disputes.models import CaseCode
from governance import challenge, throttle
from governance.phone_codes import Purpose, check_code
from governance.public_site import PUBLIC_PREFIX, remember_phone
from grids.models import Region

_DONE_SALT = "citizen-report-done"
DONE_SECONDS = 24 * 3600


@never_cache
def report(request: HttpRequest) -> HttpResponse:
    places = report_places()
    if request.method != "POST":
        return _form_page(request, _poster_form(request, places))
    if request.POST.get("website"):  # the honeypot: a script filled the field people never see
        throttle.refuse("submit", request=request, phone=request.POST.get("phone", "")[:20], detail="honeypot")
        return render(request, "citizen/report_refused.html")
    form = ReportForm(request.POST, request.FILES, places=places)
    if request.POST.get("place") and request.POST.get("place") == request.POST.get("origin"):
        form.locked_place = form.places.get(request.POST["place"])  # still the poster's place: kept locked
    if "send_code" in request.POST:  # the send-code button without JavaScript
        return _send_code(request, form)
    if form.is_valid():
        case_code = _submit(request, form)
        if case_code is not None:
            token = signing.dumps({"c": case_code}, salt=_DONE_SALT)
            response = redirect(f"{reverse('citizen-report-done')}?t={token}")
            remember_phone(response, form.cleaned_data["phone"])
            return response
    return _form_page(request, form, status=400)


def _poster_form(request: HttpRequest, places: list[Region]) -> ReportForm:
    """A fresh form, its place taken from the poster's `?place=` (a county poster: the citizen
    chooses; the county center takes the report in)."""
    form = ReportForm(places=places)
    raw = request.GET.get("place", "")
    if not raw:
        return form
    poster = poster_place(raw)
    if poster is None:
        form.place_notice = _("二维码中的地点不存在，请在下面选择纠纷发生地。")
        return form
    form.initial["origin"] = poster.code
    if poster.level != Region.Level.COUNTY:
        form.initial["place"] = poster.code
        form.locked_place = poster
    return form


def _send_code(request: HttpRequest, form: ReportForm) -> HttpResponse:
    """Only the phone is judged: the rest of the form is shown back as typed, without errors."""
    try:
        phone = form.fields["phone"].clean(request.POST.get("phone", ""))
    except ValidationError as error:
        form._errors = ErrorDict(phone=form.error_class(error.messages))
        return _form_page(request, form, status=400)
    form._errors = ErrorDict()
    sent, message = send_code_for(request, phone=phone, purpose=Purpose.REPORT)
    return _form_page(request, form, code_message=message, status=200 if sent else 429)


def _submit(request: HttpRequest, form: ReportForm) -> str | None:
    """The case's query code, or None with the reason added to the form."""
    data = form.cleaned_data
    if throttle.needs_challenge(request) and not challenge.solved(request.POST.get("altcha", "")):
        throttle.refuse("challenge", request=request, phone=data["phone"], detail="challenge required")
        form.add_error(None, _("请先完成下方的“我不是机器人”验证，再提交。"))
        return None
    try:
        if not check_code(phone=data["phone"], purpose=Purpose.REPORT, code=data["sms_code"], request=request):
            form.add_error("sms_code", _("短信验证码不正确或已过期，请重新获取。"))
            return None
        throttle.take("submit", request=request, phone=data["phone"])
    except throttle.Throttled as refused:
        form.add_error(None, str(refused))
        return None
    try:
        case = submit_online_case(
            name=data["name"],
            phone=data["phone"],
            place=data["place"],
            summary=data["summary"],
            plain_category=data["category"],
            mediation=data["mediation"],
            other=OtherParty(name=data["other_name"], phone=data["other_phone"], address=data["other_address"]),
            photos=data["photos"],
            people_involved=5 if data["many_people"] else 2,
            urgent=data["urgent"],
            via_county=from_county_poster(data["origin"]),
        )
    except ValidationError as error:
        for field, messages in getattr(error, "error_dict", {None: error.error_list}).items():
            form.add_error(field if field in form.fields else "place" if field else None, messages)
        return None
    return case.public_code.code


def _form_page(request: HttpRequest, form: ReportForm, *, code_message: str = "", status: int = 200) -> HttpResponse:
    # The privacy notice names the center that will receive the report, once the place is known.
    place = form.places.get(form.data.get("place") or form.initial.get("place") or "")
    origin = form.data.get("origin") or form.initial.get("origin") or ""
    center = receiving_center(place, via_county=from_county_poster(origin)) if place is not None else None
    return render(
        request,
        "citizen/report.html",
        {
            "form": form,
            "locked_place": getattr(form, "locked_place", None),
            "place_notice": getattr(form, "place_notice", ""),
            "center": center,
            "code_message": code_message,
            "need_challenge": throttle.needs_challenge(request),
            "notice_version": PRIVACY_NOTICE_VERSION,
            "retention_years": settings.CITIZEN_RETENTION_YEARS,
            "privacy_contact": settings.CITIZEN_PRIVACY_CONTACT,
        },
        status=status,
    )


@never_cache
def report_done(request: HttpRequest) -> HttpResponse:
    """The query code, once more, after the report (the link of the redirect, good for a day)."""
    try:
        code = signing.loads(request.GET.get("t", "")[:200], salt=_DONE_SALT, max_age=DONE_SECONDS)["c"]
    except (signing.BadSignature, KeyError, TypeError):
        return render(request, "citizen/404.html", status=404)
    public = CaseCode.objects.select_related("case__intake_unit").filter(code=code).first()
    if public is None:
        return render(request, "citizen/404.html", status=404)
    return render(
        request,
        "citizen/report_done.html",
        {
            "code": display_code(public.code),
            "center": public.case.intake_unit,
            "follow_url": f"{PUBLIC_PREFIX}follow/?code={public.code}",
        },
    )
