"""日排查零报告: who owes a report for which day, its state, filing it, and the daily check.

Like a monitored heartbeat: in a sensitive period every reporting unit owes a report every day
(holidays included); otherwise once a week on the configured weekday. A report is due by the
cutoff (default 17:00 Asia/Shanghai) plus a grace time; during the grace the unit is 临期, after
it 漏报. A late report is still taken and marked 迟报. The check finds the units that owe a report
and have none, and writes one reminder per (unit, day) under a unique constraint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.models import Notification, Unit, User
from grids.models import Region, ReportSettings, SensitivePeriod, ZeroReport, ZeroReportItem, ZeroReportReminder

ESCALATE_TO_COUNTY_AFTER = 3  # misses in a row


class ReportState(models.TextChoices):
    REPORTED = "reported", gettext_lazy("已报")
    LATE = "late", gettext_lazy("迟报")
    GRACE = "grace", gettext_lazy("临期")
    MISSED = "missed", gettext_lazy("漏报")
    PENDING = "pending", gettext_lazy("待报")
    NOT_DUE = "not_due", gettext_lazy("本日无需报送")


@dataclass(frozen=True)
class Calendar:
    """The rules in force, loaded once (two queries) and then asked in memory."""

    settings: ReportSettings
    periods: tuple[SensitivePeriod, ...]

    @classmethod
    def load(cls) -> Calendar:
        return cls(ReportSettings.current(), tuple(SensitivePeriod.objects.all()))

    def sensitive(self, day: date) -> SensitivePeriod | None:
        return next((p for p in self.periods if p.start <= day <= p.end), None)

    def is_due(self, day: date) -> bool:
        """From the county's 起报日期 on: daily in a sensitive period (holidays do not excuse it),
        else on the weekly weekday."""
        if self.settings.start_date is not None and day < self.settings.start_date:
            return False
        return self.sensitive(day) is not None or day.weekday() == self.settings.weekly_weekday

    def cutoff(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, self.settings.cutoff))

    def grace_end(self, day: date) -> datetime:
        return self.cutoff(day) + timedelta(minutes=self.settings.grace_minutes)

    def due_days_before(self, day: date, n: int, horizon: int = 120) -> list[date]:
        """The n due days before `day`, newest first."""
        found, current = [], day
        for _step in range(horizon):
            current -= timedelta(days=1)
            if self.is_due(current):
                found.append(current)
                if len(found) == n:
                    break
        return found

    def due_days_between(self, start: date, end: date) -> list[date]:
        return [
            start + timedelta(days=i) for i in range((end - start).days + 1) if self.is_due(start + timedelta(days=i))
        ]

    def state(self, day: date, report: ZeroReport | None, now: datetime) -> str:
        if report is not None:
            return ReportState.LATE if report.is_late else ReportState.REPORTED
        if not self.is_due(day):
            return ReportState.NOT_DUE
        if now <= self.cutoff(day):
            return ReportState.PENDING
        if now <= self.grace_end(day):
            return ReportState.GRACE
        return ReportState.MISSED


# --- Reporting units --------------------------------------------------------------------------


def reporting_villages(user: User) -> list[Region]:
    """The villages this person reports for: those of the grids they cover and their unit's village."""
    if not user.is_authenticated:
        return []
    condition = Q(grids__workers=user)
    if user.unit_id is not None:
        condition |= Q(pk=user.unit.region_id, level=Region.Level.VILLAGE)
    return list(Region.objects.villages().filter(condition).select_related("parent").distinct().order_by("code"))


def may_file(user: User, village: Region) -> bool:
    return any(v.pk == village.pk for v in reporting_villages(user))


# --- Filing -----------------------------------------------------------------------------------


@dataclass
class ReportData:
    is_zero: bool
    disputes_found: int = 0
    disputes_resolved: int = 0
    key_persons: int = 0
    note: str = ""
    items: Sequence[tuple[str, object]] = ()  # (summary, category or None)


