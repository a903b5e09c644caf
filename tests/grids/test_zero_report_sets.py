"""The zero-report check over many villages at once (grids/zero_report.py): on PostgreSQL one
statement finds the missing villages and inserts their reminders and notices; on SQLite (the
development default) the Python path does it. Both must write exactly the same: the same
reminders with the same streak and level, the same notices to the same units, the same counts —
for a weekly day, a day in a sensitive period, a county that began its reports recently, and
before the grace has run out — and neither adds anything when run again after the other."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from governance.models import Notification, Unit
from grids.models import Grid, Region, ReportSettings, SensitivePeriod, ZeroReport, ZeroReportReminder
from grids.zero_report import run_zero_report_check

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement is PostgreSQL's")

MONDAY = date(2026, 11, 16)  # weekly reports are due on Mondays by default
WEEK = timedelta(weeks=1)
DAY = timedelta(days=1)


def at(day: date, hh: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh)))


@pytest.fixture
def county(org):
    """The demo's three villages and more: reports, earlier misses of every length, a reminder
    already written, grid-level reports and reminders (which do not count for the village), a
    village with two committees, villages without one, a township without a center."""
    L, K = Region.Level, Region.Kind
    town_c = Region.objects.create(code="990101003000", name="丙镇", level=L.TOWNSHIP, kind=K.TOWN, parent=org.county)
    villages = {}
    for n in range(3, 9):
        villages[f"a{n}"] = Region.objects.create(
            code=f"990101001{n:03d}", name=f"甲镇{n}村", level=L.VILLAGE, kind=K.VILLAGE, parent=org.town_a
        )
    for n in (1, 2):
        villages[f"c{n}"] = Region.objects.create(
            code=f"990101003{n:03d}", name=f"丙镇{n}村", level=L.VILLAGE, kind=K.VILLAGE, parent=town_c
        )
    for key, village in villages.items():
        Unit.objects.create(code=f"{key}-VC", name=f"{village.name}委员会", kind=Unit.Kind.VILLAGE, region=village)
    Unit.objects.create(code="a4-VC2", name="甲镇4村第二委员会", kind=Unit.Kind.VILLAGE, region=villages["a4"])
    villages.update(a1=org.village_a1, a2=org.village_a2, b1=org.village_b1)

    reporter = org["grid_worker"]
    for key in ("a1", "a3"):
        ZeroReport.objects.create(village=villages[key], date=MONDAY, reporter=reporter, submitted_at=at(MONDAY, 9))
    grid_a2 = Grid.objects.create(code=f"{org.village_a2.code}009", name="甲镇二村第九网格", village=org.village_a2)
    ZeroReport.objects.create(
        village=org.village_a2, grid=grid_a2, date=MONDAY, reporter=reporter, submitted_at=at(MONDAY, 9)
    )
    # Earlier reminders with the streaks the checks of those days wrote (each one more than the
    # previous due day's): weekly Mondays, and the weekend of the sensitive-period scenario.
    earlier = {
        MONDAY - 2 * WEEK: {"a6": 1, "a7": 1, "c1": 1, "b1": 1, "a4": 1},
        MONDAY - WEEK: {"a5": 1, "a6": 2, "c1": 2, "b1": 3},
        MONDAY - 2 * DAY: {"c2": 1, "a6": 1},
        MONDAY - DAY: {"c2": 2, "a6": 2, "a4": 1},
    }
    for day, streaks in earlier.items():
        ZeroReportReminder.objects.bulk_create(
            [ZeroReportReminder(village=villages[k], date=day, misses_in_a_row=n) for k, n in streaks.items()]
        )
    grid_a7 = Grid.objects.create(code=f"{villages['a7'].code}001", name="甲镇7村第一网格", village=villages["a7"])
    ZeroReportReminder.objects.create(village=villages["a7"], grid=grid_a7, date=MONDAY - WEEK)
    ZeroReportReminder.objects.create(
        village=villages["a7"], grid=grid_a7, date=MONDAY
    )  # the grid's, not the village's
    # 甲镇7村 reported last week (late, after its grid's reminder), not this week.
    ZeroReport.objects.create(
        village=villages["a7"], date=MONDAY - WEEK, reporter=reporter, submitted_at=at(MONDAY - WEEK, 20), is_late=True
    )
    ZeroReportReminder.objects.create(village=villages["a8"], date=MONDAY)  # found by an earlier run
    return villages


def weekly() -> datetime:
    return at(MONDAY, 20)


def in_a_sensitive_period() -> datetime:
    SensitivePeriod.objects.create(name="重要会议", start=MONDAY - 3 * DAY, end=MONDAY + DAY)
    return at(MONDAY, 20)


def started_last_week() -> datetime:
    settings = ReportSettings.current()
    settings.start_date = MONDAY - 6 * DAY
    settings.save()
    return at(MONDAY, 20)


def in_the_grace() -> datetime:
    return at(MONDAY, 18)


class Undo(Exception):
    pass


def check(in_sql: bool, now: datetime) -> tuple:
    """Run one path of the check and return what it reported and wrote."""
    last_notice = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = run_zero_report_check(MONDAY, now=now, in_sql=in_sql)
    counts = (result.owed, result.reported, result.missing, result.reminded, result.escalated)
    reminders = sorted(
        ZeroReportReminder.objects.filter(date=MONDAY, grid=None).values_list(
            "village__name", "level", "misses_in_a_row"
        )
    )
    notices = sorted(
        Notification.objects.filter(pk__gt=last_notice).values_list("unit__name", "title", "body", "url", "user_id")
    )
    return counts, reminders, notices


def python_path(now: datetime) -> tuple:
    """What the Python path writes, undone afterwards."""
    try:
        with transaction.atomic():
            written = check(False, now)
            raise Undo
    except Undo:
        return written


@pytest.mark.parametrize("scenario", [weekly, in_a_sensitive_period, started_last_week, in_the_grace])
def test_the_statement_writes_what_the_python_path_writes(county, scenario):
    now = scenario()
    expected = python_path(now)
    assert check(True, now) == expected

    # Run again, by either path: nothing more.
    counts, reminders, _notices = expected
    for in_sql in (True, False):
        assert check(in_sql, now) == ((*counts[:3], 0, 0), reminders, [])


def test_the_scenarios_cover_every_branch(county):
    # Weekly: streaks of 1, 2, 3 and 4, the grid-level reminder not counted, a reminder already
    # there, two committees, no committee, no township center, the county from the third miss.
    counts, reminders, notices = python_path(weekly())
    assert counts == (11, 2, 9, 8, 3)
    levels = {name: (level, n) for name, level, n in reminders}
    assert levels["甲镇5村"] == ("township", 2) and levels["甲镇6村"] == ("county", 3)
    assert levels["丙镇1村"] == ("county", 3) and levels["乙镇一村"] == ("county", 4)
    assert levels["甲镇7村"] == ("township", 1)
    assert levels["甲镇8村"] == ("township", 1)  # written before, not again
    to = {}
    for unit, title, _body, _url, _user in notices:
        to.setdefault(title.split()[0], []).append(unit)
    assert sorted(to["丙镇1村"]) == ["丙镇1村委员会", "示范县综治中心"]  # no township center
    assert to["甲镇二村"] == ["甲镇综治中心"]  # no committee
    assert sorted(to["甲镇4村"]) == ["甲镇4村第二委员会", "甲镇综治中心"]  # the last by code, as ever
    assert "甲镇8村" not in to and "甲镇一村" not in to
    assert {body for _unit, title, body, _url, _user in notices if title.startswith("乙镇一村")} == {
        "连续漏报 4 次，请尽快补报。"
    }

    # In the sensitive period the earlier days are the two days before, not the Mondays.
    _counts, reminders, _notices = python_path(in_a_sensitive_period())
    levels = {name: (level, n) for name, level, n in reminders}
    assert levels["丙镇2村"] == ("county", 3) and levels["甲镇4村"] == ("township", 2)
    assert levels["丙镇1村"] == ("township", 1)


def test_the_check_makes_the_same_queries_for_thousands_of_missing_villages(org, django_assert_num_queries):
    # The old check read every village into Python and inserted reminders and notices in
    # batches of 2,000: its queries grew with the villages that missed. The statement does not.
    ReportSettings.current()
    with django_assert_num_queries(8) as few:
        run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    for t in (7, 8, 9):
        town = Region.objects.create(
            code=f"990101{t:03d}000", name=f"新{t}镇", level="township", kind="town", parent=org.county
        )
        Unit.objects.create(code=f"T{t}-CENTER", name=f"新{t}镇综治中心", kind=Unit.Kind.TOWNSHIP_CENTER, region=town)
        Region.objects.bulk_create(
            Region(code=f"990101{t:03d}{n:03d}", name=f"新{t}镇{n}村", level="village", kind="village", parent=town)
            for n in range(1, 1000)
        )
    with django_assert_num_queries(len(few.captured_queries)):
        result = run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    assert result.reminded == 2997 and Notification.objects.filter(title__startswith="新").count() == 2997


def test_the_check_puts_the_planner_settings_back(org):
    # The statement runs with nested loops off and more memory; a caller's transaction (a test,
    # a command run inside another) carries on with its own settings afterwards.
    def settings():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_nestloop'), current_setting('work_mem')")
            return cursor.fetchone()

    before = settings()
    result = run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    assert result.reminded == 3 and settings() == before == ("on", before[1])
