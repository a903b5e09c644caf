import pytest

from tests.browser.test_case_lifecycle import go
from tests.factories import PASSWORD, build_org

pytestmark = pytest.mark.browser


def test_township_officer_logs_in_and_sees_a_chinese_home(transactional_db, page, screenshot):
    build_org()
    page.goto("/")
    assert page.url.endswith("/login/?next=/")
    page.get_by_label("用户名").fill("township_officer")
    page.get_by_label("密码").fill("Wrong#Pass1")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码不正确" in page.get_by_test_id("login-error").inner_text()
    screenshot("login-error", page)

    page.get_by_label("用户名").fill("township_officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("您好")
    summary = page.get_by_test_id("jurisdiction-summary").inner_text()
    assert "村（社区）" in summary and "网格" in summary
    nav = page.get_by_test_id("main-nav").inner_text()
    assert "网格与零报告" in nav and "安全审计" not in nav
    # The whole menu and the person's own menu fit a 1366-pixel office screen: nothing runs off the side.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    box = page.locator(".app-navbar .dropdown-toggle").last.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1366
    path = screenshot("home-township", page)
    assert path.stat().st_size > 10_000

    go(page, "区划与网格")
    page.wait_for_url("**/regions/")
    assert page.get_by_role("cell", name="甲镇一村").is_visible()
    assert page.get_by_role("cell", name="乙镇一村").count() == 0
    screenshot("regions-township", page)


def test_first_login_goes_through_the_password_change(transactional_db, page, screenshot):
    from tests.factories import make_user

    make_user("newcomer", "township_staff", None, must_change_password=True)
    page.goto("/login/")
    page.get_by_label("用户名").fill("newcomer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/password/")
    page.get_by_label("原密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("abc12345")
    page.get_by_label("确认新密码").fill("abc12345")
    page.get_by_role("button", name="保存新密码").click()
    assert page.get_by_text("大写字母、小写字母、数字、符号中的 3 类").first.is_visible()
    screenshot("password-change-refused", page)
    page.get_by_label("原密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Fresh#Start2026")
    page.get_by_label("确认新密码").fill("Fresh#Start2026")
    page.get_by_role("button", name="保存新密码").click()
    page.wait_for_url("**/")
    assert page.get_by_text("密码已修改").is_visible()