def file_report(
    *, by: User, village: Region, day: date, data: ReportData, version: int | None = None, now: datetime | None = None
) -> ZeroReport:
    """File the day's report, or amend it (a second filing for the same unit and day amends;
    history keeps the earlier figures). Not for future days; late reports are taken, marked late."""
    now = now or timezone.now()
    if not may_file(by, village):
        raise ValidationError(_("您不是该村（社区）的报送人员。"))
    if day > timezone.localdate(now):
        raise ValidationError({"date": _("不能填报未来日期的报告。")})
    if data.is_zero and (data.disputes_found or data.disputes_resolved or data.key_persons or data.items):
        raise ValidationError(_("选择“零报告”时，发现纠纷、化解纠纷、重点人员都应为0，且不能列出纠纷。"))
    if not data.is_zero and not (data.disputes_found or data.disputes_resolved or data.key_persons or data.items):
        raise ValidationError(_("没有发现矛盾纠纷请选择“零报告”；有情况请填写数量或列出纠纷。"))
    calendar = Calendar.load()
    with transaction.atomic():
        # The village's row is the lock: a second filing at the same moment (another reporter, on
        # another web process) waits here, then finds this one's report and amends it, instead of
        # failing on the unique constraint. NO KEY: cases and reports may still point at the village.
        Region.objects.select_for_update(no_key=True).filter(pk=village.pk).first()
        report = ZeroReport.objects.select_for_update().filter(village=village, grid=None, date=day).first()
        if report is None:
            report = ZeroReport(village=village, date=day, reporter=by, submitted_at=now)
            report.is_late = now > calendar.grace_end(day)
        elif version is not None and report.version != version:
            raise ValidationError(_("该报告已被他人修改，请刷新后再修改。"))
        else:
            report.version += 1
        report.is_zero = data.is_zero
        report.disputes_found = max(data.disputes_found, len(data.items))
        report.disputes_resolved = data.disputes_resolved
        report.key_persons = data.key_persons
        report.note = data.note
        report.reporter = by
        report._history_user = by
        report.save()
        if data.items:
            report.items.filter(case__isnull=True).delete()
            ZeroReportItem.objects.bulk_create(
                [ZeroReportItem(report=report, summary=summary, category=category) for summary, category in data.items]
            )
    return report


def item_to_case(*, by: User, item: ZeroReportItem):
    """Turn one dispute a report listed into a case (网格上报 → 待受理), once."""
    from disputes.services import register_reported_dispute

    with transaction.atomic():
        item = ZeroReportItem.objects.select_for_update().get(pk=item.pk)
        if item.case_id is not None:
            raise ValidationError(_("该纠纷已转为案件 %(n)s。") % {"n": item.case.number})
        report = item.report
        case = register_reported_dispute(
            by=by, village=report.village, grid=report.grid, summary=item.summary, category=item.category
        )
        item.case = case
        item.save(update_fields=["case"])
    return case


# --- The check --------------------------------------------------------------------------------


@dataclass
class CheckResult:
    day: date
    due: bool
    owed: int = 0
    reported: int = 0
    missing: int = 0
    reminded: int = 0
    escalated: int = 0

    def __str__(self) -> str:
        if not self.due:
            return _("%(d)s 不是报送日，无需检查。") % {"d": self.day}
        return _("%(d)s：应报 %(o)d 个单位，已报 %(r)d，漏报 %(m)d，本次提醒 %(n)d（其中通报县级 %(e)d）。") % {
            "d": self.day,
            "o": self.owed,
            "r": self.reported,
            "m": self.missing,
            "n": self.reminded,
            "e": self.escalated,
        }


