"""The case page as the clerk and the handler use it (issue 15, findings 1, 2, 5 and 15): the
dispatch form with its grouped, searchable units, suggestion and deadline reason; the handler's
open section after 签收, the confirmed return and where it leads; the archived case; the print
layout on A4."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes import services
from disputes.deadlines import default_handle_due
from disputes.models import Status
from tests.browser.test_case_lifecycle import sign_in
from tests.disputes.conftest import advance, intake
from tests.factories import PASSWORD, build_org

pytestmark = pytest.mark.browser


def open_sections(page) -> list[str]:
    return page.locator("#actions .accordion-collapse.show").evaluate_all("els => els.map(e => e.id)")


def test_the_clerk_dispatches_to_the_mediation_committee(transactional_db, browser, live_server, screenshot):
    org = build_org()
    for _n in range(2):  # the township's neighbour disputes usually went to its police station
        past = intake(org)
        services.dispatch_case(
            case=past,
            by=org["township_officer"],
            lead_unit=org.police_a,
            due=timezone.localdate() + timedelta(days=10),
            version=past.version,
        )
    case = intake(org)
    clerk = sign_in(browser, live_server, "township_officer")
    clerk.goto(f"/cases/{case.number}/")
    assert open_sections(clerk) == ["act-dispatch"]
    form = clerk.get_by_test_id("action-dispatch")
    assert "建议主办：甲镇派出所" in form.get_by_test_id("lead-unit-suggestion").inner_text()
    lead = form.get_by_label("主办单位")
    assert lead.evaluate("s => s.options[s.selectedIndex].text") == "甲镇派出所"
    assert "时限矩阵（邻里纠纷 · 蓝色）：办理 30 个工作日" in form.get_by_test_id("due-reason").inner_text()
    screenshot("dispatch-form", clerk)

    # Type to find the mediation committee: the list narrows to the matches.
    form.get_by_test_id("lead-unit-search").fill("调解")
    visible = lead.evaluate("s => [...s.options].filter(o => !o.hidden && o.value).map(o => o.text)")
    assert visible == ["甲镇人民调解委员会"]
    # Enter picks the only match; it does not send the form.
    form.get_by_test_id("lead-unit-search").press("Enter")
    assert lead.evaluate("s => s.options[s.selectedIndex].text") == "甲镇人民调解委员会"
    assert clerk.get_by_test_id("case-status").inner_text() == "已受理"
    reason = form.get_by_test_id("due-reason").inner_text()
    assert "人民调解期限：法定 1 个月" in reason and "第三十六条" in reason
    due = form.get_by_label("办理期限").input_value()
    assert due == default_handle_due(case, timezone.localdate(), org.mediation_a).isoformat()
    screenshot("dispatch-form-mediation", clerk)

    # Co-units are ticked, not Ctrl-clicked; the filter keeps what is ticked.
    co_units = form.get_by_test_id("co-units")
    assert co_units.get_by_label("甲镇人民调解委员会").is_disabled()  # the lead unit
    form.locator("[data-filter-checks]").fill("派出所")
    co_units.get_by_label("甲镇派出所").check()
    form.locator("[data-filter-checks]").fill("")
    form.get_by_label("转办意见").fill("请组织双方调解")
    form.get_by_role("button", name="分流转办").click()
    clerk.wait_for_load_state()
    assert clerk.get_by_test_id("case-status").inner_text() == "已分流待签收"
    assert clerk.get_by_test_id("lead-unit").inner_text() == "甲镇人民调解委员会"
    case.refresh_from_db()
    assert [u.name for u in case.co_units.all()] == ["甲镇派出所"]
    assert case.handle_due.isoformat() == due
    screenshot("dispatch-done", clerk)


def test_the_handler_signs_works_and_returns_a_case(transactional_db, browser, live_server, screenshot):
    org = build_org()
    case = advance(org, intake(org), Status.DISPATCHED)
    police = sign_in(browser, live_server, "police")
    police.goto(f"/cases/{case.number}/")
    assert open_sections(police) == ["act-sign"]
    police.get_by_test_id("action-sign").get_by_role("button", name="签收").click()
    police.wait_for_load_state()
    assert police.get_by_test_id("case-status").inner_text() == "办理中"
    # After 签收 the section he uses most is open, and only that one.
    assert open_sections(police) == ["act-progress"]
    assert police.get_by_test_id("action-progress").is_visible()
    screenshot("handler-after-sign", police)

    # Opening 退回中心 closes the others; submitting asks first, and "cancel" keeps the case.
    police.locator(".accordion-button", has_text="退回中心").click()
    form = police.get_by_test_id("action-return_to_center")
    form.wait_for(state="visible")
    expect(police.locator("#actions .accordion-collapse.show")).to_have_count(1)
    assert open_sections(police) == ["act-return_to_center"]
    form.get_by_label("理由").fill("该纠纷属土地权属争议，不属于公安机关职责")
    questions = []
    police.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    form.get_by_role("button", name="退回中心").click()
    police.wait_for_timeout(300)
    assert questions and "确定将本案退回综治中心" in questions[0]
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS

    police.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="退回中心").click()
    police.wait_for_url("**/cases/work/")
    assert f"案件 {case.number} 已转回甲镇综治中心" in police.locator("main").inner_text()
    assert "Page not found" not in police.content()
    screenshot("handler-after-return", police)
    case.refresh_from_db()
    assert case.status == Status.REGISTERED


def test_the_archived_case_reads_as_finished_and_prints_on_a4(transactional_db, browser, live_server, screenshot):
    org = build_org()
    case = advance(org, intake(org), Status.ARCHIVED)
    clerk = sign_in(browser, live_server, "township_officer")
    clerk.goto(f"/cases/{case.number}/")
    handling = clerk.get_by_test_id("handling")
    assert handling.get_by_test_id("current-due").count() == 0  # no clock runs any more
    assert handling.get_by_test_id("handle-due").inner_text() == case.handle_due.isoformat()
    assert "归档时间" in handling.inner_text()
    # The labels line up: every label of the block starts at the same left edge per column.
    lefts = handling.locator(".fact dt").evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().left))")
    assert len(set(lefts)) <= 2, lefts
    screenshot("case-archived-detail", clerk)

    clerk.emulate_media(media="print")
    assert not clerk.locator(".app-navbar").is_visible()
    assert not clerk.get_by_test_id("print").is_visible()
    assert not clerk.get_by_test_id("actions").is_visible() if clerk.get_by_test_id("actions").count() else True
    assert clerk.locator("form:visible").count() == 0
    badge = clerk.get_by_test_id("case-status").locator(".badge")
    # Readable without background graphics: dark text on no background, with an outline.
    assert badge.evaluate("b => getComputedStyle(b).color") == "rgb(0, 0, 0)"
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") in ("rgba(0, 0, 0, 0)", "transparent")
    screenshot("case-print", clerk)
    pdf = clerk.pdf(format="A4")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages <= 2, info


LINES = """cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


def test_the_dispatch_order_keeps_id_and_phone_numbers_on_one_line(transactional_db, page, live_server, screenshot):
    org = build_org()
    long_address = "示范县甲镇一村三组幸福路一百二十八号附二号（原村小学旧址东侧第三户）"
    parties = [
        services.PartyData(
            role="applicant", name="欧阳青青", id_number="11010519491231002X", phone="13800138000", address=long_address
        ),
        services.PartyData(
            role="respondent", name="示范县某某农业发展有限公司", phone="075588888888", address=long_address
        ),
    ]
    case = advance(org, intake(org, parties=parties), Status.DISPATCHED)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("township_officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    page.goto(f"{live_server.url}/cases/{case.number}/dispatch-order/")
    page.emulate_media(media="print")
    cells = page.locator("[data-testid=party-id], [data-testid=party-phone]")
    assert cells.count() == 4
    for n in range(4):
        assert cells.nth(n).evaluate(LINES) == 1, cells.nth(n).inner_text()
    screenshot("dispatch-order-a4", page)
