"""A citizen follows an online case on a phone by its query code and an SMS code, staff take it
to closure, the citizen reloads, sees 已办结 and rates it 满意."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.citizen import case_code
from disputes.models import Case, Satisfaction, Status
from tests.browser.axe import blocking_violations
from tests.disputes.conftest import intake
from tests.factories import build_org

pytestmark = pytest.mark.browser


def test_a_citizen_follows_a_case_to_closure_and_rates_it_on_a_phone(
    transactional_db, live_server, phone, sms, screenshot
):
    org = build_org()
    clerk, police = org["township_officer"], org["police"]
    case = intake(org, channel="online")
    code = case_code(case).code

    phone.goto("/m/")
    phone.get_by_test_id("citizen-follow").click()
    phone.get_by_label("查询码").fill(code.lower())
    phone.get_by_label("手机号码").fill("13800138000")
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_text("验证码已发送").wait_for()
    phone.get_by_label("短信验证码").fill(sms.last_code())
    screenshot("citizen-follow-form", phone)
    assert not blocking_violations(phone)
    phone.get_by_test_id("follow-submit").click()
    phone.wait_for_url(f"**/m/follow/{code}/")
    assert "已收到，等待受理" in phone.get_by_test_id("follow-state").inner_text()
    screenshot("citizen-follow-received", phone)

    case = services.accept_case(case=case, by=clerk, category=case.category, risk_level=case.risk_level, version=None)
    case = services.dispatch_case(
        case=case, by=clerk, lead_unit=org.police_a, due=timezone.localdate() + timedelta(days=10), version=None
    )
    phone.reload()
    assert "已转交 甲镇派出所 办理" in phone.get_by_test_id("follow-steps").inner_text()
    phone.get_by_label("补充情况").fill("今天又堵了，水漫到了院子里。")
    phone.get_by_test_id("note-submit").click()
    phone.get_by_text("已收到您补充的情况").wait_for()
    screenshot("citizen-follow-in-progress", phone)
    assert not blocking_violations(phone)

    case = services.sign_case(case=case, by=police, version=None)
    case = services.report_case(
        case=case, by=police, outcome="resolved", routes=[], summary="疏通排水沟，双方签订协议。", version=None
    )
    services.approve_case(case=case, by=clerk, version=None)
    phone.reload()
    assert "已办结，请您评价" in phone.get_by_test_id("follow-state").inner_text()
    assert "疏通排水沟" in phone.get_by_test_id("follow-result").inner_text()
    screenshot("citizen-follow-closed", phone)
    assert not blocking_violations(phone)
    phone.get_by_text("满意", exact=True).click()
    phone.get_by_test_id("rate-submit").click()
    phone.get_by_text("感谢您的评价").wait_for()
    screenshot("citizen-follow-rated", phone)

    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.EVALUATED and case.satisfaction == Satisfaction.SATISFIED
    assert "满意" in phone.get_by_test_id("follow-satisfaction").inner_text()
    text = phone.locator("body").inner_text()
    assert "李四" not in text and "139" not in text and "police" not in text
