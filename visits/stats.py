"""平安夜访 daily metrics (governance/stats.py; settings.STATS_PROVIDERS): night visits held,
villages visited, issues raised (on the visit's day) and closed (on the day they were closed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.db.models import Count, F, Max
from django.db.models.functions import TruncDate

from governance.stats import provides
from visits.models import Kind, Visit, VisitIssue


@provides("night_visits", "villages_visited", "visit_issues_raised", "visit_issues_closed")
def night_visits(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    held = Visit.objects.filter(kind=Kind.NIGHT_VISIT, status=Visit.Status.RECORDED, date=day).order_by()
    for row in held.values(stat_region_code=F("region__code")).annotate(value=Count("pk")):
        yield {**row, "metric": "night_visits"}
    for row in (
        held.filter(village__isnull=False)
        .values(stat_region_code=F("village__code"))
        .annotate(value=Count("village", distinct=True))
    ):
        yield {**row, "metric": "villages_visited"}
    issues = VisitIssue.objects.order_by()
    dims = {"stat_region_code": F("village__code"), "stat_category": F("category__code")}
    for row in issues.filter(visit__date=day).values(**dims).annotate(value=Count("pk")):
        yield {**row, "metric": "visit_issues_raised"}
    closed = issues.filter(closed_at__gte=start, closed_at__lt=end)
    for row in closed.values(**dims).annotate(value=Count("pk")):
        yield {**row, "metric": "visit_issues_closed"}


def changed_days(since: datetime) -> dict[date, datetime]:
    days: dict[date, datetime] = {}
    pairs = [
        *Visit.objects.filter(recorded_at__gte=since).order_by().values_list("date").annotate(Max("recorded_at")),
        *VisitIssue.objects.filter(created_at__gte=since)
        .order_by()
        .values_list("visit__date")
        .annotate(Max("created_at")),
        *VisitIssue.objects.filter(closed_at__gte=since)
        .order_by()
        .values_list(TruncDate("closed_at"))
        .annotate(Max("closed_at")),
    ]
    for day, at in pairs:
        days[day] = max(at, days.get(day, at))
    return days
