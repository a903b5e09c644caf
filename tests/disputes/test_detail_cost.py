"""What the case page costs per request, for every persona who may open it: a fixed, small number of
queries (the person read with their unit and jurisdiction, no session write, the visit banner
joined with the case), and the same page whatever the way the case is fetched."""

from __future__ import annotations

import contextlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes import services, views
from disputes.models import Category, RiskLevel, Status
from tests.disputes.conftest import advance
from tests.visits.conftest import held, issue
from visits.services import Ending

# Session; person with unit, region and roles; SET; the case (with its visit issue and which of
# co-units, attachments, extension requests and listings it has); parties; steps; the co-units it
# has; RESET; history; key-person register (center staff and leaders only); unread notices.
# Before: 19 for center staff (roles, unit, region, the 4 sparse relations asked whether empty or
# not, the visit issue apart, and the session's UPDATE inside BEGIN … COMMIT on every request).
QUERIES = {
    "county_officer": 10,
    "township_officer": 10,
    "leader": 10,
    "township_leader": 10,
    "police": 9,
    "mediator": 10,  # its organisation co-handles the case: the co-units are asked
}


def queries_of(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("persona", list(QUERIES))
def test_the_case_page_runs_a_fixed_number_of_queries(org, login, make_case, persona):
    case = make_case(Status.IN_PROGRESS)
    if persona == "mediator":
        case.co_units.add(org.mediation_a)
    client = login(org[persona])
    path = f"/cases/{case.number}/"
    client.get(path)  # the first request after sign-in stamps the session
    sql = queries_of(client, path)
    assert len(sql) <= QUERIES[persona], "\n".join(s[:120] for s in sql)
    assert not [s for s in sql if s.startswith(('UPDATE "django_session"', "BEGIN", "COMMIT"))]
    assert not [s for s in sql if s.startswith(('SELECT "governance_unit"', 'SELECT "grids_region"'))]
    assert not [s for s in sql if "visits_visitissue" in s and "disputes_case" not in s]


def page_text(client, path: str) -> str:
    """The page without what differs from one response to the next (CSRF token, CSP nonce)."""
    html = client.get(path).content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", html)  # submission tokens
    return re.sub(r"[A-Za-z0-9]{64}", "", html)  # the CSRF token in the page's data attribute


@pytest.mark.parametrize("persona", list(QUERIES))
def test_the_page_is_the_same_with_the_planner_hint_and_the_joined_banner(org, login, monkeypatch, persona):
    """A case turned from a night-visit issue: the banner, the link for those who may open the
    visit, the parties, the steps and the forms are what the page showed before the change."""
    visit = held(org)
    item = issue(org, visit, Ending.CASE)
    case = item.case
    case = services.accept_case(
        case=case,
        by=org["township_officer"],
        category=case.category or Category.objects.first(),
        risk_level=RiskLevel.objects.order_by("severity").first(),
        version=case.version,
    )
    case = advance(org, case, Status.IN_PROGRESS)  # the police station handles it
    if persona == "mediator":
        case.co_units.add(org.mediation_a)
    client = login(org[persona])
    path = f"/cases/{case.number}/"
    fast = page_text(client, path)
    assert "来自平安夜访" in fast and "首访负责领导" in fast

    def old_scoped_case(request, number, *, detail=False):  # the fetch as it was: no hint, the issue asked apart
        with monkeypatch.context() as m:
            m.setattr(views, "joins_as_written", contextlib.nullcontext)
            found = original(request, number, detail=False)
        if detail:
            found = (
                type(found)
                .objects.prefetch_related(
                    "co_units",
                    "parties",
                    "attachments__uploaded_by",
                    "extensions__requested_by",
                    "supervisions__leader",
                )
                .select_related(
                    "township", "village", "grid", "category", "risk_level", "lead_unit", "intake_unit", "registered_by"
                )
                .get(pk=found.pk)
            )
        return found

    original = views.scoped_case
    monkeypatch.setattr(views, "scoped_case", old_scoped_case)
    assert page_text(client, path) == fast
