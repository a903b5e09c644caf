"""A leader lists a case from the supervision list; the police station sees it in its inbox and replies."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import Case, Status, Supervision
from governance.reminders import run_overdue_scan
from tests.browser.test_case_lifecycle import act, go, sign_in
from tests.disputes.conftest import advance, intake
from tests.factories import build_org

pytestmark = pytest.mark.browser


def test_leader_lists_a_case_and_the_handler_replies(transactional_db, browser, live_server, screenshot):
    org = build_org()
    case = advance(org, intake(org), Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=timezone.localdate() - timedelta(days=5))

    leader = sign_in(browser, live_server, "leader")
    go(leader, "督办清单")
    leader.wait_for_url("**/cases/supervision/")
    leader.get_by_test_id("section-overdue").get_by_role("link", name=case.number).click()
    act(
        leader,
        "挂牌督办",
        "action-supervise",
        lambda f: (
            f.get_by_label("领导批示").fill("请三日内化解，防止矛盾激化"),
            f.get_by_label("督办期限").fill(str(timezone.localdate() + timedelta(days=3))),
        ),
    )
    assert "请三日内化解" in leader.get_by_test_id("supervision").inner_text()
    screenshot("supervision-listed", leader)

    # The 15-minute scan finds the case five days past its deadline: a red card for the station,
    # which has no head on record, so the station itself is told, and for the leaders.
    result = run_overdue_scan()
    assert result.sent[("handle", "red")] == 1

    police = sign_in(browser, live_server, "police")
    assert police.get_by_test_id("unread-count").inner_text() != "0"
    police.get_by_test_id("inbox-link").click()
    assert f"【红牌】{case.number}" in police.locator("main").inner_text()
    screenshot("supervision-inbox", police)
    police.get_by_text(f"挂牌督办：{case.number}").click()
    police.wait_for_url(f"**/cases/{case.number}/")
    act(police, "回复督办", "action-answer", lambda f: f.get_by_label("办理回复").fill("已约双方明日到所调解"))
    assert "已约双方明日到所调解" in police.get_by_test_id("supervision").inner_text()
    screenshot("supervision-answered", police)
    assert Supervision.objects.get().state == "answered"

    leader.goto("/cases/supervision/")
    assert "已回复" in leader.get_by_test_id("listed").inner_text()
    assert "红牌" in leader.get_by_test_id("section-overdue").inner_text()
    leader.get_by_role("link", name="时限标准").click()
    assert "人民调解法》第三十三条" in leader.get_by_test_id("statutes").inner_text()
    screenshot("time-limits", leader)
    screenshot("supervision-list", leader)
