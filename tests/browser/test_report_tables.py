"""A township clerk fills and submits the monthly 矛盾纠纷排查调处情况表 in the browser; the county
sees it in its consolidated table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import DailyStat, ReportVersion, StatFill
from governance.report_tables import period_of
from tests.browser.test_zero_report import sign_in
from tests.factories import build_org

pytestmark = pytest.mark.browser


def test_a_township_files_its_table_and_the_county_sees_it(transactional_db, browser, live_server, screenshot):
    build_org()
    month = period_of("month", timezone.localdate()).previous()
    DailyStat.objects.create(
        day=month.start, region_code="990101001001001", level="village", category="labour", metric="received", value=4
    )
    now = timezone.now()
    StatFill.objects.bulk_create(
        [
            StatFill(day=month.start.replace(month=1, day=1) + timedelta(days=n), state="done", started_at=now)
            for n in range((timezone.localdate() - month.start.replace(month=1, day=1)).days + 1)
        ]
    )
    path = f"/reports/tables/disputes-survey/month/{month.slug}/"

    clerk = sign_in(browser, live_server, "township_officer")
    clerk.get_by_role("link", name="统计报表").first.click()
    clerk.locator(f'a[href="{path}"]').first.click()
    clerk.locator('input[name="campaigns.township"]').fill("2")
    clerk.locator('input[name="campaigns.village"]').fill("abc")
    clerk.get_by_label("签发人").fill("李四")
    clerk.get_by_role("button", name="上报").click()
    assert "应填写不小于 0 的数字" in clerk.content()
    assert not ReportVersion.objects.exists()
    assert clerk.locator('input[name="campaigns.township"]').input_value() == "2"  # kept
    assert clerk.get_by_label("签发人").input_value() == "李四"
    clerk.locator('input[name="campaigns.village"]').fill("3")
    clerk.get_by_role("button", name="上报").click()
    clerk.get_by_test_id("frozen").wait_for()
    screenshot("report-table-township", clerk)
    assert clerk.locator('[data-cell="labour-found.village"]').first.inner_text().strip() == "4"

    county = sign_in(browser, live_server, "county_officer")
    county.goto(path)
    assert county.locator('[data-cell="labour-found.village"]').first.inner_text().strip() == "4"
    assert county.locator('[data-cell="campaigns.subtotal"]').first.inner_text().strip() == "5"
    assert "乙镇" in county.get_by_test_id("missing").inner_text()
    # The county types only its own (县) figures; the townships' are summed, not offered again.
    assert county.locator('input[name="campaigns.township"]').count() == 0
    assert county.locator('input[name="campaigns.county"]').count() == 1
    screenshot("report-table-county", county)
