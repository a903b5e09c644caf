"""The leaders' dashboard in a real browser, on the demo county: the county leader signs in and
lands on it, switches to 本季, clicks a township's bar, then a number, and the case list counts
the same; the wall display (大屏) and the township's page are photographed."""

import pytest
from django.core.management import call_command

from tests.factories import restore_reference_data

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    restore_reference_data()  # a transactional test's flush removed the migrations' rows
    call_command("seed_demo", stats_days=100, force=True)


def test_leader_drills_from_the_county_to_a_case_list(demo, page, screenshot):
    page.goto("/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("Shifan@2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    page.get_by_test_id("main-nav").locator('a[data-nav="dashboard"]').click()
    page.wait_for_url("**/dashboard/**")
    page.get_by_test_id("window-buttons").get_by_role("link", name="本季").click()
    page.wait_for_url("**w=quarter**")
    page.get_by_test_id("chart-rank").locator("svg").wait_for()
    screenshot("dashboard-county", page)

    # The first (best) township's bar: ask ECharts where it drew it, and click there.
    x, y = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.querySelector('[data-chart="rank"]'));
            const [x, top] = chart.convertToPixel({seriesIndex: 0}, [0, 0]);
            const [, base] = chart.convertToPixel({seriesIndex: 0}, [0, 0]);
            const value = chart.getOption().series[0].data[0].value;
            const [, bar] = chart.convertToPixel({seriesIndex: 0}, [0, value]);
            return [x, (base + bar) / 2];
        }"""
    )
    first = page.get_by_test_id("place-table").get_by_test_id("place-link").first.inner_text()
    page.get_by_test_id("chart-rank").click(position={"x": x, "y": y})
    page.wait_for_url("**place=*")
    assert first in page.get_by_test_id("dashboard-title").inner_text()
    assert "w=quarter" in page.url  # the window is kept
    screenshot("dashboard-township", page)

    card = page.get_by_test_id("kpi-received")
    number = int(card.get_by_test_id("kpi-value").inner_text())
    assert number > 0
    card.get_by_test_id("kpi-link").click()
    page.wait_for_url("**/cases/?stat=received**")
    assert int(page.get_by_test_id("drill-records").inner_text()) == number
    assert int(page.get_by_test_id("drill-cases").inner_text()) == number  # one receipt per case
    screenshot("dashboard-drill-case-list", page)

    page.goto(page.url.replace("/cases/", "/dashboard/").split("?")[0] + "?w=quarter&screen=1")
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    assert page.get_by_test_id("main-nav").count() == 0
    page.get_by_test_id("chart-trend").locator("svg").wait_for()
    page.set_viewport_size({"width": 1920, "height": 1080})
    screenshot("dashboard-screen", page)
