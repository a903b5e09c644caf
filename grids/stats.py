"""Daily metrics of the grid app (governance/stats.py; settings.STATS_PROVIDERS): 日排查零报告 per
village — due, filed on time, filed late, missed (due, none filed, and the grace has run out) —
and the villages themselves, a stock that coverage rates divide by."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max
from django.utils.translation import gettext as _

from governance.drill import Drill
from governance.models import StatLevel
from governance.stats import chunks, days_between, provides, ranged
from grids.models import Region, RegionQuerySet, ZeroReport
from grids.zero_report import Calendar, ReportState

ZERO_REPORT_METRICS = ("zr_due", "zr_on_time", "zr_late", "zr_missed")
# A due (village, day)'s state on the board (Calendar.state) and the metric it is counted in besides
# zr_due; 待报 and 临期 are in none yet.
STATE_METRICS = {ReportState.REPORTED: "zr_on_time", ReportState.LATE: "zr_late", ReportState.MISSED: "zr_missed"}


@provides(*ZERO_REPORT_METRICS, drill="grids-board")
def zero_reports(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """Per village: due (every village on a due day), filed on time or late, missed — the board's
    states (`Calendar.state`): a report's `is_late`, and 漏报 once `now` is past the grace. The
    drill-down lists the same (village, day) pairs: `zero_report_records`."""
    calendar = Calendar.load()
    if not calendar.is_due(day):
        return
    villages = _villages()
    for row in villages:
        yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_due"}
    filed = _filed(day, day)
    for row in filed.values("is_late", stat_region_code=F("village__code")).annotate(value=Count("pk")):
        yield {**row, "stat_level": StatLevel.VILLAGE, "metric": "zr_late" if row.pop("is_late") else "zr_on_time"}
    if now > calendar.grace_end(day):  # Calendar.state's 漏报
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


@dataclass(frozen=True)
class DueReport:
    """One village's report due on one day, as the drill-down lists it."""

    day: date
    village: Region
    report: ZeroReport | None
    state: str

    @property
    def label(self) -> str:
        return str(ReportState(self.state).label)


def zero_report_records(drill: Drill, villages: RegionQuerySet, now: datetime) -> list[DueReport]:
    """The (village, due day) pairs behind a dashboard number of zero-reports: every due day of the
    drill's window × every village of `villages` (the person's) under its prefix, each in the
    metrics `zero_reports` counts it in (its board state, STATE_METRICS); newest day first. Three
    queries whatever the window. A metric of another app is refused (ValidationError)."""
    for term in drill.terms:
        if term.metric not in ZERO_REPORT_METRICS:
            raise ValidationError(_("“%(m)s”不是零报告的统计指标，不能列出零报告。") % {"m": term.metric})
    # The daily rows carry the village level and no category, channel or colour.
    row = {"level": StatLevel.VILLAGE}
    if any(row.get(dimension, "") not in values for dimension, values in drill.where):
        return []
    calendar = Calendar.load()
    days = sorted(calendar.due_days_between(drill.start, drill.end), reverse=True)
    chosen = villages.villages().filter(code__startswith=drill.prefix)
    places = list(chosen.select_related("parent").order_by("code"))
    filed = ZeroReport.objects.filter(date__in=days, grid=None, village__in=chosen).select_related("reporter")
    reports = {(r.village_id, r.date): r for r in filed}
    records = []
    for term in drill.terms:
        for day in days:
            for village in places:
                report = reports.get((village.pk, day))
                state = calendar.state(day, report, now)
                if term.metric == "zr_due" or STATE_METRICS.get(state) == term.metric:
                    records.append(DueReport(day, village, report, state))
    return records


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
