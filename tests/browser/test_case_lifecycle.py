"""The whole life of a walk-in dispute, in a real browser, switching between the people who own
each step: township center → police station → township center."""

import re

import pytest

from disputes.models import Case
from tests.disputes.conftest import VALID_ID
from tests.factories import PASSWORD, build_org

pytestmark = pytest.mark.browser


def sign_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    return page


def go(page, label: str) -> None:
    """Follow a menu entry as a person would: open its drop-down first when it sits in one."""
    nav = page.get_by_test_id("main-nav")
    # CSS, not roles: an entry inside a closed drop-down is hidden, so it has no role yet.
    entry = page.locator("a[data-nav]").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and not nav.is_visible():  # a phone: the menu is folded away
        toggler.click()
        nav.wait_for(state="visible")
    if not nav.locator(entry).first.is_visible():
        nav.locator("[data-nav-group]").filter(has=entry).locator(".dropdown-toggle").click()
    nav.locator(entry).first.click()


def act(page, name: str, test_id: str, fill=None) -> None:
    """Open an action in the detail page's accordion, fill it and submit it."""
    header = page.locator(".accordion-button", has_text=name)
    if "collapsed" in (header.get_attribute("class") or ""):
        header.click()
    form = page.get_by_test_id(test_id)
    form.wait_for(state="visible")
    if fill:
        fill(form)
    form.get_by_role("button").last.click()
    page.wait_for_load_state()


def status(page) -> str:
    return page.get_by_test_id("case-status").inner_text()


def test_walk_in_from_intake_to_archive(transactional_db, browser, live_server, screenshot):
    build_org()
    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "受理登记")
    clerk.wait_for_url("**/cases/new/")
    form = clerk.get_by_test_id("intake-form")
    form.get_by_label("所属村（社区）").select_option(label="甲镇一村")
    form.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    form.get_by_label("风险等级").select_option(label="黄色")
    form.get_by_label("纠纷简要情况").fill("王五与赵六因宅基地界址发生争执，双方多次口角。")
    form.get_by_label("当事人诉求").fill("请求确认界址，拆除越界围墙。")
    applicant = clerk.get_by_test_id("party-0")
    applicant.get_by_label("姓名/名称").fill("王五")
    applicant.get_by_label("身份证号").fill("110105194912310021")  # wrong check digit first
    applicant.get_by_label("联系电话").fill("13700137000")
    clerk.get_by_test_id("party-1").get_by_label("姓名/名称").fill("赵六")
    clerk.get_by_role("button", name="登记", exact=True).click()
    assert "校验位不正确" in clerk.get_by_test_id("intake-form").inner_text()
    assert not Case.objects.exists()
    screenshot("case-intake-error", clerk)

    clerk.get_by_test_id("party-0").get_by_label("身份证号").fill(VALID_ID)
    clerk.get_by_role("button", name="登记", exact=True).click()
    clerk.wait_for_url("**/cases/*-*-*/")
    number = clerk.get_by_test_id("case-number").inner_text()
    assert status(clerk) == "已受理"
    assert "110***********002X" in clerk.content()

    act(
        clerk,
        "分流转办",
        "action-dispatch",
        lambda f: (
            f.get_by_label("主办单位").select_option(label="甲镇派出所"),
            f.get_by_label("转办意见").fill("请核实现场"),
        ),
    )
    assert status(clerk) == "已分流待签收"
    assert clerk.get_by_test_id("lead-unit").inner_text() == "甲镇派出所"
    screenshot("case-dispatched", clerk)

    police = sign_in(browser, live_server, "police")
    go(police, "我的待办")
    police.get_by_test_id("worklist-to_sign").get_by_role("link", name=number).click()
    act(police, "签收", "action-sign")
    assert status(police) == "办理中"
    act(
        police, "填写办理进展", "action-progress", lambda f: f.get_by_label("办理进展").fill("已约双方到村委会现场测量")
    )
    act(
        police,
        "办结反馈",
        "action-report",
        lambda f: (
            f.get_by_label("调解成功").check(),
            f.get_by_label("办理情况").fill("现场测量后双方认可界址，已签协议"),
        ),
    )
    assert status(police) == "办结待审核"
    screenshot("case-reported", police)

    clerk.reload()
    act(clerk, "审核通过", "action-approve")
    assert status(clerk) == "已办结"
    act(clerk, "录入群众评价", "action-evaluate", lambda f: f.get_by_label("满意", exact=True).check())
    assert status(clerk) == "已评价"
    act(
        clerk,
        "记录回访",
        "action-visit",
        lambda f: (
            f.get_by_label("电话回访").check(),
            f.get_by_label("未复发，可以归档").check(),
            f.get_by_label("回访情况").fill("回访未复发，双方关系缓和"),
        ),
    )
    act(clerk, "归档", "action-archive")
    assert status(clerk) == "已归档"
    timeline = clerk.get_by_test_id("timeline").inner_text()
    for step in ("登记受理", "分流转办", "签收", "办理进展", "办结反馈", "审核通过", "群众评价", "回访", "归档"):
        assert step in timeline
    screenshot("case-archived", clerk)

    clerk.goto("/cases/")
    assert number in clerk.get_by_role("table").inner_text()
    screenshot("case-list", clerk)
