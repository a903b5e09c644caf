"""巡查日志: a grid worker writes patrol logs and reports a finding as a submitted case (网格上报)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from disputes.models import Case, CaseEvent, Category, Channel, Status
from disputes.services import TransitionRefused
from governance.models import Role
from grids.models import Grid, PatrolLog
from grids.patrols import record_patrol, report_patrol_finding
from tests.disputes.test_concurrency import race
from tests.factories import PERSONAS, build_org, make_user

COVERED = "990101001001001"  # 甲镇一村第1网格, the persona grid worker's only grid


def grid(code: str = COVERED) -> Grid:
    return Grid.objects.get(code=code)


def form_data(**overrides) -> dict:
    data = {
        "date": timezone.localdate().isoformat(),
        "grid": grid().pk,
        "checked": "走访农户12户，检查村道排水沟",
        "findings": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_log(org, worker=None, findings: str = "王家与李家因宅基地边界争吵", **extra) -> PatrolLog:
    return record_patrol(
        by=worker or org["grid_worker"],
        grid=extra.pop("grid", None) or grid(),
        date=extra.pop("date", timezone.localdate()),
        checked="走访农户",
        findings=findings,
        **extra,
    )


# --- Writing a log ------------------------------------------------------------------------------


def test_grid_worker_writes_a_patrol_log(org, login):
    client = login(org["grid_worker"])
    response = client.post("/grids/patrols/new/", form_data(findings="发现村道路灯损坏"), follow=True)
    assert response.redirect_chain[-1][0] == "/grids/patrols/"
    assert "巡查日志已保存" in response.content.decode()
    log = PatrolLog.objects.get()
    assert (log.worker, log.grid, log.date) == (org["grid_worker"], grid(), timezone.localdate())
    assert log.checked == "走访农户12户，检查村道排水沟" and log.findings == "发现村道路灯损坏"
    assert log.case is None
    assert log.history.get().history_user == org["grid_worker"]
    assert not Case.objects.exists()


def test_form_offers_today_and_only_the_workers_grids(org, login):
    body = login(org["grid_worker"]).get("/grids/patrols/new/").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in body
    assert "甲镇一村第1网格" in body
    assert "甲镇一村第2网格" not in body and "乙镇一村第1网格" not in body


def test_a_log_of_last_week_may_be_backfilled(org, login):
    day = timezone.localdate() - timedelta(days=7)
    login(org["grid_worker"]).post("/grids/patrols/new/", form_data(date=day.isoformat()))
    assert PatrolLog.objects.get().date == day


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "tomorrow"}, "巡查日期不能晚于今天"),
        ({"date": "8 days ago"}, "只能补填最近 7 天的巡查日志"),
        ({"date": "not-a-date"}, "日期格式不正确"),
        ({"grid": "990101001001002"}, "只能填写本人负责网格的巡查日志"),  # same village, not covered
        ({"grid": "990101002001001"}, "只能填写本人负责网格的巡查日志"),  # another township
        ({"checked": ""}, "此项为必填项"),
        ({"checked": "   "}, "此项为必填项"),
        ({"report": "on", "findings": ""}, "请填写发现的矛盾纠纷情况"),
        ({"report": "on", "findings": "纠纷", "people_involved": "0"}, "不能小于 1"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_saved(org, login, overrides, message):
    overrides = dict(overrides)  # the parameter is shared by every run of the test in this process
    today = timezone.localdate()
    dates = {"tomorrow": today + timedelta(days=1), "8 days ago": today - timedelta(days=8)}
    if overrides.get("date") in dates:
        overrides["date"] = dates[overrides["date"]].isoformat()
    if "grid" in overrides:
        overrides["grid"] = grid(overrides["grid"]).pk
    response = login(org["grid_worker"]).post("/grids/patrols/new/", form_data(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "巡查日志未保存" in body
    assert not PatrolLog.objects.exists() and not Case.objects.exists()


def test_every_mistake_is_shown_at_once(org, login):
    data = form_data(checked="", report="on", date=(timezone.localdate() + timedelta(days=1)).isoformat())
    body = login(org["grid_worker"]).post("/grids/patrols/new/", data).content.decode()
    for message in ("此项为必填项", "请填写发现的矛盾纠纷情况", "巡查日期不能晚于今天"):
        assert message in body
    assert not PatrolLog.objects.exists()


def test_service_refuses_a_grid_the_worker_does_not_cover(org):
    with pytest.raises(ValidationError, match="只能填写本人负责网格"):
        make_log(org, grid=grid("990101001001002"))
    assert not PatrolLog.objects.exists()


# --- Reporting a finding ------------------------------------------------------------------------


def assert_reported(org, log: PatrolLog) -> Case:
    log.refresh_from_db()
    case = log.case
    assert case is not None
    assert case.status == Status.SUBMITTED
    assert case.channel == Channel.GRID
    assert (case.grid, case.village, case.township) == (grid(), org.village_a1, org.town_a)
    assert case.intake_unit == org.center_a
    assert case.summary == log.findings
    assert case.registered_by == org["grid_worker"]
    assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.SUBMIT).count() == 1
    assert Case.objects.visible_to(org["township_officer"]).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(org["outsider"]).filter(pk=case.pk).exists()
    return case


def test_reporting_a_finding_submits_a_case_to_the_township_center(org, login):
    log = make_log(org)
    category = Category.objects.get(code="neighbourhood")
    client = login(org["grid_worker"])
    response = client.post(f"/grids/patrols/{log.pk}/report/", {"category": category.pk}, follow=True)
    case = assert_reported(org, log)
    assert case.category == category
    body = response.content.decode()
    assert f"已上报，案件编号 {case.number}" in body
    assert "待受理" in body  # the list shows the case's status, not a link the worker cannot open
    assert f"/cases/{case.number}/" not in body


def test_category_may_be_left_to_the_center(org, login):
    log = make_log(org)
    login(org["grid_worker"]).post(f"/grids/patrols/{log.pk}/report/", {"category": ""})
    assert assert_reported(org, log).category is None


def test_reporting_twice_makes_one_case(org, login):
    log = make_log(org)
    client = login(org["grid_worker"])
    client.post(f"/grids/patrols/{log.pk}/report/")
    response = client.post(f"/grids/patrols/{log.pk}/report/", follow=True)
    assert "该巡查发现已上报" in response.content.decode()
    assert Case.objects.count() == 1
    with pytest.raises(TransitionRefused, match="该巡查发现已上报"):
        report_patrol_finding(log=log, by=org["grid_worker"])
    assert Case.objects.count() == 1


def test_a_log_without_findings_cannot_be_reported(org, login):
    log = make_log(org, findings="")
    response = login(org["grid_worker"]).post(f"/grids/patrols/{log.pk}/report/", follow=True)
    assert "没有填写发现情况" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("findings", ["无", "无。", " 没有 ", "未发现问题", "一切正常"])
def test_a_log_that_found_nothing_offers_no_report_and_cannot_be_reported(org, login, findings):
    """A worker who writes 无 under 发现情况 found nothing: no 上报 button, and the step refuses."""
    log = make_log(org, findings=findings)
    client = login(org["grid_worker"])
    page = client.get("/grids/patrols/").content.decode()
    assert "patrol-report-form" not in page and findings.strip() in page
    response = client.post(f"/grids/patrols/{log.pk}/report/", follow=True)
    assert "没有填写发现情况" in response.content.decode()
    assert not Case.objects.exists()
    with pytest.raises(ValidationError):
        record_patrol(
            by=org["grid_worker"], grid=log.grid, date=log.date, checked="走访", findings=findings, report=True
        )
    # Something found is offered as before.
    make_log(org, findings="两户因宅基地边界争吵")
    assert "patrol-report-form" in client.get("/grids/patrols/").content.decode()


def test_writing_and_reporting_at_once(org, login):
    category = Category.objects.get(code="neighbourhood")
    data = form_data(findings="两户因宅基地边界争吵", report="on", category=category.pk, people_involved="6")
    response = login(org["grid_worker"]).post("/grids/patrols/new/", data, follow=True)
    log = PatrolLog.objects.get()
    case = assert_reported(org, log)
    assert (case.category, case.people_involved) == (category, 6)
    assert f"案件编号 {case.number}" in response.content.decode()


def test_a_refused_report_leaves_no_log_behind(org):
    """The log and its case are one transaction: no center to receive it, no log either."""
    org.center_a.is_active = False
    org.center_a.save(update_fields=["is_active"])
    with pytest.raises(TransitionRefused, match="尚未设立综治中心"):
        make_log(org, report=True)
    assert not PatrolLog.objects.exists() and not Case.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_presses_at_once_make_one_case(transactional_db):
    org = build_org()
    log = make_log(org)
    results, errors = race(*[lambda: report_patrol_finding(log=log, by=org["grid_worker"]) for _ in range(2)])
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], TransitionRefused) and "该巡查发现已上报" in str(errors[0])
    assert Case.objects.count() == 1
    log.refresh_from_db()
    assert log.case == results[0].case


# --- Whose logs -----------------------------------------------------------------------------------


@pytest.fixture
def other_worker(org):
    worker = make_user("grid_worker_2", Role.GRID_WORKER, org["grid_worker"].unit)
    grid("990101001001002").workers.add(worker)
    return worker


def test_another_workers_log_is_not_found(org, login, other_worker):
    theirs = make_log(org, worker=other_worker, grid=grid("990101001001002"), findings="他人的巡查发现")
    client = login(org["grid_worker"])
    assert client.post(f"/grids/patrols/{theirs.pk}/report/").status_code == 404
    assert "他人的巡查发现" not in client.get("/grids/patrols/").content.decode()
    assert not Case.objects.exists()
    with pytest.raises(TransitionRefused):
        report_patrol_finding(log=theirs, by=org["grid_worker"])


def test_list_shows_own_logs_newest_first(org, login):
    today = timezone.localdate()
    for days in (3, 0, 5):
        make_log(org, date=today - timedelta(days=days), findings=f"{days}天前的发现")
    body = login(org["grid_worker"]).get("/grids/patrols/").content.decode()
    positions = [body.index(f"{days}天前的发现") for days in (0, 3, 5)]
    assert positions == sorted(positions)
    assert body.count('data-testid="patrol-report-form"') == 3
    assert "今天已填写巡查日志" in body


# --- Who may use the pages -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_on_every_patrol_page(org, login, persona):
    log = make_log(org)
    client = login(org[persona])
    allowed = persona == "grid_worker"
    assert client.get("/grids/patrols/").status_code == (200 if allowed else 403)
    assert client.get("/grids/patrols/new/").status_code == (200 if allowed else 403)
    response = client.post(f"/grids/patrols/{log.pk}/report/")
    assert response.status_code == (302 if allowed else 403)
    assert Case.objects.exists() is allowed


def test_anonymous_is_sent_to_login(org, client):
    log = make_log(org)
    for method, path in [
        ("get", "/grids/patrols/"),
        ("get", "/grids/patrols/new/"),
        ("post", "/grids/patrols/new/"),
        ("post", f"/grids/patrols/{log.pk}/report/"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), (method, path)
    assert not Case.objects.exists()


def test_list_query_count_does_not_grow_with_logs(org, login, django_assert_max_num_queries):
    def fill(n: int) -> None:
        for i in range(n):
            log = make_log(org, date=timezone.localdate() - timedelta(days=i % 8), findings=f"发现{i}")
            if i % 2:
                report_patrol_finding(log=log, by=org["grid_worker"])

    fill(3)
    client = login(org["grid_worker"])
    with django_assert_max_num_queries(30) as small:
        assert client.get("/grids/patrols/").status_code == 200
    fill(40)
    for path in ("/grids/patrols/", "/grids/patrols/?page=2"):
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(path).status_code == 200
