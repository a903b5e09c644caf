"""Unit performance on the supervision list, and the monthly overdue ledger (超期台账)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from disputes.deadlines import due_soon_working_days
from disputes.models import HANDLING_STATUSES, Case
from governance.models import Unit, User
from governance.workdays import add_working_days, working_days_between

DONE = ("pending_review", "closed", "evaluated", "archived")


@dataclass
class UnitRow:
    unit: Unit
    handled: int
    on_time: int
    late: int
    due_soon: int
    overdue: int
    days_to_sign: float | None
    days_to_report: float | None

    @property
    def on_time_rate(self) -> str:
        finished = self.on_time + self.late
        return f"{self.on_time / finished * 100:.1f}%" if finished else "—"


def _days(value) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


def unit_performance(user: User, today: date | None = None) -> list[UnitRow]:
    """Per lead unit of the person's visible cases, in one aggregate query."""
    today = today or timezone.localdate()
    soon = add_working_days(today, due_soon_working_days())
    handling = Q(status__in=HANDLING_STATUSES)
    finished = Q(status__in=DONE, reported_at__isnull=False)
    rows = (
        Case.objects.visible_to(user)
        .filter(lead_unit__isnull=False)
        .values("lead_unit")
        .annotate(
            handled=Count("pk"),
            on_time=Count("pk", filter=finished & Q(reported_at__date__lte=F("handle_due"))),
            late=Count("pk", filter=finished & Q(reported_at__date__gt=F("handle_due"))),
            due_soon=Count("pk", filter=handling & Q(handle_due__gte=today, handle_due__lte=soon)),
            overdue=Count("pk", filter=handling & Q(handle_due__lt=today)),
            to_sign=Avg(
                ExpressionWrapper(F("signed_at") - F("dispatched_at"), output_field=DurationField()),
                filter=Q(signed_at__isnull=False, dispatched_at__isnull=False),
            ),
            to_report=Avg(
                ExpressionWrapper(F("reported_at") - F("dispatched_at"), output_field=DurationField()),
                filter=Q(reported_at__isnull=False, dispatched_at__isnull=False),
            ),
        )
        .order_by("-overdue", "-handled")
    )
    rows = list(rows)
    units = Unit.objects.in_bulk([r["lead_unit"] for r in rows])
    return [
        UnitRow(
            units[r["lead_unit"]],
            r["handled"],
            r["on_time"],
            r["late"],
            r["due_soon"],
            r["overdue"],
            _days(r["to_sign"]),
            _days(r["to_report"]),
        )
        for r in rows
    ]


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def overdue_ledger(user: User, month: date, today: date | None = None) -> QuerySet[Case]:
    """Cases that were overdue at some point of the month: due before its end (or today), and not
    reported by their due date nor before the month began. Unreported overdue cases of earlier
    months therefore carry into each following month until they are reported."""
    from governance.stats import day_bounds

    today = today or timezone.localdate()
    start, end = month_bounds(month)
    last = min(end, today)
    due = Case.objects.filter(handle_due__lt=last, lead_unit__isnull=False)
    # Two disjoint parts, each from its own index: not reported (by deadline), and reported late
    # since the month's first day (by report time); an OR of them walks every deadline.
    unreported = due.filter(reported_at__isnull=True).order_by().values("pk")
    since = day_bounds(start)[0]
    late = due.filter(reported_at__gte=since, reported_at__date__gt=F("handle_due")).order_by().values("pk")
    return (
        Case.objects.visible_to(user)
        .filter(pk__in=unreported.union(late, all=True))
        .select_related("township", "lead_unit", "category", "risk_level")
        .order_by("handle_due", "number")
    )


def overdue_days(case: Case, month: date, today: date | None = None) -> int:
    """Working days overdue, as of the report date, the month's end or today, whichever comes first."""
    today = today or timezone.localdate()
    _start, end = month_bounds(month)
    until = min(end, today)
    if case.reported_at is not None:
        until = min(until, timezone.localtime(case.reported_at).date())
    return max(working_days_between(case.handle_due, until), 0)
