import base64

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import PASSWORD, build_org

pytestmark = pytest.mark.browser


def code_from(key: str, *, step: int = 0) -> str:
    totp = TOTP(base64.b32decode(key.replace(" ", "") + "=" * (-len(key.replace(" ", "")) % 8)))
    totp.time += step * 30
    return f"{totp.token():06d}"


def sign_in(page) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill("township_officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_clerk_binds_a_phone_saves_the_recovery_codes_and_signs_in_with_a_code(
    transactional_db, page, screenshot, settings
):
    settings.REQUIRE_2FA = True
    build_org()
    sign_in(page)
    page.wait_for_url("**/2fa/setup/**")
    assert page.get_by_role("heading", level=1).inner_text() == "绑定手机动态口令"
    qr = page.get_by_test_id("qr-code").locator("svg")
    box = qr.bounding_box()
    assert box["width"] >= 200 and box["height"] >= 200  # large enough to scan from a screen
    assert "身份验证器" in page.content() and "Microsoft Authenticator" in page.content()
    path = screenshot("twofactor-setup", page)
    assert path.stat().st_size > 20_000

    key = page.get_by_test_id("manual-key").inner_text()
    page.get_by_label("6 位动态口令").fill("000000" if code_from(key) != "000000" else "111111")
    page.get_by_role("button", name="完成绑定").click()
    expect(page.get_by_text("验证码不正确")).to_be_visible()  # waits for the answer to the POST
    page.get_by_label("6 位动态口令").fill(code_from(key))
    page.get_by_role("button", name="完成绑定").click()
    page.wait_for_url("**/2fa/codes/**")
    codes = page.get_by_test_id("recovery-codes").locator("li")
    assert codes.count() == 10
    screenshot("twofactor-recovery-codes", page)
    page.get_by_role("link", name="我已保存好，继续").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("您好")

    page.get_by_test_id("main-nav").wait_for()
    page.context.clear_cookies()
    sign_in(page)
    page.wait_for_url("**/2fa/verify/**")
    screenshot("twofactor-verify", page)
    page.get_by_label("6 位动态口令").fill(code_from(key, step=1))  # the code used above is spent
    page.get_by_role("button", name="验证").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("您好")
