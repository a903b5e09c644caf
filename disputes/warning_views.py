"""预警 pages: the list of a jurisdiction's warnings, one warning with its cases, closing it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes import meetings
from disputes.filters import with_listing
from disputes.models import Case, EarlyWarning, Meeting, WarningKind
from disputes.warnings import close_warning
from governance.models import Role
from governance.views import nav_required


def _may_close(user) -> bool:
    return user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)


@nav_required("warnings")
def warning_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", EarlyWarning.State.OPEN)
    kind = request.GET.get("kind", "")
    warnings = EarlyWarning.objects.visible_to(request.user).select_related("township", "village", "closed_by")
    if state in EarlyWarning.State.values:
        warnings = warnings.filter(state=state)
    if kind in WarningKind.values:
        warnings = warnings.filter(kind=kind)
    page = Paginator(warnings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/warnings/warning_list.html",
        {
            "page": page,
            "state": state,
            "kind": kind,
            "states": EarlyWarning.State.choices,
            "kinds": WarningKind.choices,
        },
    )


@nav_required("warnings")
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(
        EarlyWarning.objects.visible_to(request.user).select_related("township", "village", "closed_by"), pk=pk
    )
    # The warning's cases the person may open (a county warning may name another township's case).
    cases = with_listing(
        Case.objects.visible_to(request.user)
        .filter(warnings=warning)
        .select_related("township", "village", "category", "risk_level", "lead_unit")
        .order_by("received_at", "pk")
    )
    open_ = warning.state == EarlyWarning.State.OPEN
    return render(
        request,
        "disputes/warnings/warning_detail.html",
        {
            "warning": warning,
            "cases": list(cases),
            "may_close": _may_close(request.user),
            "may_record": open_ and meetings.may_record(request.user),
            "coming": list(meetings.agenda_meetings(warning, request.user).prefetch_related("warnings")[:10])
            if open_
            else [],
        },
    )


@require_POST
@nav_required("warnings")
def warning_to_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(EarlyWarning.objects.visible_to(request.user).select_related("township"), pk=pk)
    raw = request.POST.get("meeting", "")
    meeting = Meeting.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None
    try:
        if meeting is None:
            raise ValidationError(_("请选择会议。"))
        added = meetings.put_on_agenda(meeting=meeting, warning=warning, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("disputes-warning", warning.pk)
    if added:
        messages.success(request, _("预警已列入%(m)s的议程。") % {"m": meeting})
    else:
        messages.info(request, _("该预警已在%(m)s的议程中。") % {"m": meeting})
    return redirect("meetings-detail", meeting.pk)


@require_POST
@nav_required("warnings")
def warning_close(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(EarlyWarning.objects.visible_to(request.user), pk=pk)
    try:
        close_warning(warning=warning, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("预警已处置。"))
    return redirect("disputes-warning", warning.pk)