def run_zero_report_check(
    day: date | None = None, *, now: datetime | None = None, in_sql: bool | None = None
) -> CheckResult:
    """Find every unit that owes a report for `day` and has none once the grace has run out;
    remind each (unit, day) once: its village committee and township center, and the county
    center after three misses in a row. A fixed number of queries whatever the number of units.

    On PostgreSQL (`in_sql` None or True) one statement finds, reminds and notifies, reading no
    village into Python; elsewhere (SQLite, the development default) the same is done in Python
    (`in_sql=False`, which a test holds equal to the statement)."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    calendar = Calendar.load()
    if not calendar.is_due(day):
        return CheckResult(day, due=False)
    if in_sql is None:
        in_sql = connection.vendor == "postgresql"
    result = CheckResult(day, due=True)
    with transaction.atomic():
        # One check at a time: the settings row is the lock, so two runs cannot both remind. All
        # the check decides on — the villages, the reports, the reminders — is read after it: a
        # check that waited here for another (a manual run beside beat's, two workers) sees what
        # that one committed, and a village added or removed meanwhile is handled whole or not at all.
        ReportSettings.objects.select_for_update().filter(pk=calendar.settings.pk).first()
        if now <= calendar.grace_end(day):  # not missed yet: 待报 or 临期
            result.owed = Region.objects.villages().count()
            result.reported = ZeroReport.objects.filter(date=day, grid=None).count()
            return result
        previous = next(iter(calendar.due_days_before(day, 1)), None)
        (_remind_in_sql if in_sql else _remind_in_python)(day, previous, result)
    return result


def _notice_title(village_name: str, day: date) -> str:
    return _("%(v)s %(d)s 零报告未报送") % {"v": village_name, "d": day}


def _notice_body(misses_in_a_row: int | str) -> str:
    return _("连续漏报 %(n)s 次，请尽快补报。") % {"n": misses_in_a_row}


def _level(misses_in_a_row: int) -> str:
    if misses_in_a_row >= ESCALATE_TO_COUNTY_AFTER:
        return ZeroReportReminder.Level.COUNTY
    return ZeroReportReminder.Level.TOWNSHIP


def _remind_in_python(day: date, previous: date | None, result: CheckResult) -> None:
    villages = list(Region.objects.villages().order_by().values_list("pk", "parent_id"))
    result.owed = len(villages)
    reported = set(ZeroReport.objects.filter(date=day, grid=None).order_by().values_list("village_id", flat=True))
    result.reported = len(reported)
    missing = [(pk, parent) for pk, parent in villages if pk not in reported]
    result.missing = len(missing)
    if not missing:
        return
    # A streak continues the one of the previous due day's reminder (the check found the unit
    # missing then), so days before the system was in use never count against anyone.
    streak_before = dict(
        ZeroReportReminder.objects.filter(date=previous, grid=None).values_list("village_id", "misses_in_a_row")
    )
    already = set(ZeroReportReminder.objects.filter(date=day, grid=None).values_list("village_id", flat=True))
    new = []
    for pk, _township in missing:
        if pk in already:
            continue
        streak = 1 + streak_before.get(pk, 0)
        new.append(ZeroReportReminder(village_id=pk, date=day, level=_level(streak), misses_in_a_row=streak))
    ZeroReportReminder.objects.bulk_create(new, batch_size=2000)
    _deliver(new, {pk: parent for pk, parent in missing}, day)
    result.reminded = len(new)
    result.escalated = sum(1 for r in new if r.level == ZeroReportReminder.Level.COUNTY)


def _deliver(reminders: Iterable[ZeroReportReminder], township_of: dict[int, int], day: date) -> None:
    reminders = list(reminders)
    if not reminders:
        return
    names = dict(Region.objects.filter(pk__in=[r.village_id for r in reminders]).values_list("pk", "name"))
    committees = dict(Unit.objects.filter(kind=Unit.Kind.VILLAGE, region_id__in=names).values_list("region_id", "pk"))
    centers = dict(
        Unit.objects.filter(kind=Unit.Kind.TOWNSHIP_CENTER, region_id__in=set(township_of.values())).values_list(
            "region_id", "pk"
        )
    )
    county = Unit.objects.filter(kind=Unit.Kind.COUNTY_CENTER).values_list("pk", flat=True).first()
    notices = []
    for reminder in reminders:
        title = _notice_title(names[reminder.village_id], day)
        body = _notice_body(reminder.misses_in_a_row)
        for unit_id in (committees.get(reminder.village_id), centers.get(township_of.get(reminder.village_id))):
            if unit_id:
                notices.append(Notification(unit_id=unit_id, title=title, body=body, url=REPORTS_URL))
        if reminder.level == ZeroReportReminder.Level.COUNTY and county:
            notices.append(Notification(unit_id=county, title=title, body=body, url=BOARD_URL))
    Notification.objects.bulk_create(notices, batch_size=2000)


REPORTS_URL, BOARD_URL = "/grids/reports/", "/grids/board/"
# Where a notice's title takes the village's name and its body the streak, in `_remind_in_sql` (a
# private-use character: no wording or name has it).
NAME = "\ue000"


def _remind_in_sql(day: date, previous: date | None, result: CheckResult) -> None:
    """What `_remind_in_python` does, in one statement (PostgreSQL): the villages without a report
    and without a reminder for the day get one, its streak one more than the previous due day's
    reminder's (1 without one), and its notices — the village committee and the
    township center (the last by code where there are several, as the Python path's dicts keep),
    and the county center (the first by code) from the third miss in a row.

    Every part is a hash (or merge) join or a lookup in a row's own array: with nested loops off,
    no estimate — a county imported a minute ago, its tables not yet analysed — can make the
    planner loop over 500,000 villages once per village."""
    region, report, reminder = Region._meta.db_table, ZeroReport._meta.db_table, ZeroReportReminder._meta.db_table
    unit, notice = Unit._meta.db_table, Notification._meta.db_table
    sql = f"""
        WITH missing AS MATERIALIZED (
            SELECT v.id, v.parent_id, v.name FROM {region} AS v
            WHERE v.level = %(village)s AND NOT EXISTS (
                SELECT 1 FROM {report} AS r WHERE r.village_id = v.id AND r.date = %(day)s AND r.grid_id IS NULL
            )
        ),
        fresh AS MATERIALIZED (
            SELECT missing.*, 1 + coalesce(before.misses_in_a_row, 0) AS streak
            FROM missing
            LEFT JOIN {reminder} AS before
                ON before.village_id = missing.id AND before.date = %(previous)s AND before.grid_id IS NULL
            WHERE NOT EXISTS (
                SELECT 1 FROM {reminder} AS t WHERE t.village_id = missing.id AND t.date = %(day)s AND t.grid_id IS NULL
            )
        ),
        new AS (
            INSERT INTO {reminder} (village_id, grid_id, date, level, misses_in_a_row, created_at)
            SELECT id, NULL, %(day)s, CASE WHEN streak >= %(escalate)s THEN %(county)s ELSE %(township)s END,
                   streak, %(created)s
            FROM fresh
            RETURNING level
        ),
        notices AS (
            INSERT INTO {notice} (unit_id, user_id, title, body, url, created_at)
            SELECT recipient.unit_id, NULL, replace(%(title)s, %(name)s, fresh.name),
                   replace(%(body)s, %(name)s, fresh.streak::text), recipient.url, %(created)s
            FROM fresh
            LEFT JOIN (
                SELECT DISTINCT ON (u.region_id) u.region_id, u.id FROM {unit} AS u
                WHERE u.kind = %(committee)s AND u.region_id IN (SELECT id FROM fresh)
                ORDER BY u.region_id, u.code DESC
            ) AS committee ON committee.region_id = fresh.id
            LEFT JOIN (
                SELECT DISTINCT ON (u.region_id) u.region_id, u.id FROM {unit} AS u
                WHERE u.kind = %(center)s ORDER BY u.region_id, u.code DESC
            ) AS center ON center.region_id = fresh.parent_id
            CROSS JOIN LATERAL (
                VALUES (committee.id, %(reports_url)s), (center.id, %(reports_url)s),
                       (CASE WHEN fresh.streak >= %(escalate)s THEN (
                            SELECT u.id FROM {unit} AS u WHERE u.kind = %(county_center)s ORDER BY u.code LIMIT 1
                        ) END, %(board_url)s)
            ) AS recipient (unit_id, url)
            WHERE recipient.unit_id IS NOT NULL
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM {region} WHERE level = %(village)s),
               (SELECT count(*) FROM {report} WHERE date = %(day)s AND grid_id IS NULL),
               (SELECT count(*) FROM missing),
               (SELECT count(*) FROM new),
               (SELECT count(*) FROM new WHERE level = %(county)s),
               (SELECT count(*) FROM notices)
    """
    created = timezone.now()
    params = {
        "village": Region.Level.VILLAGE,
        "day": day,
        "previous": previous,
        "escalate": ESCALATE_TO_COUNTY_AFTER,
        "county": ZeroReportReminder.Level.COUNTY,
        "township": ZeroReportReminder.Level.TOWNSHIP,
        "created": created,
        "title": _notice_title(NAME, day),
        "name": NAME,
        "body": _notice_body(NAME),
        "committee": Unit.Kind.VILLAGE,
        "center": Unit.Kind.TOWNSHIP_CENTER,
        "county_center": Unit.Kind.COUNTY_CENTER,
        "reports_url": REPORTS_URL,
        "board_url": BOARD_URL,
    }
    # Hash joins only, and the day's reports hashed in memory rather than in temporary files.
    with _planner(enable_nestloop="off", work_mem="64MB") as cursor:
        cursor.execute(sql, params)
        result.owed, result.reported, result.missing, result.reminded, result.escalated, _notices = cursor.fetchone()


@contextmanager
def _planner(**settings: str):
    """A cursor with these planner settings, the earlier ones put back after (also inside a
    caller's transaction, where SET LOCAL would outlast the check)."""
    names = list(settings)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["current_setting(%s), set_config(%s, %s, true)"] * len(names)),
            [value for name in names for value in (name, name, settings[name])],
        )
        row = cursor.fetchone()
        try:
            yield cursor
        finally:
            cursor.execute(
                "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                [value for i, name in enumerate(names) for value in (name, row[2 * i])],
            )


