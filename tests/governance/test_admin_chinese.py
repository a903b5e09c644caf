"""The admin pages a Chinese administrator sees hold no English and no codes (issue 15, finding 10):
the admin index, and each list and add page the three administrators may open, walked from the
index as they would, including what a screen reader reads (hidden table headers, titles, labels)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessLog
from django.utils import timezone

# English words: three letters or more with a lower-case one. Upper-case codes a county assigns
# (unit codes such as C-CENTER), hex colours and numbers are data, not language.
ENGLISH = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Names with no Chinese form, written this way in Chinese offices.
ALLOWED = {"GeoJSON", "Excel", "Word", "PDF", "TOTP", "IP", "HTTP", "GET", "POST", "URL", "Accept", "Ctrl"}
ALLOWED |= {"Admin", "Qwerty", "Qwerty123"}  # the password rules' examples of refused patterns
ALLOWED |= {"login"}  # the login page's path (/login/), which axes' lists offer as a filter
ALLOWED |= {"null"}  # an empty GeoJSON boundary, as JSON writes it
# Help of the fields written in a notation of codes (the indicators' formulas, the report periods):
# its examples are what the administrator types.
NOTATION_HELP = {"id_numerator_helptext", "id_numerator_filter_helptext", "id_kinds_helptext"}
# A work-order source's mappings name its codes and our steps' codes (disputes/workorders.py).
NOTATION_HELP |= {"id_category_map_helptext", "id_status_map_helptext"}
# Cells that hold what a request sent, as recorded (a path, a browser's identification, the audit
# detail with a role's code beside its name for searching): data, not the page's language.
RECORDED = {"field-path", "field-path_info", "field-user_agent", "field-detail"}
HEX_COLOUR = re.compile(r"[0-9a-fA-F]{3,8}")
SKIPPED_TAGS = {"script", "style", "noscript", "template"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


class VisibleText(HTMLParser):
    """What a person sees or hears: text outside scripts and the person's own name, plus titles,
    labels and the options of lists; input values are what was typed (a code field's content)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0
        self.skipped_tags: list[str] = []
        self.user_tools = 0

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        recorded = RECORDED & set((attributes.get("class") or "").split())
        if tag in SKIPPED_TAGS or attributes.get("id") in NOTATION_HELP or recorded:
            self.skipping += 1
            self.skipped_tags.append(tag)
        if self.user_tools or attributes.get("id") == "user-tools":
            self.user_tools += 1  # the signed-in person's own username
        self.parts.extend(attributes[name] or "" for name in READ_ATTRIBUTES if name in attributes)

    def handle_endtag(self, tag) -> None:
        if self.skipped_tags and tag == self.skipped_tags[-1]:
            self.skipping -= 1
            self.skipped_tags.pop()
        if self.user_tools:
            self.user_tools -= 1

    def handle_data(self, data) -> None:
        if not self.skipping and not self.user_tools:
            self.parts.append(data)


def english_in(html: str, usernames: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    words = set(ENGLISH.findall(" ".join(parser.parts)))
    return {
        w
        for w in words
        if len(w) >= 3 and re.search("[a-z]", w) and not HEX_COLOUR.fullmatch(w) and w not in ALLOWED | usernames
    }


def admin_pages(client) -> list[str]:
    """The index, each app page and each model's list and add page linked from it."""
    index = client.get("/admin/").content.decode()
    links = sorted(set(re.findall(r'href="(/admin/[a-z_]+/(?:[a-z_]+/(?:add/)?)?)"', index)))
    return ["/admin/", *links]


@pytest.mark.parametrize("persona", ["sysadmin", "security_admin", "auditor"])
def test_no_admin_page_shows_english_or_codes(persona, org, login):
    now = timezone.now()
    AccessAttempt.objects.create(
        username="someone", ip_address="10.0.0.8", user_agent="Mozilla/5.0", http_accept="text/html",
        path_info="/login/", get_data="", post_data="", failures_since_start=5,
    )  # fmt: skip
    AccessLog.objects.create(
        username="someone", ip_address="10.0.0.8", user_agent="Mozilla/5.0", http_accept="text/html",
        path_info="/login/", attempt_time=now,
    )  # fmt: skip
    client = login(org[persona])
    usernames = {u.username for u in org.users.values()} | {"someone"}
    pages = admin_pages(client)
    assert len(pages) > 2
    found = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        if words := english_in(response.content.decode(), usernames):
            found[path] = sorted(words)
    assert not found, "\n".join(f"{path}: {' '.join(words)}" for path, words in found.items())


def test_sysadmin_creates_mediation_organisations_as_the_readme_says(org, login):
    """三员: organisations are the units' configuration (like the units themselves), not business
    data; the mediators, people with their certificates, stay with the centers' roster pages."""
    from mediation.models import Organisation

    organisation = Organisation.objects.create(unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a)
    client = login(org["sysadmin"])
    assert "甲镇人民调解委员会" in client.get("/admin/mediation/organisation/").content.decode()
    assert client.get("/admin/mediation/organisation/add/").status_code == 200
    change = client.get(f"/admin/mediation/organisation/{organisation.pk}/change/")
    # The members inline (mediators, business data) is not offered to him: no inline formset.
    assert change.status_code == 200 and "TOTAL_FORMS" not in change.content.decode()
    assert client.get("/admin/mediation/mediator/").status_code == 403
