"""Zero-report pages: filing, the compliance board, the league table, turning listed disputes into cases."""

from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from disputes.models import Case, Category
from governance.models import Role
from grids.models import Grid, ZeroReport, ZeroReportItem
from grids.zero_report import ReportData, file_report, run_zero_report_check
from tests.factories import PERSONAS, make_user

MONDAY = date(2026, 11, 16)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def zero_on_monday(org):
    return file_report(
        by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(MONDAY, 9)
    )


def test_grid_worker_files_from_the_form(org, login):
    client = login(org["grid_worker"])
    home = client.get("/grids/reports/").content.decode()
    assert "甲镇一村" in home and "填报今日报告" in home
    response = client.post(
        f"/grids/reports/file/?village={org.village_a1.pk}",
        {
            "date": timezone.localdate().isoformat(),
            "is_zero": "on",
            "disputes_found": "0",
            "disputes_resolved": "0",
            "key_persons": "0",
            "item-TOTAL_FORMS": "2",
            "item-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    report = ZeroReport.objects.get()
    assert report.is_zero and report.village == org.village_a1 and report.reporter == org["grid_worker"]


def test_form_explains_contradictions_and_saves_nothing(org, login):
    client = login(org["grid_worker"])
    response = client.post(
        f"/grids/reports/file/?village={org.village_a1.pk}",
        {
            "date": timezone.localdate().isoformat(),
            "disputes_found": "0",
            "disputes_resolved": "0",
            "key_persons": "0",
            "item-TOTAL_FORMS": "2",
            "item-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "没有发现矛盾纠纷请选择“零报告”" in response.content.decode()
    future = client.post(
        f"/grids/reports/file/?village={org.village_a1.pk}",
        {
            "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "is_zero": "on",
            "disputes_found": "0",
            "disputes_resolved": "0",
            "key_persons": "0",
            "item-TOTAL_FORMS": "0",
            "item-INITIAL_FORMS": "0",
        },
    )
    assert "不能填报未来日期的报告" in future.content.decode()
    assert not ZeroReport.objects.exists()


def test_board_shows_states_of_the_jurisdiction_only(org, login):
    file_report(
        by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(MONDAY, 9)
    )
    with time_machine.travel(at(MONDAY, 20), tick=False):
        body = login(org["township_officer"]).get(f"/grids/board/?date={MONDAY}").content.decode()
    assert "甲镇一村" in body and "甲镇二村" in body and "乙镇一村" not in body
    assert "已报" in body and "漏报" in body


def test_county_board_and_league(org, login):
    file_report(
        by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(MONDAY, 9)
    )
    with time_machine.travel(at(MONDAY, 20), tick=False):
        client = login(org["county_officer"])
        board = client.get(f"/grids/board/?date={MONDAY}").content.decode()
        league = client.get("/grids/board/league/?month=2026-11").content.decode()
    assert "甲镇一村" in board and "乙镇一村" in board
    # November up to the 16th has three Mondays: 甲镇 owes 2 × 3, has 1; 乙镇 owes 3, has 0.
    assert "33.3%" not in league
    assert "16.7%" in league and "0.0%" in league
    assert league.index("甲镇") < league.index("乙镇")


def test_board_export_opens(org, login):
    with time_machine.travel(at(MONDAY, 20), tick=False):
        response = login(org["county_officer"]).get(f"/grids/board/export.xlsx?date={MONDAY}&month=2026-11")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["当日报送", "月度排名"]
    villages = [row[1] for row in book["当日报送"].iter_rows(min_row=3, values_only=True)]
    assert sorted(villages) == sorted(["甲镇一村", "甲镇二村", "乙镇一村"])


def test_listed_dispute_becomes_a_case_once(org, login):
    category = Category.objects.get(code="neighbourhood")
    report = file_report(
        by=org["grid_worker"],
        village=org.village_a1,
        day=MONDAY,
        data=ReportData(is_zero=False, disputes_found=1, items=[("两户因排水沟堵塞争吵", category)]),
        now=at(MONDAY, 9),
    )
    item = ZeroReportItem.objects.get(report=report)
    client = login(org["township_officer"])
    assert "转为案件" in client.get(f"/grids/reports/{report.pk}/").content.decode()
    client.post(f"/grids/reports/items/{item.pk}/to-case/")
    case = Case.objects.get()
    assert (case.status, case.channel, case.village, case.category) == ("submitted", "grid", org.village_a1, category)
    item.refresh_from_db()
    assert item.case == case
    response = client.post(f"/grids/reports/items/{item.pk}/to-case/", follow=True)
    assert f"该纠纷已转为案件 {case.number}。" in response.content.decode()
    assert Case.objects.count() == 1


def test_outsider_cannot_open_or_convert_another_townships_report(org, login):
    report = file_report(
        by=org["grid_worker"],
        village=org.village_a1,
        day=MONDAY,
        data=ReportData(is_zero=False, items=[("x", None)]),
        now=at(MONDAY, 9),
    )
    client = login(org["outsider"])
    assert client.get(f"/grids/reports/{report.pk}/").status_code == 404
    assert client.post(f"/grids/reports/items/{report.items.get().pk}/to-case/").status_code == 404
    assert not Case.objects.exists()


REPORTERS = {"grid_worker"}
WATCHERS = {"county_officer", "township_officer", "leader", "township_leader", "outsider"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_every_role(org, login, persona):
    client = login(org[persona])
    pages = {
        "/grids/reports/": REPORTERS,
        f"/grids/reports/file/?village={org.village_a1.pk}": REPORTERS,
        "/grids/board/": WATCHERS,
        "/grids/board/league/": WATCHERS,
        "/grids/board/export.xlsx": WATCHERS,
    }
    for path, allowed in pages.items():
        assert client.get(path).status_code == (200 if persona in allowed else 403), path


@pytest.mark.parametrize("path", ["/grids/board/", "/grids/board/league/"])
def test_board_queries_do_not_grow(org, login, django_assert_max_num_queries, path):
    from grids.models import Region

    client = login(org["county_officer"])
    with django_assert_max_num_queries(30) as small:
        client.get(path)
    for n in range(3, 40):
        Region.objects.create(
            code=f"990101001{n:03d}", name=f"新村{n}", level="village", kind="village", parent=org.town_a
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(path)


@pytest.mark.celery
def test_the_check_task_runs_on_a_real_worker(worker):
    from grids.models import ZeroReportReminder
    from grids.tasks import zero_report_check
    from tests.factories import build_org

    build_org()
    results = zero_report_check.delay().get(timeout=60)
    assert len(results) == 4
    today = timezone.localdate()
    # Whatever today is, each past due day in the window is now reminded for all three villages.
    reminded_days = set(ZeroReportReminder.objects.values_list("date", flat=True))
    assert reminded_days <= {today - timedelta(days=n) for n in range(4)}
    assert all(ZeroReportReminder.objects.filter(date=d).count() == 3 for d in reminded_days)
    assert run_zero_report_check(today - timedelta(days=3)).reminded == 0


def test_the_grid_workers_home_leads_with_todays_zero_report(org, login, django_assert_max_num_queries):
    """His phone's first screen: today's report of his village with the button to file it, not
    the region's tiles; after filing it says 已报 (迟报 after the cutoff) and offers to correct it."""
    client = login(org["grid_worker"])
    with django_assert_max_num_queries(20):
        page = client.get("/").content.decode()
    section = page.split('data-testid="home-zero-report"')[1].split("</section>")[0]
    assert "甲镇一村" in section and "填报今日报告" in section
    assert f"/grids/reports/file/?village={org.village_a1.pk}&amp;date={timezone.localdate():%Y-%m-%d}" in section
    assert 'data-testid="jurisdiction-summary"' not in page
    report = file_report(
        by=org["grid_worker"], village=org.village_a1, day=timezone.localdate(), data=ReportData(is_zero=True)
    )
    section = client.get("/").content.decode().split('data-testid="home-zero-report"')[1].split("</section>")[0]
    # 已报, or 迟报 when the suite runs after the day's cutoff and grace.
    assert ("迟报" if report.is_late else "已报") in section and "修改今日报告" in section
    # Nobody else's home has it.
    assert 'data-testid="home-zero-report"' not in login(org["township_officer"]).get("/").content.decode()


def test_the_optional_dispute_rows_are_not_marked_required(org, login):
    client = login(org["grid_worker"])
    form = client.get(f"/grids/reports/file/?village={org.village_a1.pk}").content.decode()
    rows = form.split("发现的矛盾纠纷")[1]
    assert 'class="text-danger">*' not in rows  # no red mark on an optional row
    data = {
        "date": timezone.localdate().isoformat(),
        "disputes_found": "1",
        "disputes_resolved": "0",
        "key_persons": "0",
        "item-TOTAL_FORMS": "2",
        "item-INITIAL_FORMS": "0",
        "item-0-category": str(Category.objects.get(code="neighbourhood").pk),
    }
    response = client.post(f"/grids/reports/file/?village={org.village_a1.pk}", data)
    assert "请填写纠纷简况" in response.content.decode()  # the form again, with the message
    assert not ZeroReport.objects.exists()
    response = client.post(
        f"/grids/reports/file/?village={org.village_a1.pk}", {**data, "item-0-summary": "邻里排水纠纷"}
    )
    assert response.status_code == 302
    assert list(ZeroReportItem.objects.values_list("summary", flat=True)) == ["邻里排水纠纷"]


def test_the_league_of_a_past_month_does_not_say_up_to_today(org, login):
    with time_machine.travel(at(MONDAY, 20), tick=False):
        client = login(org["county_officer"])
        past = client.get("/grids/board/league/?month=2026-10").content.decode()
        current = client.get("/grids/board/league/?month=2026-11").content.decode()
    assert "截至今天" not in past and "2026年10月共有" in past
    assert "本月截至今天共有" in current


# --- Today's zero-report through a due day: 待报 until the 17:00 cutoff, 临期 in the grace, 漏报 after
# it, 已报 once filed; on other days 本日无需报送 with an offer to report anyway. A report of another
# day or of a single grid is not the village's today.


def today_on_home(login, user, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        page = login(user).get("/").content.decode()
    return page.split('data-testid="home-zero-report"')[1].split("</section>")[0]


def today_on_reports(login, user, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        page = login(user).get("/grids/reports/").content.decode()
    return page.split('data-testid="today-state">')[1].split("</span></span>")[0]


@pytest.mark.parametrize(
    ("hh", "mm", "state", "label"),
    [(10, 0, "pending", "待报"), (17, 0, "pending", "待报"), (18, 0, "grace", "临期"), (19, 1, "missed", "漏报")],
)
def test_through_a_due_day_the_home_and_the_report_page_say_how_today_stands(org, login, hh, mm, state, label):
    badge = f'<span class="badge report-{state}">{label}</span>'
    home = today_on_home(login, org["grid_worker"], at(MONDAY, hh, mm))
    assert badge in home and ">填报今日报告</a>" in home
    assert badge in today_on_reports(login, org["grid_worker"], at(MONDAY, hh, mm))


def test_once_filed_today_says_reported_and_offers_to_correct_it(org, login):
    file_report(
        by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(MONDAY, 9)
    )
    home = today_on_home(login, org["grid_worker"], at(MONDAY, 20))
    assert '<span class="badge report-reported">已报</span>' in home and ">09:00</span>" in home
    assert ">修改今日报告</a>" in home


def test_on_a_day_without_obligation_the_home_offers_to_report_anyway(org, login):
    home = today_on_home(login, org["grid_worker"], at(MONDAY.replace(day=17), 20))  # a Tuesday evening
    assert '<span class="badge report-not_due">本日无需报送</span>' in home
    assert ">如有情况，填报今日报告</a>" in home


def test_last_weeks_report_or_one_grids_report_is_not_the_villages_today(org, login):
    file_report(
        by=org["grid_worker"],
        village=org.village_a1,
        day=MONDAY.replace(day=9),
        data=ReportData(is_zero=True),
        now=at(MONDAY.replace(day=9), 9),
    )
    grid = Grid.objects.get(code=f"{org.village_a1.code}001")
    ZeroReport.objects.create(
        village=org.village_a1, grid=grid, date=MONDAY, reporter=org["grid_worker"], submitted_at=at(MONDAY, 9)
    )
    home = today_on_home(login, org["grid_worker"], at(MONDAY, 10))
    assert '<span class="badge report-pending">待报</span>' in home and ">填报今日报告</a>" in home


@pytest.mark.parametrize(
    ("month", "mondays"),
    [
        ("2026-05", 4),  # 4, 11, 18, 25 May; 1 June, a Monday, is the next month's
        ("2026-06", 5),  # from 1 June, a Monday
        ("2026-08", 5),  # to 31 August, a Monday
    ],
)
def test_the_league_owes_each_village_the_months_due_days_from_the_first_to_the_last(org, login, month, mondays):
    with time_machine.travel(at(MONDAY, 20), tick=False):
        league = login(org["county_officer"]).get(f"/grids/board/league/?month={month}").content.decode()
    nothing = '<td class="text-end">0</td><td class="text-end">0</td>'  # reported, late
    assert f'<td>甲镇</td><td class="text-end">{2 * mondays}</td>{nothing}' in league
    assert f'<td>乙镇</td><td class="text-end">{mondays}</td>{nothing}' in league


def worker_of(village, name: str):
    worker = make_user(name, Role.GRID_WORKER, None)
    Grid.objects.get(code=f"{village.code}001").workers.add(worker)
    return worker


def test_the_league_counts_the_reports_of_due_days_and_the_late_ones(org, login):
    a2_worker, b1_worker = worker_of(org.village_a2, "a2_worker"), worker_of(org.village_b1, "b1_worker")
    filed = [
        (org["grid_worker"], org.village_a1, date(2026, 11, 2), 9),
        (org["grid_worker"], org.village_a1, date(2026, 11, 9), 20),  # late
        (org["grid_worker"], org.village_a1, MONDAY, 9),
        (a2_worker, org.village_a2, date(2026, 11, 10), 9),  # a Tuesday: owed nothing
        (b1_worker, org.village_b1, MONDAY, 20),  # late
    ]
    for worker, village, day, hour in filed:
        file_report(by=worker, village=village, day=day, data=ReportData(is_zero=True), now=at(day, hour))
    grid = Grid.objects.get(code=f"{org.village_a2.code}001")
    ZeroReport.objects.create(  # one grid's report is not the village's
        village=org.village_a2,
        grid=grid,
        date=date(2026, 11, 9),
        reporter=org["grid_worker"],
        submitted_at=at(MONDAY, 9),
    )
    with time_machine.travel(at(MONDAY, 20), tick=False):
        league = login(org["county_officer"]).get("/grids/board/league/?month=2026-11").content.decode()
    # owed, reported, late, missed: 甲镇 two villages on 2, 9 and 16 November, 乙镇 one.
    cells = '<td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
    assert "<td>甲镇</td>" + cells.format(6, 3, 1) + '<td class="text-end text-danger">3</td>' in league
    assert "<td>乙镇</td>" + cells.format(3, 1, 1) + '<td class="text-end text-danger">2</td>' in league
    with time_machine.travel(at(date(2026, 11, 15), 20), tick=False):  # the Sunday before: two Mondays so far
        before = login(org["county_officer"]).get("/grids/board/league/?month=2026-11").content.decode()
    assert "<td>甲镇</td>" + cells.format(4, 2, 1) in before


def test_the_board_shows_the_days_village_report_with_its_reporter(org, login):
    file_report(
        by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(MONDAY, 9, 5)
    )
    last_week = MONDAY - timedelta(weeks=1)
    file_report(
        by=worker_of(org.village_a2, "a2_worker"),
        village=org.village_a2,
        day=last_week,
        data=ReportData(is_zero=True),
        now=at(last_week, 9),
    )
    grid = Grid.objects.get(code=f"{org.village_a2.code}001")
    ZeroReport.objects.create(
        village=org.village_a2, grid=grid, date=MONDAY, reporter=org["grid_worker"], submitted_at=at(MONDAY, 9)
    )
    with time_machine.travel(at(MONDAY, 20), tick=False):
        board = login(org["township_officer"]).get(f"/grids/board/?date={MONDAY}").content.decode()
    a1 = board.split(f'data-testid="row-{org.village_a1.code}"')[1].split("</tr>")[0]
    report = ZeroReport.objects.get(village=org.village_a1, date=MONDAY)
    assert "已报" in a1 and "<td>grid_worker</td>" in a1 and ">09:05</td>" in a1
    assert f'<a href="/grids/reports/{report.pk}/">零报告</a>' in a1
    a2 = board.split(f'data-testid="row-{org.village_a2.code}"')[1].split("</tr>")[0]
    assert "漏报" in a2 and "/grids/reports/" not in a2
