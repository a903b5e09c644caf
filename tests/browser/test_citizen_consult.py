"""On a phone, a citizen asks a question on 码上办 with an SMS code; a township clerk answers it on
the staff site; the citizen reads the answer on the same phone."""

import pytest

from disputes.models import Consultation
from tests.browser.axe import blocking_violations
from tests.browser.test_case_lifecycle import go, sign_in
from tests.factories import build_org

pytestmark = pytest.mark.browser


def test_a_citizen_asks_on_a_phone_and_reads_the_answer(transactional_db, browser, live_server, phone, screenshot, sms):
    build_org()
    phone.goto("/m/")
    phone.get_by_test_id("citizen-ask").click()
    phone.wait_for_url("**/m/ask/")
    form = phone.get_by_test_id("ask-form")
    form.get_by_label("姓名").fill("张三")
    form.get_by_label("手机号码").fill("13800138000")
    form.get_by_role("button", name="获取验证码").click()
    phone.get_by_text("验证码已发送至 138****8000").wait_for()
    form.get_by_label("短信验证码").fill(sms.last_code())
    form.get_by_label("所在地").select_option(label="甲镇一村")
    form.get_by_label("咨询的问题").fill("宅基地确权需要准备哪些材料？在哪里办？")
    form.get_by_label("我已阅读并同意上述个人信息处理告知").check()
    screenshot("citizen-ask-form", phone)
    assert not blocking_violations(phone)
    form.get_by_test_id("ask-submit").click()
    phone.wait_for_url("**/m/ask/*/?new=1")
    consultation = Consultation.objects.get()
    assert phone.get_by_test_id("ask-code").inner_text() == f"{consultation.code[:4]}-{consultation.code[4:]}"
    assert phone.get_by_test_id("ask-state").inner_text().startswith("待答复")
    screenshot("citizen-ask-received", phone)

    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "网上咨询")
    clerk.wait_for_url("**/cases/consultations/")
    clerk.get_by_test_id("consultation-list").get_by_role("link", name="宅基地确权").click()
    clerk.get_by_label("答复内容").fill("请携带身份证、户口簿到镇便民服务中心自然资源窗口办理。")
    screenshot("consultation-answer", clerk)
    assert not blocking_violations(clerk)
    clerk.get_by_role("button", name="提交答复").click()
    clerk.get_by_text("已答复，短信已通知咨询人。").wait_for()
    assert "已答复" in sms.texts[-1]

    phone.goto(f"/m/ask/{consultation.code}/")
    assert "自然资源窗口" in phone.get_by_test_id("ask-answer").inner_text()
    assert phone.get_by_test_id("ask-state").inner_text() == "已答复"
    screenshot("citizen-ask-answered", phone)
    assert not blocking_violations(phone)
