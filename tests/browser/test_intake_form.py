"""The intake form as a clerk uses it (issue 15, findings 12 and 13): a failed submission puts the
cursor on the first field in error and draws it red; a party added by mistake is removed; a party
block added and left blank does not stop the save."""

import pytest

from disputes.models import Case
from tests.browser.test_case_lifecycle import go, sign_in
from tests.disputes.conftest import VALID_ID
from tests.factories import build_org

pytestmark = pytest.mark.browser


def test_clerk_adds_removes_and_leaves_blank_party_blocks(transactional_db, browser, live_server, screenshot):
    build_org()
    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "受理登记")
    clerk.wait_for_url("**/cases/new/")
    # The keyboard's first stop is the skip link, which leads past the menu to the page.
    clerk.keyboard.press("Tab")
    skip = clerk.get_by_test_id("skip-link")
    assert skip.evaluate("element => element === document.activeElement") and skip.inner_text() == "跳到正文"
    clerk.keyboard.press("Enter")
    assert clerk.evaluate("document.activeElement.id") == "main"
    form = clerk.get_by_test_id("intake-form")
    assert form.get_by_role("heading", name="当事人", exact=True).is_visible()

    # Saved with the summary forgotten: the cursor lands on it, red, with its message read out.
    form.get_by_label("所属村（社区）").select_option(label="甲镇一村")
    form.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    form.get_by_label("风险等级").select_option(label="黄色")
    form.get_by_label("当事人诉求").fill("请求确认界址，拆除越界围墙。")
    clerk.get_by_test_id("party-0").get_by_label("姓名/名称").fill("王五")
    clerk.get_by_role("button", name="登记", exact=True).click()
    clerk.wait_for_load_state()
    summary = clerk.get_by_label("纠纷简要情况")
    assert summary.evaluate("element => element === document.activeElement")
    assert summary.get_attribute("aria-invalid") == "true"
    error = clerk.locator("#" + summary.get_attribute("aria-describedby").split()[-1])
    assert "此项为必填项" in error.inner_text()
    assert summary.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(176, 42, 55)"
    screenshot("intake-first-error-focused", clerk)
    assert not Case.objects.exists()

    # Two more blocks by mistake: the first of them is removed, the other left blank.
    summary.fill("王五与赵六因宅基地界址发生争执，双方多次口角。")
    clerk.get_by_test_id("party-0").get_by_label("身份证号").fill(VALID_ID)
    clerk.get_by_test_id("party-1").get_by_label("姓名/名称").fill("赵六")
    add = clerk.get_by_role("button", name="＋ 增加当事人")
    add.click()
    add.click()
    assert clerk.locator(".party-form").count() == 4
    clerk.get_by_test_id("party-2").get_by_label("姓名/名称").fill("写错的人")
    screenshot("intake-four-parties", clerk)
    clerk.get_by_test_id("party-2").get_by_role("button", name="移除此当事人").click()
    assert clerk.locator(".party-form").count() == 3
    assert clerk.get_by_test_id("party-2").get_by_label("姓名/名称").input_value() == ""
    assert clerk.locator("#id_party-TOTAL_FORMS").input_value() == "3"
    clerk.get_by_role("button", name="登记", exact=True).click()
    clerk.wait_for_url("**/cases/*-*-*/")

    case = Case.objects.get()
    assert sorted(p.name for p in case.parties.all()) == ["王五", "赵六"]


def test_clerk_sees_a_key_person_flagged_as_she_types_his_id(transactional_db, browser, live_server, screenshot):
    """Finding 8: the register is asked as the ID number is entered, before anything is saved."""
    from disputes.models import KeyPerson
    from tests.disputes.conftest import intake

    org = build_org()
    for _ in range(3):
        intake(org)  # 张三's third case in a year: the intake rule lists him
    assert KeyPerson.objects.filter(name="张三").exists()
    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "受理登记")
    block = clerk.get_by_test_id("party-0")
    block.get_by_label("姓名/名称").fill("张三")
    block.get_by_label("身份证号").fill(VALID_ID)
    block.get_by_label("联系电话").click()  # leaving the ID field asks the register
    flag = block.get_by_test_id("key-person-flag")
    flag.wait_for()
    assert "张三" in flag.inner_text() and "甲镇" in flag.inner_text()
    assert flag.get_by_role("link", name="查看登记").get_attribute("href").startswith("/cases/key-persons/?entry=")
    screenshot("intake-key-person-flag", clerk)
    assert Case.objects.count() == 3  # nothing saved by asking
