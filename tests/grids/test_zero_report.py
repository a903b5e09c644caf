"""The daily zero-report: periods, cutoff and grace, filing and amending, the check and its reminders."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from governance.models import Notification, Unit
from grids.models import Grid, Region, ReportSettings, SensitivePeriod, ZeroReport, ZeroReportReminder
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
        (ReportData(is_zero=True, disputes_resolved=1), "都应为0"),
        (ReportData(is_zero=True, key_persons=1), "都应为0"),
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


def test_a_single_grids_report_or_reminder_does_not_count_for_the_village(org):
    # 甲镇二村: one grid reported today and two grids were reminded on the last two Mondays — the
    # village itself missed once. 乙镇一村: a grid was reminded today, the village is still owed one.
    a2_grid = Grid.objects.get(code=f"{org.village_a2.code}001")
    b1_grid = Grid.objects.get(code=f"{org.village_b1.code}001")
    ZeroReport.objects.create(
        village=org.village_a2, grid=a2_grid, date=MONDAY, reporter=org["grid_worker"], submitted_at=at(MONDAY, 9)
    )
    for weeks in (1, 2):
        ZeroReportReminder.objects.create(village=org.village_a2, grid=a2_grid, date=MONDAY - timedelta(weeks=weeks))
    ZeroReportReminder.objects.create(village=org.village_b1, grid=b1_grid, date=MONDAY)
    result = run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    assert (result.reported, result.missing, result.reminded, result.escalated) == (0, 3, 3, 0)
    villages = ZeroReportReminder.objects.filter(date=MONDAY, grid=None)
    assert sorted(villages.values_list("village__name", "level", "misses_in_a_row")) == [
        ("乙镇一村", "township", 1),
        ("甲镇一村", "township", 1),
        ("甲镇二村", "township", 1),
    ]


def test_a_village_added_after_the_days_check_is_reminded_by_the_next_run(org):
    run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    Region.objects.create(code="990101001003", name="甲镇三村", level="village", kind="village", parent=org.town_a)
    result = run_zero_report_check(MONDAY, now=at(MONDAY, 21))
    assert (result.missing, result.reminded) == (4, 1)
    assert Notification.objects.filter(unit=org.center_a, title="甲镇三村 2026-11-16 零报告未报送").exists()


def test_at_the_end_of_the_grace_a_village_is_not_yet_missed(org):
    assert run_zero_report_check(MONDAY, now=at(MONDAY, 19)).reminded == 0  # 17:00 + 120 minutes
    assert run_zero_report_check(MONDAY, now=at(MONDAY, 19, 1)).reminded == 3


def test_in_the_grace_the_check_counts_only_the_days_village_reports(org):
    file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 10))
    last_week = MONDAY - timedelta(weeks=1)
    file_report(by=org["grid_worker"], village=org.village_a1, day=last_week, data=zero(), now=at(last_week, 10))
    grid = Grid.objects.get(code=f"{org.village_a2.code}001")
    ZeroReport.objects.create(
        village=org.village_a2, grid=grid, date=MONDAY, reporter=org["grid_worker"], submitted_at=at(MONDAY, 9)
    )
    result = run_zero_report_check(MONDAY, now=at(MONDAY, 18))
    assert str(result) == "2026-11-16：应报 3 个单位，已报 1，漏报 0，本次提醒 0（其中通报县级 0）。"


def test_the_command_checks_today_by_default(org, capsys):
    with time_machine.travel(at(MONDAY, 20), tick=False):
        call_command("run_zero_report_check")
    assert capsys.readouterr().out == "2026-11-16：应报 3 个单位，已报 0，漏报 3，本次提醒 3（其中通报县级 0）。\n"


def test_the_notices_reach_the_village_committee_and_the_center_not_another_unit_of_the_village(org, login):
    # 甲镇二村 has a police office of its own but no committee: only 甲镇综治中心 hears of its miss.
    Unit.objects.create(code="A2-POLICE", name="甲镇二村警务室", kind=Unit.Kind.DEPARTMENT, region=org.village_a2)
    run_zero_report_check(MONDAY, now=at(MONDAY, 20))
    missed = Notification.objects.filter(title="甲镇二村 2026-11-16 零报告未报送")
    assert list(missed.values_list("unit__name", "body", "url")) == [
        ("甲镇综治中心", "连续漏报 1 次，请尽快补报。", "/grids/reports/")
    ]
    committee = Notification.objects.get(title="甲镇一村 2026-11-16 零报告未报送", unit__name="甲镇一村村民委员会")
    worker = login(org["grid_worker"])
    assert ">● 甲镇一村 2026-11-16 零报告未报送</strong>" in worker.get("/inbox/").content.decode()
    assert worker.post(f"/inbox/{committee.pk}/read/").url == "/grids/reports/"


def test_the_countys_notice_of_a_third_miss_leads_to_the_board(org):
    for weeks in (2, 1, 0):
        day = MONDAY - timedelta(weeks=weeks)
        run_zero_report_check(day, now=at(day, 20))
    county = Notification.objects.filter(unit=org.county_center, title="甲镇二村 2026-11-16 零报告未报送")
    assert list(county.values_list("body", "url")) == [("连续漏报 3 次，请尽快补报。", "/grids/board/")]


# --- What the mutants of grids/zero_report.py showed untested ---------------------------------


def test_the_exact_refusals_a_reporter_reads(org):
    def refusal(**kwargs):
        arguments = {"by": org["grid_worker"], "village": org.village_a1, "day": MONDAY, "data": zero()}
        with pytest.raises(ValidationError) as refused:
            file_report(**{**arguments, "now": at(MONDAY, 10), **kwargs})
        return refused.value

    assert refusal(village=org.village_b1).messages == ["您不是该村（社区）的报送人员。"]
    # The future is judged from the moment of filing, in Beijing time.
    assert refusal(now=at(MONDAY - timedelta(days=1), 23, 59)).message_dict == {"date": ["不能填报未来日期的报告。"]}
    assert refusal(data=ReportData(is_zero=True, disputes_found=1)).messages == [
        "选择“零报告”时，发现纠纷、化解纠纷、重点人员都应为0，且不能列出纠纷。"
    ]
    assert refusal(data=ReportData(is_zero=False)).messages == [
        "没有发现矛盾纠纷请选择“零报告”；有情况请填写数量或列出纠纷。"
    ]
    file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 10))
    assert refusal(version=7).messages == ["该报告已被他人修改，请刷新后再修改。"]


@pytest.mark.parametrize("figures", [{"disputes_found": 1}, {"disputes_resolved": 1}, {"key_persons": 1}])
def test_a_report_with_any_one_figure_is_taken(org, figures):
    data = ReportData(is_zero=False, **figures)
    report = file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=data, now=at(MONDAY, 10))
    assert not report.is_zero and {name: getattr(report, name) for name in figures} == figures


def test_the_first_and_last_days_of_a_period_and_the_start_date_are_due(db):
    tuesday = MONDAY + timedelta(days=1)
    SensitivePeriod.objects.create(name="两会", start=tuesday, end=tuesday + timedelta(days=2))
    settings = ReportSettings.current()
    settings.start_date = tuesday
    settings.save()
    calendar = Calendar.load()
    assert calendar.sensitive(tuesday).name == "两会" and calendar.is_due(tuesday)
    assert calendar.is_due(tuesday + timedelta(days=2)) and not calendar.is_due(tuesday + timedelta(days=3))
    assert not calendar.is_due(MONDAY)  # before the start date, though a Monday


def test_at_the_last_minute_of_the_grace_a_report_is_on_time(org, calendar):
    assert calendar.state(MONDAY, None, at(MONDAY, 19)) == ReportState.GRACE  # 17:00 + 120 minutes
    report = file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 19))
    assert not report.is_late


def test_a_person_reports_for_their_grids_villages_and_their_committee_s_village(org, django_assert_num_queries):
    from governance.models import Role
    from grids.zero_report import reporting_villages
    from tests.factories import make_user

    worker = make_user("grid_worker_2", Role.GRID_WORKER, Unit.objects.get(code="A1-VC"))
    Grid.objects.get(code=f"{org.village_a2.code}001").workers.add(worker)
    worker = type(worker).objects.select_related("unit").get(pk=worker.pk)
    with django_assert_num_queries(1):
        villages = [(v.name, v.parent.name) for v in reporting_villages(worker)]
    assert villages == [("甲镇一村", "甲镇"), ("甲镇二村", "甲镇")]


def test_the_village_s_report_is_its_own_beside_a_grid_s_and_names_its_reporter(org):
    grid = Grid.objects.get(code=f"{org.village_a1.code}001")
    by_grid = ZeroReport.objects.create(
        village=org.village_a1, grid=grid, date=MONDAY, reporter=org["grid_worker"], submitted_at=at(MONDAY, 9)
    )
    report = file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=zero(), now=at(MONDAY, 10))
    assert report.pk != by_grid.pk and report.grid is None
    assert ZeroReport.objects.get(pk=by_grid.pk).version == by_grid.version
    assert [h.history_user for h in report.history.all()] == [org["grid_worker"]]


def test_amending_keeps_the_disputes_already_turned_into_cases(org):
    from grids.zero_report import item_to_case

    def listing(*summaries):
        return ReportData(is_zero=False, items=[(s, None) for s in summaries])

    report = file_report(
        by=org["grid_worker"],
        village=org.village_a1,
        day=MONDAY,
        data=listing("排水纠纷", "宅基地纠纷"),
        now=at(MONDAY, 10),
    )
    drainage = report.items.get(summary="排水纠纷")
    case = item_to_case(by=org["township_officer"], item=drainage)
    with pytest.raises(ValidationError) as refused:
        item_to_case(by=org["township_officer"], item=drainage)
    assert refused.value.messages == [f"该纠纷已转为案件 {case.number}。"]
    file_report(
        by=org["grid_worker"],
        village=org.village_a1,
        day=MONDAY,
        data=listing("邻里噪音纠纷"),
        version=report.version,
        now=at(MONDAY, 11),
    )
    assert sorted(report.items.values_list("summary", "case_id")) == [("排水纠纷", case.pk), ("邻里噪音纠纷", None)]


def test_a_grid_s_listed_dispute_becomes_a_case_of_that_grid(org):
    from grids.models import ZeroReportItem
    from grids.zero_report import item_to_case

    grid = Grid.objects.get(code=f"{org.village_a1.code}001")
    report = ZeroReport.objects.create(
        village=org.village_a1, grid=grid, date=MONDAY, reporter=org["grid_worker"], submitted_at=at(MONDAY, 9)
    )
    item = ZeroReportItem.objects.create(report=report, summary="两户因排水纠纷")
    case = item_to_case(by=org["township_officer"], item=item)
    assert (case.grid, case.village) == (grid, org.village_a1)


def test_the_check_of_today_is_the_day_of_the_moment_given(org):
    result = run_zero_report_check(now=at(MONDAY, 20))
    assert result.day == MONDAY and result.reminded == 3


def test_a_streak_counts_every_miss_in_a_row_and_a_report_ends_it(org):
    mondays = [MONDAY - timedelta(weeks=n) for n in (4, 3, 2, 1, 0)]
    for day in mondays:
        if day == mondays[2]:  # 甲镇一村 reports once, in the middle
            file_report(by=org["grid_worker"], village=org.village_a1, day=day, data=zero(), now=at(day, 10))
        run_zero_report_check(day, now=at(day, 20))
    streaks = dict(ZeroReportReminder.objects.filter(date=MONDAY).values_list("village__name", "misses_in_a_row"))
    assert streaks == {"甲镇一村": 2, "甲镇二村": 5, "乙镇一村": 5}
    assert list(
        Notification.objects.filter(unit=org.county_center, title__startswith="甲镇二村 2026-11-16").values_list(
            "body", flat=True
        )
    ) == ["连续漏报 5 次，请尽快补报。"]
    assert dict(ZeroReportReminder.objects.filter(date=MONDAY).values_list("village__name", "level")) == {
        "甲镇一村": "township",
        "甲镇二村": "county",
        "乙镇一村": "county",
    }
