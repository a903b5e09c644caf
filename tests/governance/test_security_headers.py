"""Pages that show a party are never cached, and every page carries a Content-Security-Policy that
no rendered template breaks: no inline script or <style> without the request's nonce, no on…=
handler attributes."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser

from tests.disputes.conftest import intake
from tests.governance.test_settings import CLEAN, run
from tests.visits.conftest import plan


class InlineCode(HTMLParser):
    """Collects what a nonce-based policy would block."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[str | None] = []  # the nonce of each inline <script>
        self.styles: list[str | None] = []
        self.handlers: list[str] = []
        self._in_script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in attributes if re.fullmatch(r"on[a-z]+", name)]
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.inline_scripts.append(attributes.get("nonce"))
        if tag == "style":
            self.styles.append(attributes.get("nonce"))
        for value in attributes.values():
            if value and value.strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} …javascript:>")


def pages(org) -> list[tuple[str, str]]:
    case = intake(org)
    visit = plan(org)
    county = ["county_officer"]
    return [
        *[(p, "/") for p in ("county_officer", "police", "mediator", "grid_worker", "leader")],
        *[
            (county[0], path)
            for path in (
                "/cases/",
                "/cases/work/",
                "/cases/new/",
                "/cases/supervision/",
                "/cases/performance/",
                "/cases/time-limits/",
                f"/cases/{case.number}/",
                f"/cases/{case.number}/receipt/",
                f"/cases/{case.number}/parties/{case.parties.first().pk}/reveal/",
                "/grids/",
                "/grids/new/",
                "/grids/workers/",
                "/grids/workers/new/",
                "/grids/import/",
                "/grids/board/",
                "/grids/board/league/",
                "/visits/",
                "/visits/new/",
                f"/visits/{visit.pk}/",
                f"/visits/{visit.pk}/brief/",
                "/visits/issues/",
                "/visits/coverage/",
                "/mediation/organisations/",
                "/mediation/subsidy/",
                "/inbox/",
                "/regions/",
            )
        ],
        ("grid_worker", "/grids/patrols/"),
        ("grid_worker", "/grids/patrols/new/"),
        ("grid_worker", "/grids/reports/"),
        ("mediator", "/mediation/"),
    ]


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_every_page_has_the_policy_and_no_code_the_policy_would_block(org, login):
    from django.test import Client

    clients: dict[str, Client] = {}
    checked = 0
    for persona, path in pages(org):
        if persona not in clients:
            clients[persona] = Client()
            clients[persona].force_login(org[persona])
        response = clients[persona].get(path)
        assert response.status_code == 200, (persona, path, response.status_code)
        policy = csp_directives(response)
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert policy["object-src"] == "object-src 'none'"
        assert policy["base-uri"] == "base-uri 'self'" and policy["form-action"] == "form-action 'self'"
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
        assert "'unsafe-inline'" not in policy["style-src"]
        nonce = re.search(r"'nonce-([^']+)'", policy["script-src"])
        found = InlineCode()
        found.feed(response.content.decode())
        assert not found.handlers, (path, found.handlers)
        for inline in found.inline_scripts + found.styles:
            assert nonce and inline == nonce.group(1), (path, "inline <script>/<style> without the nonce")
        assert "no-store" in response["Cache-Control"] and response["Pragma"] == "no-cache", path
        checked += 1
    assert checked >= 30


def test_downloads_and_documents_are_not_stored(org, login):
    case = intake(org)
    client = login(org["township_officer"])
    for path in (f"/cases/{case.number}/receipt/", "/grids/board/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"] and response["Pragma"] == "no-cache", path


def test_the_login_page_has_the_policy_and_static_files_stay_cacheable(client):
    response = client.get("/login/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    static = client.get("/static/css/app.css")
    if static.status_code == 200:  # served by WhiteNoise's finders when DEBUG is on
        assert "no-store" not in static.get("Cache-Control", "")


def test_no_template_holds_an_inline_handler_or_script():
    from pathlib import Path

    from django.conf import settings

    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\son[a-z]+=", text), template
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or "nonce=" in tag or "application/json" in tag, (template, tag)


def test_hsts_preload_is_off_unless_asked_for(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_HSTS_PRELOAD)"
    env = {**CLEAN, "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "governance.settings", "DEBUG": "0"}
    env["SECRET_KEY"] = "x7Gq2-pL9vZ0mT4kR8sW1yB6nC3hJ5dF0aE2uI9oP7lK4jH8gS"
    assert run([sys.executable, "-c", code], env).stdout.strip() == "False"
    assert run([sys.executable, "-c", code], {**env, "SECURE_HSTS_PRELOAD": "1"}).stdout.strip() == "True"
