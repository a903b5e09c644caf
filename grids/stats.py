"""Daily metrics of the grid app (governance/stats.py; settings.STATS_PROVIDERS): 日排查零报告 per
village — due, filed on time, filed late, missed (due, none filed, and the grace has run out) —
and the villages themselves, a stock that coverage rates divide by."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.db.models import Count, F, Max

from governance.models import StatLevel
from governance.stats import provides
from grids.models import Region, ZeroReport
from grids.zero_report import Calendar


@provides("zr_due", "zr_on_time", "zr_late", "zr_missed")
def zero_reports(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    calendar = Calendar.load()
    if not calendar.is_due(day):
        return
    villages = Region.objects.villages().order_by().values(stat_region_code=F("code")).annotate(value=Count("pk"))
    for row in villages:
        yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_due"}
    filed = ZeroReport.objects.filter(date=day, grid=None).order_by()
    for row in filed.values("is_late", stat_region_code=F("village__code")).annotate(value=Count("pk")):
        yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_late" if row.pop("is_late") else "zr_on_time"}
    if now > calendar.grace_end(day):
        missed = villages.exclude(pk__in=filed.values("village_id"))
        for row in missed:
            yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_missed"}


@provides("villages")
def villages(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """One row per village (村/社区) of the tree, the denominator of 夜访覆盖率. Regions carry no
    founding date, so a past day counts the villages of the tree as it is when the day is filled."""
    rows = Region.objects.villages().order_by().values(stat_region_code=F("code")).annotate(value=Count("pk"))
    for row in rows:
        yield {**row, "metric": "villages"}


def changed_days(since: datetime) -> dict[date, datetime]:
    """A report filed (late) after its day was counted makes that day dirty."""
    filed = ZeroReport.objects.filter(submitted_at__gte=since, grid=None).order_by()
    return dict(filed.values_list("date").annotate(Max("submitted_at")))
