"""A township schedules a night visit; the leader reads the brief, records the visit with one
issue resolved on the spot and one turned into a case; the case is in the township's list,
linked to the visit."""

import pytest
from django.utils import timezone

from disputes.models import Case
from tests.browser.test_case_lifecycle import go, sign_in
from tests.factories import build_org
from visits.models import Visit, VisitIssue

pytestmark = pytest.mark.browser


def test_township_plans_leader_records_issue_becomes_case(transactional_db, browser, live_server, screenshot):
    build_org()
    today = timezone.localdate()

    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "夜访安排")
    clerk.wait_for_url("**/visits/")
    clerk.get_by_test_id("plan-visit").click()
    form = clerk.get_by_test_id("plan-form")
    form.get_by_label("日期").fill(str(today))
    form.get_by_label("走访村（社区）").select_option(label="甲镇 · 甲镇一村")
    form.get_by_label("township_leader").check()
    form.get_by_label("陪同网格员").select_option(label="grid_worker（甲镇一村村民委员会）")
    form.get_by_label("走访重点").fill("宅基地纠纷和重点人员走访")
    screenshot("visit-plan", clerk)
    form.get_by_role("button", name="保存安排并通知领导").click()
    clerk.wait_for_url("**/visits/*/")
    visit = Visit.objects.get()
    assert clerk.get_by_test_id("visit-status").inner_text() == "已安排"
    assert "township_leader" in clerk.get_by_test_id("visit-leaders").inner_text()
    screenshot("visit-planned", clerk)

    leader = sign_in(browser, live_server, "township_leader")
    upcoming = leader.get_by_test_id("upcoming-visits")
    assert "甲镇一村" in upcoming.inner_text()
    upcoming.get_by_role("link", name="访前调查准备").click()
    leader.wait_for_url(f"**/visits/{visit.pk}/brief/")
    assert "平安夜访访前调查准备" in leader.get_by_test_id("brief-title").inner_text()
    assert "无在办案件" in leader.get_by_test_id("brief-cases").inner_text()
    screenshot("visit-brief", leader)
    leader.get_by_role("link", name="返回夜访").click()

    record = leader.get_by_test_id("record-form")
    record.get_by_label("走访户数").fill("8")
    record.get_by_label("座谈、走访对象").fill("村“两委”干部、老党员王大爷")
    record.get_by_label("会商情况").fill("入户走访8户，召开院坝会，群众反映问题2个。")
    record.get_by_role("button", name="保存走访记录").click()
    leader.wait_for_load_state()
    assert leader.get_by_test_id("visit-status").inner_text() == "已开展"

    def add_issue(summary: str, ending: str, fill) -> None:
        form = leader.get_by_test_id("issue-form")
        form.get_by_label("反映问题").fill(summary)
        form.get_by_label("问题类别").select_option(label="邻里纠纷")
        form.get_by_label("首访负责领导").select_option(label="township_leader")
        form.get_by_label(ending, exact=True).check()
        fill(form)
        form.get_by_role("button", name="登记问题").click()
        leader.wait_for_load_state()

    add_issue(
        "村口路灯损坏，夜间出行不便",
        "当场解决",
        lambda f: f.get_by_label("当场解决情况").fill("当场联系村电工，明日修复"),
    )
    screenshot("visit-issue-form", leader)
    add_issue(
        "王五与赵六因宅基地界址争执，多次口角",
        "转为矛盾纠纷案件",
        lambda f: (
            f.get_by_label("反映人", exact=True).fill("王五"),
            f.get_by_label("反映人联系电话").fill("13700137000"),
        ),
    )
    case = Case.objects.get()
    assert case.channel == "night_visit"
    assert f"已转为矛盾纠纷案件 {case.number}" in leader.content()
    issues = leader.get_by_test_id("issues").inner_text()
    assert "当场解决" in issues and case.number in issues
    assert set(VisitIssue.objects.values_list("status", flat=True)) == {"resolved", "case"}
    screenshot("visit-recorded", leader)

    go(clerk, "案件台账")
    clerk.wait_for_url("**/cases/")
    clerk.get_by_role("link", name=case.number).click()
    clerk.wait_for_url(f"**/cases/{case.number}/")
    origin = clerk.get_by_test_id("visit-origin")
    assert "来自平安夜访" in origin.inner_text() and "township_leader" in origin.inner_text()
    screenshot("visit-case-origin", clerk)
    clerk.get_by_test_id("visit-origin-link").click()
    clerk.wait_for_url(f"**/visits/{visit.pk}/")
