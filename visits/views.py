"""Thin views: a role check from the menu table, a scoped fetch, a form, one service call."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from disputes.services import TransitionRefused
from governance.bounds import query_date
from governance.drill import drill_in_scope, drill_title, place_name
from governance.models import AuditEvent
from governance.services import record_audit
from governance.views import nav_required
from visits import forms, rules, services
from visits.brief import build_brief
from visits.coverage import coverage
from visits.exports import coverage_workbook_response
from visits.models import Kind, Visit, VisitIssue, VisitLeader
from visits.stats import drilled_issues

WEEKDAYS = (
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
)


def scoped_visit(request: HttpRequest, pk: int) -> Visit:
    """The visit if this person may see it; a guessed id outside their scope is a 404."""
    visits = Visit.objects.visible_to(request.user).select_related(
        "region", "village__parent", "center", "organiser", "planned_by", "grid_worker", "recorded_by"
    )
    return get_object_or_404(visits.prefetch_related(_leaders()), pk=pk)


def _leaders() -> Prefetch:
    return Prefetch(
        "leader_rows",
        queryset=VisitLeader.objects.filter(is_active=True).select_related("leader"),
        to_attr="active_leaders",
    )


@nav_required("visits")
def calendar_view(request: HttpRequest) -> HttpResponse:
    """夜访与接访日历, by week or by month."""
    today = timezone.localdate()
    day = query_date(request, "day", today)
    mode = "week" if request.GET.get("view") == "week" else "month"
    if mode == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
        previous, following = start - timedelta(days=7), start + timedelta(days=7)
    else:
        first = day.replace(day=1)
        start = first - timedelta(days=first.weekday())
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        end = last + timedelta(days=6 - last.weekday())
        previous = (first - timedelta(days=1)).replace(day=1)
        following = last + timedelta(days=1)
    visits = (
        Visit.objects.visible_to(request.user)
        .filter(date__gte=start, date__lte=end)
        .select_related("village__parent", "center")
        .prefetch_related(_leaders())
        .order_by("date", "start_time", "pk")
    )
    by_day: dict[date, list[Visit]] = {}
    for visit in visits:
        by_day.setdefault(visit.date, []).append(visit)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weeks = [[(d, by_day.get(d, [])) for d in days[i : i + 7]] for i in range(0, len(days), 7)]
    return render(
        request,
        "visits/visit_calendar.html",
        {
            "weeks": weeks,
            "mode": mode,
            "day": day,
            "today": today,
            "month": day.replace(day=1),
            "start": start,
            "end": end,
            "previous": previous,
            "following": following,
            "weekdays": WEEKDAYS,
            "may_plan": request.user.has_role(*rules.PLANNING_ROLES),
            "mine": _my_visits(request.user, today),
        },
    )


def _my_visits(user, today: date) -> list[Visit]:
    if not user.has_role("leader"):
        return []
    return list(
        Visit.objects.filter(leader_rows__leader=user, leader_rows__is_active=True, date__gte=today)
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("village__parent", "center")
        .order_by("date", "start_time")[:10]
    )


@nav_required("visits")
def visit_plan(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(*rules.PLANNING_ROLES):
        record_audit(AuditEvent.Action.ACCESS_DENIED, request=request, user=request.user)
        raise PermissionDenied
    initial = {"date": query_date(request, "day")}
    form = forms.PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.plan_visit(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已安排%(kind)s，并已通知带队领导。") % {"kind": visit.get_kind_display()})
            return redirect("visits-detail", pk=visit.pk)
    return render(request, "visits/visit_plan.html", {"form": form, "active_nav": "visits"})


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@nav_required("visits")
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = scoped_visit(request, pk)
    return _render_detail(request, visit)


def _render_detail(request: HttpRequest, visit: Visit, bound: dict | None = None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    user = request.user
    issues = list(
        visit.issues.select_related("village", "category", "owner_unit", "leader", "case").order_by("created_at", "pk")
    )
    context = {
        "visit": visit,
        "issues": issues,
        "today": timezone.localdate(),
        "active_nav": "visits",
        "record_form": bound.get("record") or forms.RecordForm(initial={"version": visit.version}, prefix="record")
        if has_transition_perm(visit.record, user)
        else None,
        "cancel_form": bound.get("cancel") or forms.CancelForm(initial={"version": visit.version}, prefix="cancel")
        if has_transition_perm(visit.cancel, user)
        else None,
        "issue_form": bound.get("issue") or forms.IssueForm(visit=visit, user=user, prefix="issue")
        if rules.may_add_issue(visit, user)
        else None,
    }
    return render(request, "visits/visit_detail.html", context, status=status)


def _step(request: HttpRequest, visit: Visit, key: str, form, run) -> HttpResponse:
    """Validate, call the service; a refusal is a message, bad input errors on the form."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except TransitionRefused as refused:
            messages.error(request, str(refused))
        except ValidationError as error:
            _form_errors(form, error)
            return _render_detail(request, scoped_visit(request, visit.pk), {key: form}, status=400)
        else:
            return redirect("visits-detail", pk=visit.pk)
    else:
        return _render_detail(request, visit, {key: form}, status=400)
    return redirect("visits-detail", pk=visit.pk)


@require_POST
@nav_required("visits")
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visit = scoped_visit(request, pk)
    form = forms.RecordForm(request.POST, prefix="record")

    def run(data: dict) -> None:
        services.record_visit(visit=visit, by=request.user, **data)
        messages.success(request, _("走访记录已保存，可继续登记群众反映的问题。"))

    return _step(request, visit, "record", form, run)


