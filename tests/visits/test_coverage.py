"""Coverage figures for a period, on the page and in the Excel file."""

from datetime import timedelta
from io import BytesIO

from django.utils import timezone
from openpyxl import load_workbook

from governance.models import AuditEvent
from tests.visits.conftest import held, issue, plan
from visits import services
from visits.coverage import coverage
from visits.models import VisitIssue


def _period_data(org):
    a1 = held(org, days_ago=2, leaders=[org["township_leader"], org["leader"]])
    held(org, days_ago=1, leaders=[org["township_leader"]])  # a1 again
    issue(org, a1, services.Ending.RESOLVE)
    late = issue(org, a1, services.Ending.ASSIGN, summary="逾期的")
    VisitIssue.objects.filter(pk=late.pk).update(due=timezone.localdate() - timedelta(days=1))
    on_time = issue(org, a1, services.Ending.ASSIGN, summary="按期的")
    services.close_issue(issue=on_time, by=org["police"], answer="已办")
    issue(org, a1, services.Ending.CASE)
    plan(
        org, village=org.village_a2, leaders=[org["leader"]], date=timezone.localdate() + timedelta(days=1)
    )  # not held
    held(org, days_ago=40, village=org.village_a2, leaders=[org["leader"]])  # before the period
    return a1


def test_coverage_counts_visits_leaders_and_issues(org):
    _period_data(org)
    today = timezone.localdate()
    report = coverage(org["township_officer"], today - timedelta(days=10), today, today)
    rows = {r.village.name: r for r in report.rows}
    assert set(rows) == {"甲镇一村", "甲镇二村"}
    a1, a2 = rows["甲镇一村"], rows["甲镇二村"]
    assert (a1.visits, a1.last_visit) == (2, today - timedelta(days=1))
    assert sorted(a1.leaders) == ["leader", "township_leader"]
    assert (a1.issues, a1.resolved, a1.assigned, a1.closed_on_time, a1.overdue, a1.cases) == (4, 1, 2, 2, 1, 1)
    assert a2.visits == 0 and [r.village.name for r in report.not_visited] == ["甲镇二村"]
    assert report.rate == 0.5
    assert report.on_time_rate == 2 / 3
    assert dict(report.leaders) == {"township_leader": 2, "leader": 1}


def test_the_county_sees_every_village_and_the_outsider_none_of_a(org):
    _period_data(org)
    today = timezone.localdate()
    county = coverage(org["county_officer"], today - timedelta(days=10), today, today)
    assert len(county.rows) == 3 and len(county.visited) == 1
    outsider = coverage(org["outsider"], today - timedelta(days=10), today, today)
    assert [r.village.name for r in outsider.rows] == ["乙镇一村"] and outsider.total_issues == 0


def test_the_coverage_page_and_export(org, login):
    _period_data(org)
    client = login(org["township_officer"])
    today = timezone.localdate()
    query = f"?start={today - timedelta(days=10)}&end={today}"
    page = client.get("/visits/coverage/" + query).content.decode()
    assert "1 / 2" in page and "未走访" in page
    response = client.get("/visits/coverage.xlsx" + query)
    assert response.status_code == 200
    ws = load_workbook(BytesIO(b"".join(response.streaming_content)))["夜访覆盖"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["甲镇一村"][3] == 2 and rows["甲镇一村"][6] == 4 and rows["甲镇二村"][3] == 0
    assert AuditEvent.objects.filter(action="export", detail__startswith="夜访覆盖").exists()


def test_a_bad_period_gets_a_chinese_message(org, login):
    client = login(org["township_officer"])
    page = client.get("/visits/coverage/?start=2026-05-10&end=2026-05-01").content.decode()
    assert "结束日期不能早于开始日期" in page
    page = client.get("/visits/coverage/?start=abc&end=2026-05-01")
    assert page.status_code == 200 and "日期格式不正确" in page.content.decode()
