"""Issue 15, findings 3 and 4, as the township clerk does them in a browser: a walk-in settled at
the desk (当场化解) is registered and closed in one step, rated, visited on its own step and then
archived; a return visit that finds the dispute back reopens the case and the timeline says so."""

import pytest
from django.utils import timezone

from disputes.models import Case, Status
from tests.browser.test_case_lifecycle import act, go, sign_in, status
from tests.disputes.conftest import advance, intake
from tests.factories import build_org

pytestmark = pytest.mark.browser


def test_a_walk_in_settled_at_the_desk_then_rated_visited_and_archived(
    transactional_db, browser, live_server, screenshot
):
    build_org()
    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "受理登记")
    clerk.wait_for_url("**/cases/new/")
    form = clerk.get_by_test_id("intake-form")
    form.get_by_label("所属村（社区）").select_option(label="甲镇一村")
    form.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    form.get_by_label("风险等级").select_option(label="蓝色")
    form.get_by_label("纠纷简要情况").fill("两户因楼道堆放杂物发生口角，到中心窗口反映。")
    clerk.get_by_test_id("party-0").get_by_label("姓名/名称").fill("孙七")
    clerk.get_by_test_id("party-1").get_by_label("姓名/名称").fill("周八")
    settle = clerk.get_by_test_id("intake-settle")
    details = clerk.get_by_test_id("intake-settle-details")
    assert not details.is_visible()  # only once the clerk ticks 当场化解
    settle.get_by_label("当场化解（来访、来电在窗口已调解或答复完毕，登记即办结）").check()
    assert details.is_visible()
    # Ticked without its result: refused with the reason, nothing saved.
    clerk.get_by_role("button", name="登记", exact=True).click()
    assert "当场化解的，请填写化解情况。" in clerk.get_by_test_id("intake-form").inner_text()
    assert not Case.objects.exists()
    settle = clerk.get_by_test_id("intake-settle")
    settle.get_by_label("调解成功").check()
    settle.get_by_label("化解情况").fill("窗口调解，双方同意当天清理杂物，当场和解。")
    screenshot("settle-intake", clerk)
    clerk.get_by_role("button", name="登记", exact=True).click()
    clerk.wait_for_url("**/cases/*-*-*/")
    assert status(clerk) == "已办结"
    timeline = clerk.get_by_test_id("timeline").inner_text()
    assert "当场化解" in timeline and "化解结果：调解成功" in timeline
    screenshot("settle-closed", clerk)

    act(clerk, "录入群众评价", "action-evaluate", lambda f: f.get_by_label("满意", exact=True).check())
    assert status(clerk) == "已评价"
    act(
        clerk,
        "记录回访",
        "action-visit",
        lambda f: (
            f.get_by_label("上门回访").check(),
            f.get_by_label("回访人").fill("网格员李四"),
            f.get_by_label("未复发，可以归档").check(),
            f.get_by_label("回访情况").fill("上门回访，楼道已清理，邻里和好。"),
        ),
    )
    assert status(clerk) == "已评价"
    go(clerk, "我的待办")
    number = Case.objects.get().number
    clerk.get_by_test_id("worklist-to_archive").get_by_role("link", name=number).click()
    act(clerk, "归档", "action-archive")
    assert status(clerk) == "已归档"
    timeline = clerk.get_by_test_id("timeline").inner_text()
    assert "评价结果：满意" in timeline
    assert f"回访方式：上门回访；回访日期：{timezone.localdate():%Y-%m-%d}；回访人：网格员李四；纠纷未复发" in timeline
    screenshot("visit-archived", clerk)


def test_a_return_visit_that_finds_the_dispute_back_reopens_it(transactional_db, browser, live_server, screenshot):
    org = build_org()
    case = advance(org, intake(org), Status.EVALUATED)
    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "我的待办")
    clerk.get_by_test_id("worklist-to_visit").get_by_role("link", name=case.number).click()
    act(
        clerk,
        "记录回访",
        "action-visit",
        lambda f: (
            f.get_by_label("电话回访").check(),
            f.get_by_label("纠纷复发，重新办理").check(),
            f.get_by_label("回访情况").fill("当事人反映排水沟又被堵，双方再起争执。"),
        ),
    )
    assert status(clerk) == "已受理"
    timeline = clerk.get_by_test_id("timeline").inner_text()
    assert "纠纷复发，重新办理" in timeline
    assert "回访发现纠纷复发：当事人反映排水沟又被堵，双方再起争执。" in timeline
    assert clerk.get_by_test_id("action-dispatch").count() == 1  # back to the center for dispatch
    screenshot("visit-came-back", clerk)
    case.refresh_from_db()
    assert case.reopen_count == 1 and case.status == Status.REGISTERED
