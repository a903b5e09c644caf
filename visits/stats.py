"""平安夜访 daily metrics (governance/stats.py; settings.STATS_PROVIDERS): night visits held,
villages visited, issues raised (on the visit's day) and closed (on the day they were closed)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, F, Max, QuerySet, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.drill import Drill, drilled
from governance.stats import by_day, chunks, day_bounds, provides, ranged
from visits.models import Kind, Visit, VisitIssue


@provides("night_visits", "villages_visited")
def night_visits(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """Night visits held and the villages they reached. No drill target: the visits have a calendar,
    not a list of records (the coverage page, /visits/coverage/, shows them per village)."""
    return _night_visits(day, day)


def _night_visits(first: date, last: date, *by: str) -> Iterable[Mapping]:
    """The counts of [first, last]; grouped also by their day as `stat_day` when `by` asks."""
    dated = {"stat_day": F("date")} if by else {}
    held = Visit.objects.filter(
        kind=Kind.NIGHT_VISIT, status=Visit.Status.RECORDED, date__gte=first, date__lte=last
    ).order_by()
    for row in held.values(stat_region_code=F("region__code"), **dated).annotate(value=Count("pk")):
        yield {**row, "metric": "night_visits"}
    for row in (
        held.filter(village__isnull=False)
        .values(stat_region_code=F("village__code"), **dated)
        .annotate(value=Count("village", distinct=True))
    ):
        yield {**row, "metric": "villages_visited"}


@ranged(night_visits)
def night_visits_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    for chunk_first, chunk_last in chunks(first, last):
        yield from by_day(chunk_first, chunk_last, _night_visits(chunk_first, chunk_last, "stat_day"))


ISSUE_METRICS = ("visit_issues_raised", "visit_issues_closed")


@provides(*ISSUE_METRICS, drill="visits-issues")
def visit_issues(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """Issues raised on the day's visits and issues closed on the day (`issue_records`)."""
    return _visit_issues(day, day)


def _visit_issues(first: date, last: date, *by: str) -> Iterable[Mapping]:
    """The counts of [first, last]; grouped also by their local day as `stat_day` when `by` asks."""
    days = {
        "visit_issues_raised": F("visit__date"),
        "visit_issues_closed": TruncDate("closed_at", tzinfo=timezone.get_current_timezone()),
    }
    for metric in ISSUE_METRICS:
        dated = {"stat_day": days[metric]} if by else {}
        rows = issue_records(metric, first, last).values("stat_region_code", "stat_category", **dated)
        for row in rows.annotate(value=Count("pk")):
            yield {**row, "metric": metric}


@ranged(visit_issues)
def visit_issues_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    for chunk_first, chunk_last in chunks(first, last):
        yield from by_day(chunk_first, chunk_last, _visit_issues(chunk_first, chunk_last, "stat_day"))


def issue_records(metric: str, first: date, last: date) -> QuerySet[VisitIssue]:
    """The issues one metric counts on the days [first, last]: raised on a visit of those days, or
    closed on them; keyed by the issue's village and category (no level, channel or colour). The
    daily count groups them by day, the issue list's drill-down lists them."""
    if metric == "visit_issues_raised":
        chosen = VisitIssue.objects.filter(visit__date__range=(first, last))
    elif metric == "visit_issues_closed":
        chosen = VisitIssue.objects.filter(closed_at__gte=day_bounds(first)[0], closed_at__lt=day_bounds(last)[1])
    else:
        raise ValidationError(_("“%(m)s”不是夜访交办问题的统计指标，不能列出问题。") % {"m": metric})
    blank = Value("", output_field=CharField())
    return chosen.order_by().annotate(
        stat_region_code=F("village__code"),
        stat_category=F("category__code"),
        stat_level=blank,
        stat_channel=blank,
        stat_colour=blank,
    )


def drilled_issues(drill: Drill, issues: QuerySet) -> tuple[QuerySet, int]:
    """The issues of `issues` (the person's) behind a dashboard number, and how many records it counted
    (governance.drill.drilled)."""
    mine = issues.values("pk")
    return drilled(drill, issues, lambda term: issue_records(term.metric, drill.start, drill.end).filter(pk__in=mine))


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
