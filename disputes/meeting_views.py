from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes import meetings as services
from disputes.meeting_documents import minutes_docx, minutes_lines
from disputes.meeting_forms import AnswerForm, DecisionForm, MeetingForm
from disputes.models import Meeting, MeetingDecision
from governance.views import nav_required


def _attach(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("convened_by", "region", "recorded_by"), pk=pk
    )


@nav_required("meetings")
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = Meeting.objects.visible_to(request.user).select_related("convened_by", "region")
    page = Paginator(meetings, 30).get_page(request.GET.get("page"))
    for meeting in page:
        meeting.whole = services.sees_whole(meeting, request.user)
    mine = []
    if request.user.unit_id is not None:
        mine = list(
            MeetingDecision.objects.filter(owner_unit_id=request.user.unit_id, status=MeetingDecision.Status.ASSIGNED)
            .select_related("meeting")
            .order_by("due", "pk")[:50]
        )
    return render(
        request,
        "meetings/meeting_list.html",
        {"page": page, "mine": mine, "today": timezone.localdate(), "may_record": services.may_record(request.user)},
    )


@nav_required("meetings")
def meeting_new(request: HttpRequest) -> HttpResponse:
    if not services.may_record(request.user):
        raise PermissionDenied
    # From a warning's page: the warning (and its cases) already on the agenda.
    initial = {"date": timezone.localdate(), "warnings": request.GET.getlist("warning")}
    form = MeetingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.record_meeting(
                by=request.user,
                data=services.MeetingData(
                    kind=data["kind"],
                    date=data["date"],
                    chair=data["chair"],
                    summary=data["summary"],
                    units=list(data["units"]),
                    cases=data["case_numbers"],
                    warnings=list(data["warnings"]),
                ),
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("会议已登记，请继续登记议定事项。"))
            return redirect("meetings-detail", meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form}, status=400 if form.errors else 200)


def _whole_meeting(request: HttpRequest, pk: int) -> Meeting:
    """The minutes are for those who see the whole meeting; a unit given a decision gets nothing."""
    meeting = _meeting(request, pk)
    if not services.sees_whole(meeting, request.user):
        raise Http404
    return meeting


def _detail(request: HttpRequest, meeting: Meeting, decision_form: DecisionForm | None = None, status: int = 200):
    whole = services.sees_whole(meeting, request.user)
    decisions = meeting.decisions.select_related("owner_unit", "answered_by")
    if not whole:
        decisions = decisions.filter(owner_unit_id=request.user.unit_id)
    decisions = list(decisions)
    for d in decisions:
        d.meeting = meeting
        d.may_answer = services.may_answer(d, request.user)
    attended = services.sees_proceedings(meeting, request.user)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "whole": whole,
            "attended": attended,
            # The warnings as links below (for those who see the whole meeting), not as a line of text.
            "lines": minutes_lines(meeting, viewer=request.user),
            "agenda_warnings": list(meeting.warnings.order_by("-raised_at")) if whole else [],
            "decisions": decisions,
            "decision_form": decision_form or DecisionForm(units=services.owner_units(meeting)),
            "may_record": services.may_record(request.user)
            and meeting.region_id == getattr(services.jurisdiction(request.user), "pk", None),
            "today": timezone.localdate(),
        },
        status=status,
    )


@nav_required("meetings")
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _meeting(request, pk))


@require_POST
@nav_required("meetings")
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = DecisionForm(request.POST, units=services.owner_units(meeting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_decision(
                meeting=meeting, by=request.user, text=data["text"], owner_unit=data["owner_unit"], due=data["due"]
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("议定事项已登记。"))
            return redirect("meetings-detail", meeting.pk)
    return _detail(request, meeting, form, status=400)


@require_POST
@nav_required("meetings")
def decision_answer(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(
        MeetingDecision.objects.visible_to(request.user).select_related("meeting__region"), pk=pk
    )
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写办理结果。"))
        services.answer_decision(decision=decision, by=request.user, answer=form.cleaned_data["answer"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已回复办理结果，议定事项办结。"))
    return redirect("meetings-detail", decision.meeting_id)


@nav_required("meetings")
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _whole_meeting(request, pk)
    return render(
        request,
        "meetings/meeting_minutes.html",
        {
            "meeting": meeting,
            "lines": minutes_lines(meeting),
            "decisions": meeting.decisions.select_related("owner_unit"),
        },
    )


@nav_required("meetings")
def meeting_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _whole_meeting(request, pk)
    response = HttpResponse(
        minutes_docx(meeting), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    filename = f"{meeting.get_kind_display()}纪要-{meeting.date:%Y%m%d}.docx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
