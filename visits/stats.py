"""平安夜访 daily metrics (governance/stats.py; settings.STATS_PROVIDERS): night visits held,
villages visited, issues raised (on the visit's day) and closed (on the day they were closed)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime

from django.db.models import Count, F, Max
from django.db.models.functions import TruncDate
from django.utils import timezone

from governance.stats import by_day, chunks, day_bounds, provides, ranged
from visits.models import Kind, Visit, VisitIssue


@provides("night_visits", "villages_visited", "visit_issues_raised", "visit_issues_closed")
def night_visits(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    return _night_visits(day, day)


def _night_visits(first: date, last: date, *by: str) -> Iterable[Mapping]:
    """The counts of [first, last]; grouped also by their local day as `stat_day` when `by` asks."""

    def dated(day) -> dict:
        return {"stat_day": day} if by else {}

    held = Visit.objects.filter(
        kind=Kind.NIGHT_VISIT, status=Visit.Status.RECORDED, date__gte=first, date__lte=last
    ).order_by()
    for row in held.values(stat_region_code=F("region__code"), **dated(F("date"))).annotate(value=Count("pk")):
        yield {**row, "metric": "night_visits"}
    for row in (
        held.filter(village__isnull=False)
        .values(stat_region_code=F("village__code"), **dated(F("date")))
        .annotate(value=Count("village", distinct=True))
    ):
        yield {**row, "metric": "villages_visited"}
    issues = VisitIssue.objects.order_by()
    dims = {"stat_region_code": F("village__code"), "stat_category": F("category__code")}
    raised = issues.filter(visit__date__gte=first, visit__date__lte=last)
    for row in raised.values(**dims, **dated(F("visit__date"))).annotate(value=Count("pk")):
        yield {**row, "metric": "visit_issues_raised"}
    closed = issues.filter(closed_at__gte=day_bounds(first)[0], closed_at__lt=day_bounds(last)[1])
    local_day = TruncDate("closed_at", tzinfo=timezone.get_current_timezone())
    for row in closed.values(**dims, **dated(local_day)).annotate(value=Count("pk")):
        yield {**row, "metric": "visit_issues_closed"}


@ranged(night_visits)
def night_visits_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    for chunk_first, chunk_last in chunks(first, last):
        yield from by_day(chunk_first, chunk_last, _night_visits(chunk_first, chunk_last, "stat_day"))


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
