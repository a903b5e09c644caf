"""The daily zero-report: grid workers file it; centers and leaders watch the compliance board."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes.services import TransitionRefused
from governance.bounds import query_date
from governance.drill import drill_in_scope, drill_title, place_name
from governance.models import AuditEvent, Role
from governance.services import record_audit
from governance.views import month_param, nav_required
from grids.models import Region, ZeroReport, ZeroReportItem
from grids.report_forms import ReportItemFormSet, ZeroReportForm
from grids.stats import zero_report_records
from grids.zero_report import (
    Calendar,
    ReportData,
    board_for,
    file_report,
    league_for,
    reporting_villages,
    today_row,
)
from grids.zero_report import item_to_case as convert_item

HISTORY_DAYS = 14


def _day(request: HttpRequest, name: str = "date") -> date:
    return query_date(request, name)


@nav_required("reports")
def report_home(request: HttpRequest) -> HttpResponse:
    """The grid worker's page: today's state for each village they report for, and the last two weeks."""
    villages = reporting_villages(request.user)
    today, now = timezone.localdate(), timezone.now()
    calendar = Calendar.load()
    since = today - timedelta(days=HISTORY_DAYS - 1)
    reports = {
        (r.village_id, r.date): r
        for r in ZeroReport.objects.filter(village__in=villages, grid=None, date__gte=since).prefetch_related("items")
    }
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS)]
    rows = [
        {
            **today_row(village, calendar, reports.get((village.pk, today)), now),
            "days": [
                (day, calendar.state(day, reports.get((village.pk, day)), now), reports.get((village.pk, day)))
                for day in days
            ],
        }
        for village in villages
    ]
    return render(
        request,
        "grids/report_home.html",
        {
            "rows": rows,
            "today": today,
            "sensitive": calendar.sensitive(today),
            "due_today": calendar.is_due(today),
            "cutoff": calendar.settings.cutoff,
            "grace_end": timezone.localtime(calendar.grace_end(today)).time(),
        },
    )


@nav_required("reports")
def report_file(request: HttpRequest) -> HttpResponse:
    villages = reporting_villages(request.user)
    village = next((v for v in villages if str(v.pk) == request.GET.get("village")), villages[0] if villages else None)
    if village is None:
        raise Http404
    day = _day(request)
    existing = ZeroReport.objects.filter(village=village, grid=None, date=day).prefetch_related("items").first()
    initial = {"date": day}
    if existing is not None:
        initial.update(
            is_zero=existing.is_zero,
            disputes_found=existing.disputes_found,
            disputes_resolved=existing.disputes_resolved,
            key_persons=existing.key_persons,
            note=existing.note,
            version=existing.version,
        )
    form = ZeroReportForm(request.POST or None, initial=initial)
    items = ReportItemFormSet(request.POST or None, prefix="item")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = form.cleaned_data
        listed = [
            (f.cleaned_data["summary"], f.cleaned_data["category"])
            for f in items.forms
            if f.cleaned_data.get("summary")
        ]
        try:
            report = file_report(
                by=request.user,
                village=village,
                day=data["date"],
                version=data["version"],
                data=ReportData(
                    is_zero=data["is_zero"],
                    disputes_found=data["disputes_found"],
                    disputes_resolved=data["disputes_resolved"],
                    key_persons=data["key_persons"],
                    note=data["note"],
                    items=listed,
                ),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            text = _("%(v)s %(d)s 的报告已报送。") if report.version == 1 else _("%(v)s %(d)s 的报告已修改。")
            messages.success(request, text % {"v": village.name, "d": report.date})
            if report.is_late:
                messages.warning(request, _("已超过截止时间，本次报告记为迟报。"))
            return redirect("grids-reports")
    return render(
        request,
        "grids/report_file.html",
        {"form": form, "items": items, "village": village, "villages": villages, "existing": existing, "day": day},
    )


def _report_for(request: HttpRequest, pk: int) -> ZeroReport:
    visible = Region.objects.visible_to(request.user)
    reports = ZeroReport.objects.select_related("village__parent", "reporter").prefetch_related("items__case")
    return get_object_or_404(reports.filter(village__in=visible), pk=pk)


@nav_required("board")
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    may_convert = request.user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)
    return render(request, "grids/report_detail.html", {"report": report, "may_convert": may_convert})


@require_POST
@nav_required("board")
def item_to_case(request: HttpRequest, pk: int) -> HttpResponse:
    visible = Region.objects.visible_to(request.user)
    item = get_object_or_404(ZeroReportItem.objects.filter(report__village__in=visible), pk=pk)
    try:
        case = convert_item(by=request.user, item=item)
    except (ValidationError, TransitionRefused) as refused:
        messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
    else:
        messages.success(request, _("已转为案件 %(n)s，请在“待受理”中受理。") % {"n": case.number})
    return redirect("grids-report-detail", item.report_id)


@nav_required("board")
def board(request: HttpRequest) -> HttpResponse:
    if request.GET.get("stat"):
        return _board_drill(request)
    day = _day(request)
    calendar, townships = board_for(request.user, day)
    return render(
        request,
        "grids/board.html",
        {
            "day": day,
            "townships": townships,
            "due": calendar.is_due(day),
            "sensitive": calendar.sensitive(day),
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1) if day < timezone.localdate() else None,
            "totals": {
                "units": sum(len(t.rows) for t in townships),
                "reported": sum(t.reported for t in townships),
                "late": sum(t.late for t in townships),
                "grace": sum(t.grace for t in townships),
                "missing": sum(t.missing for t in townships),
                "pending": sum(t.pending for t in townships),
            },
        },
    )


DRILL_PAGE = 50


def _board_drill(request: HttpRequest) -> HttpResponse:
    """The board as the list behind a dashboard number (governance.drill): the (village, day) pairs
    the zero-report statistics counted, in the person's jurisdiction; a refused drill lists nothing
    and says why."""
    records, drill, error = [], None, ""
    try:
        drill = drill_in_scope(request.user, request.GET)
        records = zero_report_records(drill, Region.objects.visible_to(request.user), timezone.now())
    except ValidationError as error_:
        error = " ".join(error_.messages)
        messages.error(request, error)
    page = Paginator(records, DRILL_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "grids/board_drill.html",
        {
            "page": page,
            "drill": None if error else drill,
            "records": len(records),
            "title": drill_title(request.GET),
            "place": place_name(drill.prefix) if drill and not error else "",
        },
    )


@nav_required("board")
def league(request: HttpRequest) -> HttpResponse:
    month = month_param(request)
    due_days, rows = league_for(request.user, month)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "grids/league.html",
        {
            "month": month,
            "due_days": due_days,
            "rows": rows,
            "previous": previous,
            "following": following if following <= timezone.localdate() else None,
            "current_month": month == timezone.localdate().replace(day=1),
        },
    )


@nav_required("board")
def board_export(request: HttpRequest) -> HttpResponse:
    from grids.board_export import board_workbook

    day, month = _day(request), month_param(request)
    response = board_workbook(request.user, day, month)
    record_audit(AuditEvent.Action.EXPORT, request=request, user=request.user, detail=f"零报告督查 {day}")
    return response