@require_POST
@nav_required("visits")
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = scoped_visit(request, pk)
    form = forms.CancelForm(request.POST, prefix="cancel")

    def run(data: dict) -> None:
        services.cancel_visit(visit=visit, by=request.user, **data)
        messages.success(request, _("已取消，并已通知带队领导。"))

    return _step(request, visit, "cancel", form, run)


@require_POST
@nav_required("visits")
def issue_add(request: HttpRequest, pk: int) -> HttpResponse:
    visit = scoped_visit(request, pk)
    form = forms.IssueForm(request.POST, visit=visit, user=request.user, prefix="issue")

    def run(data: dict) -> None:
        issue = services.raise_issue(visit=visit, by=request.user, **data)
        if issue.case_id:
            messages.success(
                request, _("已转为矛盾纠纷案件 %(n)s，待镇（街道）综治中心受理。") % {"n": issue.case.number}
            )
        else:
            messages.success(request, _("问题已登记：%(s)s。") % {"s": issue.get_status_display()})

    return _step(request, visit, "issue", form, run)


@nav_required("visits")
def visit_brief(request: HttpRequest, pk: int) -> HttpResponse:
    """访前调查准备, laid out to print."""
    visit = scoped_visit(request, pk)
    if visit.kind != Kind.NIGHT_VISIT:
        messages.info(request, _("领导接访不生成访前调查准备材料。"))
        return redirect("visits-detail", pk=visit.pk)
    return render(
        request,
        "visits/visit_brief.html",
        {"visit": visit, "brief": build_brief(visit), "today": timezone.localdate(), "now": timezone.now()},
    )


# --- Issues -----------------------------------------------------------------------------------


@nav_required("followups")
def issue_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    issues = VisitIssue.objects.visible_to(request.user)
    drill, records = None, None
    try:
        drill = drill_in_scope(request.user, request.GET)
        if drill is not None:  # opened from a dashboard number: exactly its issues, open or closed
            issues, records = drilled_issues(drill, issues)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        issues, drill = issues.none(), None
    show = request.GET.get("show", "all" if drill else "open")
    if show == "open":
        issues = issues.open()
    elif show == "overdue":
        issues = issues.overdue(today)
    elif show == "mine":
        issues = issues.filter(leader=request.user)
    elif show == "unit":
        issues = issues.filter(owner_unit_id=request.user.unit_id)
    issues = issues.select_related("visit", "village__parent", "category", "owner_unit", "leader", "case").order_by(
        "-visit__date", "-pk"
    )
    page = Paginator(issues, 30).get_page(request.GET.get("page"))
    context = {"page": page, "show": show, "today": today, "drill": drill, "records": records}
    if drill is not None:
        context.update(title=drill_title(request.GET), place=place_name(drill.prefix))
    return render(request, "visits/issue_list.html", context)


def scoped_issue(request: HttpRequest, pk: int) -> VisitIssue:
    issues = VisitIssue.objects.visible_to(request.user).select_related(
        "visit__village", "visit__center", "village__parent", "category", "owner_unit", "leader", "case", "answered_by"
    )
    return get_object_or_404(issues, pk=pk)


@nav_required("followups")
def issue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_issue(request, scoped_issue(request, pk))


def _render_issue(
    request: HttpRequest, issue: VisitIssue, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    initial = {"version": issue.version}
    return render(
        request,
        "visits/issue_detail.html",
        {
            "issue": issue,
            "today": timezone.localdate(),
            "may_open_visit": Visit.objects.visible_to(user).filter(pk=issue.visit_id).exists(),
            "close_form": bound.get("close") or forms.CloseForm(initial=initial, prefix="close")
            if has_transition_perm(issue.close, user)
            else None,
            "convert_form": bound.get("convert") or forms.ConvertForm(initial=initial, prefix="convert")
            if has_transition_perm(issue.convert, user)
            else None,
            "active_nav": "followups",
        },
        status=status,
    )


def _issue_step(request: HttpRequest, pk: int, key: str, form_class, run) -> HttpResponse:
    issue = scoped_issue(request, pk)
    form = form_class(request.POST, prefix=key)
    if not form.is_valid():
        return _render_issue(request, issue, {key: form}, status=400)
    try:
        run(issue, form.cleaned_data)
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        _form_errors(form, error)
        return _render_issue(request, issue, {key: form}, status=400)
    return redirect("visits-issue", pk=issue.pk)


@require_POST
@nav_required("followups")
def issue_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(issue: VisitIssue, data: dict) -> None:
        services.close_issue(issue=issue, by=request.user, **data)
        messages.success(request, _("已办结，已告知首访负责领导。"))

    return _issue_step(request, pk, "close", forms.CloseForm, run)


@require_POST
@nav_required("followups")
def issue_convert(request: HttpRequest, pk: int) -> HttpResponse:
    def run(issue: VisitIssue, data: dict) -> None:
        issue = services.convert_issue(issue=issue, by=request.user, **data)
        messages.success(request, _("已转为矛盾纠纷案件 %(n)s。") % {"n": issue.case.number})

    return _issue_step(request, pk, "convert", forms.ConvertForm, run)


# --- Coverage ---------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[forms.PeriodForm, date, date]:
    today = timezone.localdate()
    start, end = forms.PeriodForm.default_period(today)
    form = forms.PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


@nav_required("visits")
def coverage_view(request: HttpRequest) -> HttpResponse:
    form, start, end = _period(request)
    report = coverage(request.user, start, end, timezone.localdate())
    return render(request, "visits/coverage.html", {"form": form, "report": report})


@nav_required("visits")
def coverage_export(request: HttpRequest) -> HttpResponse:
    _form, start, end = _period(request)
    report = coverage(request.user, start, end, timezone.localdate())
    record_audit(AuditEvent.Action.EXPORT, request=request, user=request.user, detail=f"夜访覆盖 {start}～{end}")
    return coverage_workbook_response(report)
