"""网上调解 on a phone (390×844): a party opens the invitation link, proves the phone with an SMS
code, writes in the thread, and confirms the final agreement with another SMS code; the mediator's
page then shows the party as 签字确认（短信验证）. Screenshots in var/screenshots/."""

from __future__ import annotations

import re

import pytest

from disputes import services as case_services
from disputes.citizen import case_code
from mediation import online
from mediation import services as med_services
from mediation.models import Organisation, Signature
from tests.disputes.conftest import intake
from tests.factories import build_org
from tests.mediation.conftest import agreement_data, dispatch_to_mediation, mediator

pytestmark = pytest.mark.browser


def test_a_party_joins_writes_and_confirms_the_agreement_on_a_phone(
    transactional_db, browser, live_server, phone, screenshot, sms, settings
):
    # The party joins and confirms within a minute: the one-code-a-minute limit is tested elsewhere.
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "sms": {"phone": [(20, 60)]}}
    org = build_org()
    organisation = Organisation.objects.create(unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a)
    zhao = mediator("赵德明", organisation, "neighbourhood", user=org["mediator"], role="director")
    case = dispatch_to_mediation(org, intake(org))
    case = case_services.sign_case(case=case, by=org["mediator"], version=case.version)
    med_services.assign_mediators(case=case, by=org["mediator"], mediators=[zhao], lead=zhao)
    case_code(case, mediation="online")
    online.post_message(case=case, by=org["mediator"], text="张三您好，请说说排水沟的情况和您的要求。")
    _invitation, token = online.invite_party(case=case, party=case.parties.get(role="applicant"), by=org["mediator"])
    link = re.search(r"/m/mediation/[\w-]+/", sms.texts[-1]).group(0)
    assert token in link

    page = phone
    page.goto(link)
    assert "参加网上调解" in page.content()
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送").wait_for()
    screenshot("online-mediation-join", page)
    page.get_by_label("短信验证码").fill(sms.last_code())
    page.get_by_role("button", name="进入网上调解").click()
    thread = page.get_by_test_id("party-thread")
    assert "调解员 赵德明" in thread.inner_text()

    page.get_by_label("我要说").fill("排水沟被堵，雨天积水进屋，希望李四尽快清理。")
    page.get_by_role("button", name="发送").click()
    page.get_by_text("希望李四尽快清理").wait_for()
    assert "我" in page.get_by_test_id("party-thread").locator("[data-testid=author]").last.inner_text()
    screenshot("online-mediation-thread", page)

    agreement = med_services.draft_agreement(case=case, by=org["mediator"])
    agreement = med_services.update_agreement(agreement=agreement, by=org["mediator"], data=agreement_data())
    agreement = med_services.finalize_agreement(
        agreement=agreement, by=org["mediator"], signed_on=agreement.created_at.date()
    )
    page.reload()
    confirm = page.get_by_test_id("confirm-form")
    assert agreement_data().terms in page.get_by_test_id("party-agreement").inner_text()
    confirm.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送").wait_for()
    assert f"确认调解协议（{agreement.number}）" in sms.texts[-1]
    page.get_by_test_id("confirm-form").get_by_label("短信验证码").fill(sms.last_code())
    page.get_by_role("button", name="确认协议书").click()
    page.get_by_test_id("signed").wait_for()
    screenshot("online-mediation-confirmed", page)

    (signature,) = Signature.objects.all()
    assert signature.party.name == "张三"
