"""码上办 · 我要反映 on a phone (issue 16): the township clerk prints a village's poster, a citizen
opens the poster's address on a phone, fills the form, gets the SMS code (read from the logging
gateway, which logs in this process), sends a photo and sees the query code; the report is in the
township center's 待受理."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from disputes.models import Case, Channel, Status
from tests.browser.test_case_lifecycle import go, sign_in
from tests.factories import build_org

pytestmark = pytest.mark.browser


def a_photo() -> bytes:
    image = Image.new("RGB", (640, 480), (120, 160, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_citizen_reports_from_a_village_poster_on_a_phone(
    transactional_db, browser, live_server, phone, screenshot, sms
):
    org = build_org()
    clerk = sign_in(browser, live_server, "township_officer")
    clerk_violations: list[str] = []
    clerk.on("console", lambda m: clerk_violations.append(m.text) if "Content Security Policy" in m.text else None)
    go(clerk, "码上办二维码")
    clerk.wait_for_url("**/cases/posters/")
    screenshot("citizen-report-posters", clerk)
    clerk.goto(f"/cases/posters/{org.village_a1.code}/")
    poster = clerk.get_by_test_id("poster")
    assert "甲镇 · 甲镇一村" in poster.get_by_test_id("poster-place").inner_text()
    assert clerk.get_by_test_id("poster-qr").locator("svg").is_visible()
    screenshot("citizen-report-poster", clerk)
    address = clerk.locator(".poster-address").inner_text().strip()
    assert address.endswith(f"/m/report/?place={org.village_a1.code}")

    citizen = phone
    citizen.goto(address)
    assert citizen.get_by_test_id("locked-place").inner_text() == "甲镇 · 甲镇一村"
    screenshot("citizen-report-form", citizen)
    citizen.get_by_label("您的姓名").fill("王小红")
    citizen.get_by_label("手机号码").fill("13800138000")
    citizen.get_by_role("button", name="获取验证码").click()
    citizen.get_by_text("验证码已发送至").wait_for()
    citizen.get_by_label("短信验证码").fill(sms.last_code())
    citizen.get_by_label("是什么方面的事").select_option(label="邻里纠纷")
    citizen.get_by_label("发生了什么事").fill("楼上邻居家卫生间漏水，渗到我家天花板，找他修了三次都不修。")
    citizen.get_by_label("现场照片").set_input_files(
        files=[{"name": "漏水.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}]
    )
    citizen.get_by_label("对方姓名或单位名称").fill("赵大")
    citizen.get_by_label("网上调解：在手机上和调解员、对方沟通").check()
    assert "甲镇综治中心" in citizen.get_by_test_id("privacy-notice").inner_text()
    citizen.get_by_label("我已阅读并同意《个人信息告知书》").check()
    honeypot = citizen.locator("#id_website").bounding_box()
    assert honeypot["x"] + honeypot["width"] < 0  # off-screen: people never see or fill it
    screenshot("citizen-report-filled", citizen)
    citizen.get_by_test_id("report-submit").click()
    citizen.wait_for_url("**/m/report/done/**")
    code = citizen.get_by_test_id("query-code").inner_text().strip()
    assert len(code) == 9 and code[4] == "-"
    assert citizen.get_by_text("请截图或记下查询码").is_visible()
    screenshot("citizen-report-done", citizen)

    case = Case.objects.get()
    assert case.status == Status.SUBMITTED and case.channel == Channel.ONLINE and case.intake_unit == org.center_a
    assert case.public_code.code == code.replace("-", "") and case.attachments.count() == 1
    assert any(code in text for text in sms.texts)
    clerk.goto("/")  # from the poster (a sheet without the menu) back to the staff site
    go(clerk, "我的待办")
    clerk.wait_for_url("**/cases/work/")
    assert clerk.get_by_role("link", name=case.number).first.is_visible()
    screenshot("citizen-report-clerk-work", clerk)
    clerk.get_by_role("link", name=case.number).first.click()
    clerk.wait_for_url(f"**/cases/{case.number}/")
    assert "网上/扫码" in clerk.content() and "待受理" in clerk.get_by_test_id("case-status").inner_text()
    screenshot("citizen-report-clerk-case", clerk)
    # 一案一码: the receipt the desk prints carries the case's code.
    clerk.goto(f"/cases/{case.number}/receipt/")
    assert code in clerk.get_by_test_id("receipt-code").inner_text()
    assert clerk.get_by_test_id("receipt-code").locator("svg").is_visible()
    screenshot("citizen-report-receipt", clerk)
    assert not clerk_violations, clerk_violations