# --- Board ------------------------------------------------------------------------------------


@dataclass
class VillageRow:
    village: Region
    report: ZeroReport | None
    state: str

    @property
    def state_label(self) -> str:
        return ReportState(self.state).label


@dataclass
class TownshipBoard:
    township: Region
    rows: list[VillageRow]

    def count(self, *states: str) -> int:
        return sum(1 for row in self.rows if row.state in states)

    @property
    def reported(self) -> int:
        return self.count(ReportState.REPORTED, ReportState.LATE)

    @property
    def late(self) -> int:
        return self.count(ReportState.LATE)

    @property
    def missing(self) -> int:
        return self.count(ReportState.MISSED)

    @property
    def grace(self) -> int:
        return self.count(ReportState.GRACE)

    @property
    def pending(self) -> int:
        return self.count(ReportState.PENDING)


def board_for(user: User, day: date, now: datetime | None = None) -> tuple[Calendar, list[TownshipBoard]]:
    """Per township of the person's jurisdiction, each village's state for `day` (four queries)."""
    now = now or timezone.now()
    calendar = Calendar.load()
    villages = list(Region.objects.visible_to(user).villages().select_related("parent").order_by("code"))
    reports = {
        r.village_id: r
        for r in ZeroReport.objects.filter(date=day, grid=None, village__in=[v.pk for v in villages]).select_related(
            "reporter"
        )
    }
    boards: dict[int, TownshipBoard] = {}
    for village in villages:
        board = boards.setdefault(village.parent_id, TownshipBoard(village.parent, []))
        report = reports.get(village.pk)
        board.rows.append(VillageRow(village, report, calendar.state(day, report, now)))
    return calendar, list(boards.values())


