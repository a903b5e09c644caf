"""Unit performance on the supervision list, and the monthly overdue ledger (超期台账)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from disputes.deadlines import due_soon_working_days
from disputes.models import HANDLING_STATUSES, AnyOf, Case, UnitMonth, Visibility
from governance.models import Unit, User
from governance.workdays import add_working_days, working_days_between

DONE = ("pending_review", "closed", "evaluated", "archived")


class Span:
    MONTH, YEAR = "month", "year"


@dataclass(frozen=True)
class Period:
    """The days whose finished work the table counts, [start, end]: a month, or the year to the
    end of that month (本年累计). What is due soon or overdue is always as of today."""

    start: date
    end: date
    span: str = Span.MONTH

    @classmethod
    def of(cls, month: date, span: str = Span.MONTH, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        first, last = month_bounds(month)
        if span == Span.YEAR:
            first = first.replace(month=1)
        else:
            span = Span.MONTH
        return cls(first, min(last, today), span)

    def bounds(self):
        from governance.stats import day_bounds

        return day_bounds(self.start)[0], day_bounds(self.end)[1]


# Each figure of the table as one condition on the case (the one place its 口径 is written): the
# aggregate counts the rows that meet it, the drill lists them (`cases_behind`), so a number and its
# list are the same cases. Finished work is dated by its own timestamp within the period; a reopen
# clears the timestamps (services.reopen_case), so a reopened case counts where it is now.
MEASURE_LABELS = {
    "dispatched": gettext_lazy("承办案件"),
    "on_time": gettext_lazy("按时办结"),
    "late": gettext_lazy("超期办结"),
    "due_soon": gettext_lazy("临期"),
    "overdue": gettext_lazy("逾期未办结"),
}
MEASURES = tuple(MEASURE_LABELS)


def measure_q(measure: str, period: Period, today: date | None = None) -> Q:
    today = today or timezone.localdate()
    start, end = period.bounds()
    finished = Q(status__in=DONE, reported_at__gte=start, reported_at__lt=end)
    handling = Q(status__in=HANDLING_STATUSES)
    conditions = {
        # 承办: dispatched to the unit within the period (its latest dispatch; a return clears it).
        "dispatched": Q(dispatched_at__gte=start, dispatched_at__lt=end),
        # 按时办结 / 超期办结: 办结反馈 within the period, on or before / after the handling deadline.
        "on_time": finished & Q(reported_at__date__lte=F("handle_due")),
        "late": finished & Q(reported_at__date__gt=F("handle_due")),
        "due_soon": handling & Q(handle_due__gte=today, handle_due__lte=due_soon_until(today)),
        "overdue": handling & Q(handle_due__lt=today),
    }
    return conditions[measure] & Q(lead_unit__isnull=False)


def due_soon_until(today: date) -> date:
    """The last deadline that is 临期 today (the time-limit matrix's default threshold)."""
    return add_working_days(today, due_soon_working_days())


@dataclass
class UnitRow:
    unit: Unit
    dispatched: int = 0
    on_time: int = 0
    late: int = 0
    due_soon: int = 0
    overdue: int = 0
    days_to_sign: float | None = None
    days_to_report: float | None = None

    @property
    def on_time_rate(self) -> str:
        finished = self.on_time + self.late
        return f"{self.on_time / finished * 100:.1f}%" if finished else "—"


def _days(value) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


def _duration(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _counted_cases(cases: QuerySet[Case], q: dict[str, Q]) -> list[QuerySet]:
    """The period's finished work of `cases`, counted over the case table: two grouped queries,
    each an index-only scan of the period's dispatches or reports (the covering indexes)."""
    sign_time = _duration("signed_at", "dispatched_at")
    report_time = _duration("reported_at", "dispatched_at")
    return [
        cases.filter(q["dispatched"])
        .values("lead_unit")
        .annotate(
            dispatched=Count("pk"),
            signed=Count("pk", filter=Q(signed_at__isnull=False)),
            sign_total=Sum(sign_time, filter=Q(signed_at__isnull=False)),
        ),
        cases.filter(q["on_time"] | q["late"])
        .values("lead_unit")
        .annotate(
            on_time=Count("pk", filter=q["on_time"]),
            late=Count("pk", filter=q["late"]),
            reported=Count("pk", filter=Q(dispatched_at__isnull=False)),
            report_total=Sum(report_time, filter=Q(dispatched_at__isnull=False)),
        ),
    ]


def _due_now(cases: QuerySet[Case], q: dict[str, Q], today: date) -> QuerySet:
    """Today's 临期 and 逾期未办结 of `cases`: one range of the handling cases' deadlines (the OR
    of the two conditions alone is no index condition), an index-only scan of case_perf_handling."""
    return (
        cases.filter(q["due_soon"] | q["overdue"], handle_due__lte=due_soon_until(today))
        .values("lead_unit")
        .annotate(due_soon=Count("pk", filter=q["due_soon"]), overdue=Count("pk", filter=q["overdue"]))
    )


def _counted_months(user: User, period: Period, q: dict[str, Q]) -> list[QuerySet]:
    """The same figures from the monthly counters (UnitMonth, kept exact by a trigger): the rows of
    the period's months under the parts of the person's scope that are whole townships or their
    own unit, plus the cases granted or co-handled outside those, counted over the case table."""
    visibility = Visibility.of(user)
    whole = visibility.region_parts()
    if visibility.lead_unit_id is not None:
        whole.append(Q(lead_unit_id=visibility.lead_unit_id))
    singles = [Q(AnyOf(F("pk"), ids)) for ids in (visibility.co_handled, visibility.granted) if ids is not None]
    months = UnitMonth.objects.filter(month__gte=period.start, month__lte=period.end)
    parts = []
    if whole:
        parts.append(
            months.filter(reduce(or_, whole))
            .values("lead_unit")
            .annotate(
                dispatched=Sum("dispatched"),
                signed=Sum("signed"),
                sign_us=Sum("sign_us"),
                on_time=Sum("on_time"),
                late=Sum("late"),
                reported=Sum("reported"),
                report_us=Sum("report_us"),
            )
        )
    if singles:
        rest = Case.objects.filter(reduce(or_, singles)).order_by()
        parts += _counted_cases(rest.exclude(reduce(or_, whole)) if whole else rest, q)
    return parts


def unit_performance(user: User, period: Period | None = None, today: date | None = None) -> list[UnitRow]:
    """Per lead unit of the person's visible cases: what was dispatched and finished in the period,
    what is due soon and overdue today. The finished part from the monthly counters on PostgreSQL
    (a few hundred rows a month for a county, whatever the number of cases), else over the case
    table; the live part from the covering index of the cases being handled. A fixed number of
    queries (five at most) whatever the volume or the period."""
    today = today or timezone.localdate()
    period = period or Period.of(today, today=today)
    q = {measure: measure_q(measure, period, today) for measure in MEASURES}
    visible = Case.objects.visible_to(user).order_by()
    counters = connection.vendor == "postgresql"
    parts = _counted_months(user, period, q) if counters else _counted_cases(visible, q)
    parts.append(_due_now(visible, q, today))
    figures: dict[int, dict] = {}
    for part in parts:
        for row in part:
            into = figures.setdefault(row.pop("lead_unit"), {})
            for key, value in row.items():
                if key.endswith("_us"):
                    key, value = key.replace("_us", "_total"), timedelta(microseconds=value or 0)
                if value is not None:
                    into[key] = into.get(key, timedelta() if key.endswith("_total") else 0) + value
    units = Unit.objects.in_bulk(list(figures))
    rows = [
        UnitRow(
            units[pk],
            **{k: v for k, v in values.items() if k in MEASURES},
            days_to_sign=_average(values.get("sign_total"), values.get("signed", 0)),
            days_to_report=_average(values.get("report_total"), values.get("reported", 0)),
        )
        for pk, values in figures.items()
        if any(values.get(k) for k in MEASURES)
    ]
    return sorted(rows, key=lambda r: (-r.overdue, -r.dispatched, r.unit.code, r.unit.pk))


def _average(total: timedelta | None, n: int) -> float | None:
    return _days(total / n) if n and total is not None else None


def cases_behind(user: User, measure: str, unit_id: int, period: Period, today: date | None = None) -> QuerySet[Case]:
    """The cases a figure of the table counts: the same condition (`measure_q`), the same scope."""
    return Case.objects.visible_to(user).filter(measure_q(measure, period, today), lead_unit_id=unit_id)


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _ledger_parts(user: User, month: date, today: date | None = None) -> tuple[QuerySet[Case], QuerySet[Case]]:
    """The ledger's two disjoint parts, each the person's own and each from its own covering
    index: the cases not reported (by deadline: case_unreported_due), and those reported late
    since the month's first day (by report time: case_perf_reported). An OR of them walked every
    deadline; checking the scope after the union looked every case up again."""
    from governance.stats import day_bounds

    today = today or timezone.localdate()
    start, end = month_bounds(month)
    last = min(end, today)
    due = Case.objects.visible_to(user).filter(handle_due__lt=last, lead_unit__isnull=False).order_by()
    unreported = due.filter(reported_at__isnull=True)
    late = due.filter(reported_at__gte=day_bounds(start)[0], reported_at__date__gt=F("handle_due"))
    return unreported, late


LEDGER_ORDER = ("handle_due", "number")


def overdue_ledger(user: User, month: date, today: date | None = None) -> QuerySet[Case]:
    """Cases that were overdue at some point of the month: due before its end (or today), and not
    reported by their due date nor before the month began. Unreported overdue cases of earlier
    months therefore carry into each following month until they are reported."""
    unreported, late = _ledger_parts(user, month, today)
    return (
        Case.objects.filter(pk__in=unreported.values("pk").union(late.values("pk"), all=True))
        .select_related("township", "lead_unit", "category", "risk_level")
        .order_by(*LEDGER_ORDER)
    )


def overdue_ledger_page(user: User, month: date, n: int, today: date | None = None) -> tuple[list[Case], int]:
    """The ledger's first `n` cases in its order, and how many it holds: each part counted and its
    first `n` ids taken from its own index, then only those rows read (five queries)."""
    unreported, late = _ledger_parts(user, month, today)
    total = unreported.count() + late.count()
    ids = list(unreported.order_by(*LEDGER_ORDER).values_list("pk", flat=True)[:n])
    # The late part is bounded by the month's reports (its index); asked for in the ledger's order,
    # the planner walks every deadline instead. Sorted here.
    ids += [pk for *_key, pk in sorted(late.values_list(*LEDGER_ORDER, "pk"))[:n]]
    rows = Case.objects.filter(pk__in=ids).select_related("township", "lead_unit", "category", "risk_level")
    return list(rows.order_by(*LEDGER_ORDER)[:n]), total


def overdue_days(case: Case, month: date, today: date | None = None) -> int:
    """Working days overdue, as of the report date, the month's end or today, whichever comes first."""
    today = today or timezone.localdate()
    _start, end = month_bounds(month)
    until = min(end, today)
    if case.reported_at is not None:
        until = min(until, timezone.localtime(case.reported_at).date())
    return max(working_days_between(case.handle_due, until), 0)
