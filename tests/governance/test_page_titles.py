"""The browser tab reads "page - site", not the two run together (issue 15 finding 9)."""

from __future__ import annotations

import re

from django.conf import settings

from governance.templatetags.page_titles import with_site_title
from tests.disputes.conftest import intake


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_page_titles_have_a_separator_before_the_site_name(org, login):
    client = login(org["township_officer"])
    assert title_of(client.get("/cases/").content.decode()) == f"案件台账 - {settings.SITE_TITLE}"
    case = intake(org)
    assert title_of(client.get(f"/cases/{case.number}/").content.decode()) == f"{case.number} - {settings.SITE_TITLE}"


def test_a_page_without_a_title_shows_the_site_name_alone():
    assert with_site_title("\n  ", "示范县平台") == "示范县平台"
    assert with_site_title("\n 我的待办\n", "示范县平台") == "我的待办 - 示范县平台"
    assert with_site_title("", "A&B") == "A&amp;B"