@dataclass
class LeagueRow:
    township: Region
    owed: int
    reported: int
    late: int

    @property
    def missed(self) -> int:
        return self.owed - self.reported

    @property
    def rate(self) -> float:
        return self.reported / self.owed if self.owed else 1.0

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}"


def league_for(user: User, month: date, today: date | None = None) -> tuple[list[date], list[LeagueRow]]:
    """The month's report rate per township, best first: reports in / reports owed on due days so far."""
    today = today or timezone.localdate()
    calendar = Calendar.load()
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    due_days = calendar.due_days_between(start, min(end, today))
    villages = Region.objects.visible_to(user).villages()
    per_township = dict(villages.values("parent").annotate(n=models.Count("pk")).values_list("parent", "n"))
    townships = {t.pk: t for t in Region.objects.filter(pk__in=per_township).order_by("code")}
    counts = (
        ZeroReport.objects.filter(grid=None, date__in=due_days, village__in=villages)
        .values("village__parent")
        .annotate(n=models.Count("pk"), late=models.Count("pk", filter=Q(is_late=True)))
    )
    got = {row["village__parent"]: row for row in counts}
    rows = [
        LeagueRow(
            township,
            owed=per_township[pk] * len(due_days),
            reported=got.get(pk, {}).get("n", 0),
            late=got.get(pk, {}).get("late", 0),
        )
        for pk, township in townships.items()
    ]
    rows.sort(key=lambda r: (-r.rate, r.township.code))
    return due_days, rows


# --- Today at a glance: the grid worker's report page and home page ------------------------------


def today_row(village: Region, calendar: Calendar, report: ZeroReport | None, now) -> dict:
    """A village's zero-report today: its state, the state's words and the report if filed."""
    state = calendar.state(timezone.localtime(now).date(), report, now)
    return {"village": village, "today": state, "today_label": ReportState(state).label, "today_report": report}


def todays_reports(user: User) -> list[dict]:
    """The grid worker's villages and today's report of each (his home page leads with it).
    Three queries: the villages, the rules, today's reports."""
    villages = reporting_villages(user)
    if not villages:
        return []
    now = timezone.now()
    today = timezone.localtime(now).date()
    reports = {r.village_id: r for r in ZeroReport.objects.filter(village__in=villages, grid=None, date=today)}
    calendar = Calendar.load()
    return [today_row(village, calendar, reports.get(village.pk), now) for village in villages]
