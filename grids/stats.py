"""Daily metrics of the grid app (governance/stats.py; settings.STATS_PROVIDERS): 日排查零报告 per
village — due, filed on time, filed late, missed (due, none filed, and the grace has run out) —
and the villages themselves, a stock that coverage rates divide by."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime

from django.db.models import Count, F, Max

from governance.models import StatLevel
from governance.stats import chunks, days_between, provides, ranged
from grids.models import Region, ZeroReport
from grids.zero_report import Calendar


@provides("zr_due", "zr_on_time", "zr_late", "zr_missed")
def zero_reports(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    calendar = Calendar.load()
    if not calendar.is_due(day):
        return
    villages = _villages()
    for row in villages:
        yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_due"}
    filed = _filed(day, day)
    for row in filed.values("is_late", stat_region_code=F("village__code")).annotate(value=Count("pk")):
        yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_late" if row.pop("is_late") else "zr_on_time"}
    if now > calendar.grace_end(day):
        missed = villages.exclude(pk__in=filed.values("village_id"))
        for row in missed:
            yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_missed"}


def _villages():
    return Region.objects.villages().order_by().values(stat_region_code=F("code")).annotate(value=Count("pk"))


def _filed(first: date, last: date):
    """The villages' zero-reports (a grid's own are not counted) for the days of [first, last]."""
    return ZeroReport.objects.filter(date__gte=first, date__lte=last, grid=None).order_by()


@ranged(zero_reports)
def zero_reports_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    """zero_reports for a chunk at a time: the villages once, the chunk's reports in one query."""
    calendar, villages = Calendar.load(), list(_villages())
    for chunk_first, chunk_last in chunks(first, last):
        filed = _filed(chunk_first, chunk_last).values("date", "is_late", stat_region_code=F("village__code"))
        by_date: dict[date, list[dict]] = {}
        for row in filed.annotate(value=Count("pk")):
            by_date.setdefault(row.pop("date"), []).append(row)
        for day in days_between(chunk_first, chunk_last):
            if not calendar.is_due(day):
                yield day, []
                continue
            rows = [{**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_due"} for row in villages]
            reports = by_date.get(day, [])
            for row in reports:
                metric = "zr_late" if row["is_late"] else "zr_on_time"
                code, value = row["stat_region_code"], row["value"]
                rows.append(
                    {"stat_region_code": code, "value": value, "stat_level": StatLevel.VILLAGE, "metric": metric}
                )
            if now > calendar.grace_end(day):
                reported = {row["stat_region_code"] for row in reports}
                rows += [
                    {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_missed"}
                    for row in villages
                    if row["stat_region_code"] not in reported
                ]
            yield day, rows


@provides("villages")
def villages(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """One row per village (村/社区) of the tree, the denominator of 夜访覆盖率. Regions carry no
    founding date, so a past day counts the villages of the tree as it is when the day is filled."""
    for row in _villages():
        yield {**row, "metric": "villages"}


@ranged(villages)
def villages_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    rows = [{**row, "metric": "villages"} for row in _villages()]
    for day in days_between(first, last):
        yield day, rows


def changed_days(since: datetime) -> dict[date, datetime]:
    """A report filed (late) after its day was counted makes that day dirty."""
    filed = ZeroReport.objects.filter(submitted_at__gte=since, grid=None).order_by()
    return dict(filed.values_list("date").annotate(Max("submitted_at")))
