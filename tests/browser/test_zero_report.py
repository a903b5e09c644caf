"""A grid worker files today's 零报告 on a phone; the township board shows it; after the check
another village shows as missing."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from grids.models import ReportSettings, SensitivePeriod, ZeroReport
from grids.zero_report import run_zero_report_check
from tests.browser.test_case_lifecycle import go
from tests.factories import PASSWORD, build_org

pytestmark = pytest.mark.browser


def sign_in(browser, live_server, username, **context):
    context.setdefault("viewport", {"width": 1366, "height": 900})
    page = browser.new_context(base_url=live_server.url, locale="zh-CN", **context).new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    return page


def test_grid_worker_reports_and_the_board_shows_it(transactional_db, browser, live_server, screenshot):
    build_org()
    today = timezone.localdate()
    # Today is a reporting day whatever the weekday: a sensitive period covers it.
    SensitivePeriod.objects.create(name="重要会议期间", start=today - timedelta(days=1), end=today + timedelta(days=1))
    settings = ReportSettings.current()
    settings.cutoff, settings.grace_minutes = time(23, 59), 0
    settings.save()

    worker = sign_in(browser, live_server, "grid_worker", viewport={"width": 390, "height": 844}, is_mobile=True)
    go(worker, "零报告")
    worker.wait_for_url("**/grids/reports/")
    card = worker.get_by_test_id("village-990101001001")
    assert card.get_by_test_id("today-state").inner_text() == "待报"
    assert "敏感时期" in worker.content()
    card.get_by_role("link", name="填报今日报告").click()
    worker.get_by_label("零报告：今日排查未发现矛盾纠纷").check()
    screenshot("zero-report-form", worker)
    worker.get_by_role("button", name="报送").click()
    worker.wait_for_url("**/grids/reports/")
    assert worker.get_by_test_id("village-990101001001").get_by_test_id("today-state").inner_text() == "已报"
    screenshot("zero-report-home", worker)
    assert ZeroReport.objects.get().is_zero

    # The deadline passes (cutoff moved to midnight, no grace) and the check runs.
    settings.cutoff = time(0, 0)
    settings.save()
    result = run_zero_report_check(today)
    assert (result.reported, result.missing, result.reminded) == (1, 2, 2)

    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "零报告督查")
    clerk.wait_for_url("**/grids/board/")
    assert clerk.get_by_test_id("row-990101001001").get_by_text("已报").is_visible()
    assert clerk.get_by_test_id("row-990101001002").get_by_text("漏报").is_visible()
    assert clerk.get_by_test_id("township-990101002000").count() == 0  # 乙镇 is not 甲镇's business
    screenshot("zero-report-board", clerk)
