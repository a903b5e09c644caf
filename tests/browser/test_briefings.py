"""A township clerk drafts yesterday's 日报, completes it, issues it and downloads the Word file;
the county leader reads it."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from governance.models import Briefing
from governance.stats import fill_day
from tests.browser.test_case_lifecycle import go, sign_in
from tests.disputes.conftest import intake
from tests.factories import build_org
from tests.governance.test_dashboard import mark_filled

pytestmark = pytest.mark.browser


def test_clerk_drafts_completes_and_issues_a_daily_report(transactional_db, browser, live_server, screenshot):
    from docx import Document

    org = build_org()
    yesterday = timezone.localdate() - timedelta(days=1)
    case = intake(org, summary="两户因宅基地界址发生争执")
    mark_filled(yesterday - timedelta(days=800), yesterday)
    fill_day(timezone.localdate())

    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "信息通报")
    clerk.wait_for_url("**/reports/briefings/")
    form = clerk.get_by_test_id("briefing-new")
    form.get_by_label("报告类型").select_option("daily")
    form.get_by_label("所属时段中的任一天").fill(str(yesterday))
    form.get_by_role("button", name="起草").click()
    clerk.wait_for_url("**/reports/briefings/*/")
    assert "新受理" in clerk.get_by_test_id("briefing-indicators").inner_text()

    text = clerk.get_by_test_id("briefing-text")
    text.get_by_label("工作动态").fill("开展矛盾纠纷集中排查一次")
    text.get_by_label("典型案例（案件编号，每行一个）").fill(case.number)
    text.get_by_label("抄送").fill("各村（社区）")
    text.get_by_role("button", name="保存", exact=True).click()
    assert "已保存" in clerk.locator("main").inner_text()
    assert case.number in clerk.locator("main").inner_text()
    screenshot("briefing-draft", clerk)

    # Typed and issued at once: 保存并签发 saves the text first.
    clerk.get_by_test_id("briefing-text").get_by_label("下步打算").fill("督促各村按时报送零报告")
    clerk.get_by_test_id("issue").click()
    assert "已签发" in clerk.locator("main").inner_text()
    report = Briefing.objects.get()
    assert report.number_label in clerk.locator("main").inner_text()
    screenshot("briefing-issued", clerk)
    with clerk.expect_download() as download:
        clerk.get_by_role("link", name="下载 Word").click()
    with open(download.value.path(), "rb") as file:
        document = Document(BytesIO(file.read()))
    words = "\n".join(p.text for p in document.paragraphs)
    assert report.number_label in words and "开展矛盾纠纷集中排查一次" in words and case.number in words
    assert "督促各村按时报送零报告" in words

    leader = sign_in(browser, live_server, "leader")
    go(leader, "信息通报")
    leader.get_by_role("link", name=report.title).click()
    assert "签发" in leader.locator("main").inner_text()
    assert leader.get_by_test_id("briefing-text").count() == 0  # a leader reads, the clerk writes
