"""Readable for a 50-year-old on a 1366-pixel office screen (GB/T 37668, WCAG 2.0 AA; issue 15,
finding 12): axe-core finds no serious or critical violation on any main page of any role — every
menu page, and for those who handle cases a case page with its badges and action forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.models import RiskLevel, Status
from governance.navigation import items_for
from tests.browser.axe import blocking_violations
from tests.browser.test_case_lifecycle import sign_in
from tests.disputes.conftest import advance, intake
from tests.factories import build_org

pytestmark = pytest.mark.browser

ROLES = ("county_officer", "township_officer", "police", "mediator", "grid_worker", "leader", "sysadmin",
         "security_admin", "auditor")  # fmt: skip
CASE_READERS = {"county_officer", "township_officer", "police", "leader"}


@pytest.mark.parametrize("persona", ROLES)
def test_no_serious_violation_on_any_main_page(persona, transactional_db, browser, live_server, screenshot):
    org = build_org()
    # Cases in the states whose badges and clocks the pages show.
    dispatched = advance(org, intake(org), Status.DISPATCHED)
    advance(org, intake(org), Status.IN_PROGRESS)
    advance(org, intake(org, risk_level=RiskLevel.objects.get(code="yellow")), Status.EVALUATED)
    intake(org, channel="hotline_12345", risk_level=RiskLevel.objects.get(code="red"))
    user = org[persona]
    paths = [reverse(item.url_name) for item in items_for(user)]
    if persona in CASE_READERS:
        paths.append(reverse("disputes-detail", args=[dispatched.number]))

    page = sign_in(browser, live_server, user.username)
    found = {}
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if violations := blocking_violations(page):
            found[path] = violations
            screenshot(f"axe-{persona}-{path.strip('/').replace('/', '-') or 'home'}", page)
    page.context.close()
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in found.items())


def test_no_serious_violation_on_the_login_page(transactional_db, page):
    build_org()
    page.goto("/login/")
    assert not blocking_violations(page)
    page.get_by_label("用户名").fill("township_officer")
    page.get_by_label("密码").fill("Wrong#Pass1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "用户名或密码不正确" in page.get_by_test_id("login-error").inner_text()
    assert not blocking_violations(page)  # the refused login, with its message
