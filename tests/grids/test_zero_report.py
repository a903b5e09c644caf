"""The daily zero-report: periods, cutoff and grace, filing and amending, the check and its reminders."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from governance.models import Notification, Unit
from grids.models import Region, ReportSettings, SensitivePeriod, ZeroReport, ZeroReportReminder
from grids.zero_report import Calendar, ReportData, ReportState, file_report, run_zero_report_check

MONDAY = date(2026, 11, 16)  # weekly reports are due on Mondays by default
SUNDAY = date(2026, 11, 22)
NATIONAL_DAY = date(2026, 10, 1)  # a holiday


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def zero() -> ReportData:
    return ReportData(is_zero=True)


@pytest.fixture
def calendar(db) -> Calendar:
    return Calendar.load()


def test_weekly_outside_sensitive_periods(calendar):
    assert calendar.is_due(MONDAY)
    assert not calendar.is_due(MONDAY + timedelta(days=1))
    assert not calendar.is_due(SUNDAY)


def test_sensitive_period_is_daily_and_holidays_do_not_excuse_it(db):
    SensitivePeriod.objects.create(name="国庆", start=date(2026, 9, 28), end=date(2026, 10, 8))
    calendar = Calendar.load()
    assert all(calendar.is_due(date(2026, 9, 28) + timedelta(days=n)) for n in range(11))
    assert calendar.is_due(NATIONAL_DAY) and calendar.sensitive(NATIONAL_DAY).name == "国庆"
    assert not calendar.is_due(date(2026, 10, 9))  # a Friday after the period


def test_weekday_and_cutoff_are_configurable(db):
    settings = ReportSettings.current()
    settings.weekly_weekday, settings.cutoff, settings.grace_minutes = 4, time(16, 0), 30
    settings.save()
    calendar = Calendar.load()
    friday = date(2026, 11, 20)
    assert calendar.is_due(friday) and not calendar.is_due(MONDAY)
    assert calendar.state(friday, None, at(friday, 15, 59)) == ReportState.PENDING
    assert calendar.state(friday, None, at(friday, 16, 20)) == ReportState.GRACE
    assert calendar.state(friday, None, at(friday, 16, 31)) == ReportState.MISSED


def test_nothing_is_due_before_the_countys_start_date(org):
    """起报日期: before it no day is due — not on the board, not in the check, not in the statistics
    (a county that began its zero-reports this autumn is not 漏报 for all of last year)."""
    from governance.stats import count_day

    settings = ReportSettings.current()
    settings.start_date = MONDAY - timedelta(days=6)
    settings.save()
    calendar = Calendar.load()
    assert calendar.is_due(MONDAY) and not calendar.is_due(MONDAY - timedelta(weeks=1))
    assert calendar.due_days_before(MONDAY, 3) == []
    for day in (MONDAY - timedelta(weeks=2), MONDAY - timedelta(weeks=1), MONDAY):
        run_zero_report_check(day, now=at(day, 20))
    # Only the Monday after the start is missed, once: a first miss goes to the township, not the county.
    assert set(ZeroReportReminder.objects.values_list("date", "level")) == {(MONDAY, "township")}
    before = count_day(MONDAY - timedelta(weeks=1), now=at(MONDAY, 20))
    assert not [key for key in before if key[-1].startswith("zr_")]
    assert sum(v for key, v in count_day(MONDAY, now=at(MONDAY, 20)).items() if key[-1] == "zr_due") == 3


def test_states_through_the_day(calendar):
    # Default cutoff 17:00 and a 120-minute grace.
    assert calendar.state(MONDAY, None, at(MONDAY, 9)) == ReportState.PENDING
    assert calendar.state(MONDAY, None, at(MONDAY, 18)) == ReportState.GRACE
    assert calendar.state(MONDAY, None, at(MONDAY, 19, 1)) == ReportState.MISSED
    assert calendar.state(SUNDAY, None, at(SUNDAY, 23)) == ReportState.NOT_DUE


def test_grid_worker_files_a_zero_report(org):
    report = file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 10))
    assert report.is_zero and not report.is_late and report.reporter == org["grid_worker"]
    assert Calendar.load().state(MONDAY, report, at(MONDAY, 20)) == ReportState.REPORTED


def test_late_report_is_taken_and_marked_late(org):
    report = file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 20))
    assert report.is_late
    assert Calendar.load().state(MONDAY, report, at(MONDAY, 21)) == ReportState.LATE


def test_second_filing_amends_with_history(org):
    first = file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 10))
    amended = file_report(
        by=org["grid_worker"],
        village=org.village_a1,
        day=MONDAY,
        data=ReportData(is_zero=False, disputes_found=1, items=[("两户因排水纠纷", None)]),
        version=first.version,
        now=at(MONDAY, 11),
    )
    assert amended.pk == first.pk and amended.version == 2
    assert ZeroReport.objects.count() == 1
    assert [h.is_zero for h in amended.history.order_by("history_date")] == [True, False]
    with pytest.raises(ValidationError, match="已被他人修改"):
        file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), version=1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ReportData(is_zero=True, disputes_found=1), "都应为0"),
        (ReportData(is_zero=False), "请选择“零报告”"),
    ],
)
def test_contradictory_or_empty_reports_are_refused(org, data, message):
    with pytest.raises(ValidationError, match=message):
        file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=data, now=at(MONDAY, 10))
    assert not ZeroReport.objects.exists()


def test_no_report_for_future_days_or_other_villages(org):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError, match="未来日期"):
        file_report(by=org["grid_worker"], village=org.village_a1, day=tomorrow, data=zero())
    with pytest.raises(ValidationError, match="不是该村"):
        file_report(by=org["grid_worker"], village=org.village_b1, day=MONDAY, data=zero())
    assert not ZeroReport.objects.exists()


def test_check_reminds_missing_units_once(org, django_assert_max_num_queries):
    file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 10))
    before_grace = run_zero_report_check(MONDAY, now=at(MONDAY, 18))
    assert (before_grace.owed, before_grace.reported, before_grace.reminded) == (3, 1, 0)

    result = run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    assert (result.owed, result.reported, result.missing, result.reminded) == (3, 1, 2, 2)
    reminded = set(ZeroReportReminder.objects.values_list("village__name", flat=True))
    assert reminded == {"甲镇二村", "乙镇一村"}
    # The township center of each missing village is told.
    assert Notification.objects.filter(unit=org.center_a, title__contains="甲镇二村").exists()
    assert Notification.objects.filter(unit=org.center_b, title__contains="乙镇一村").exists()

    again = run_zero_report_check(MONDAY, now=at(MONDAY, 21))
    assert again.reminded == 0 and again.missing == 2
    assert ZeroReportReminder.objects.count() == 2
    assert Notification.objects.count() == 2


def test_days_without_obligation_are_skipped(org):
    result = run_zero_report_check(SUNDAY, now=at(SUNDAY, 23))
    assert not result.due and result.reminded == 0
    assert str(result) == "2026-11-22 不是报送日，无需检查。"


def test_three_misses_in_a_row_reach_the_county(org):
    mondays = [MONDAY - timedelta(weeks=2), MONDAY - timedelta(weeks=1), MONDAY]
    for day in mondays:
        file_report(by=org["grid_worker"], village=org.village_a1, day=day, data=zero(), now=at(day, 10))
        run_zero_report_check(day, now=at(day, 20))
    levels = dict(ZeroReportReminder.objects.filter(date=MONDAY).values_list("village__name", "level"))
    assert levels == {"甲镇二村": "county", "乙镇一村": "county"}
    first = dict(ZeroReportReminder.objects.filter(date=mondays[0]).values_list("village__name", "level"))
    assert first == {"甲镇二村": "township", "乙镇一村": "township"}
    assert Notification.objects.filter(unit=org.county_center).count() == 2


def test_check_runs_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as small:
        run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    ZeroReportReminder.objects.all().delete()
    Notification.objects.all().delete()
    for n in range(3, 60):
        village = Region.objects.create(
            code=f"990101001{n:03d}", name=f"新村{n}", level="village", kind="village", parent=org.town_a
        )
        Unit.objects.create(code=f"V{n}", name=f"新村{n}村委会", kind=Unit.Kind.VILLAGE, region=village)
    with django_assert_max_num_queries(len(small.captured_queries)):
        result = run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    assert result.reminded == 60


def test_command_prints_the_counts(org, capsys):
    with time_machine.travel(at(MONDAY, 20), tick=False):
        call_command("run_zero_report_check", "--date", "2026-11-16")
    out = capsys.readouterr().out
    assert "应报 3 个单位，已报 0，漏报 3，本次提醒 3" in out
