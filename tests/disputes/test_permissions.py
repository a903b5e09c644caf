"""Every case view for every role: allowed (200), refused (403) or not found (404)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from disputes import services
from disputes.models import Case, Status
from tests.factories import PERSONAS

CASE_ROLES = {"county_officer", "township_officer", "police", "mediator", "leader", "township_leader", "outsider"}
INTAKE_ROLES = {"county_officer", "township_officer", "outsider"}


def expect(allowed: set[str], hidden: set[str] = frozenset()) -> dict[str, int]:
    """200 for `allowed`, 404 for `hidden` (has the menu entry, but not this case), else 403."""
    return {p: 200 if p in allowed else 404 if p in hidden else 403 for p in PERSONAS}


# A case of 甲镇 in progress at 甲镇派出所: who sees it.
SEES_A = {"county_officer", "township_officer", "police", "leader", "township_leader"}
# A case of 乙镇 registered by the outsider's center.
SEES_B = {"county_officer", "leader", "outsider"}


@pytest.fixture
def cases(org, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case_a = make_case(Status.IN_PROGRESS)
    services.add_attachment(
        case=case_a,
        by=org["police"],
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf"),
        kind="evidence",
    )
    case_b = services.intake_case(
        by=org["outsider"],
        data=services.IntakeData(
            channel="visit",
            township=org.town_b,
            village=org.village_b1,
            summary="乙镇的纠纷",
            category=case_a.category,
            risk_level=case_a.risk_level,
            parties=[services.PartyData(role="applicant", name="钱八")],
        ),
    )
    return case_a, case_b


def paths(case_a: Case, case_b: Case) -> dict[str, dict[str, int]]:
    attachment = case_a.attachments.get()
    return {
        "/cases/": expect(CASE_ROLES),
        "/cases/work/": expect(CASE_ROLES),
        "/cases/new/": expect(INTAKE_ROLES),
        "/exports/": expect(CASE_ROLES),  # 我的导出: who may ask for the ledger
        f"/cases/{case_a.number}/": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/cases/{case_a.number}/receipt/": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/cases/{case_a.number}/dispatch-order/": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/cases/{case_a.number}/attachments/{attachment.pk}/": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/cases/{case_b.number}/": expect(SEES_B, CASE_ROLES - SEES_B),
        f"/cases/{case_b.number}/receipt/": expect(SEES_B, CASE_ROLES - SEES_B),
        "/cases/2026-999-99999/": expect(set(), CASE_ROLES),
    }


def test_every_case_page_answers_every_role(org, login, cases):
    case_a, case_b = cases
    table = paths(case_a, case_b)
    for persona in PERSONAS:
        client = login(org[persona])
        for path, expected in table.items():
            response = client.get(path)
            assert response.status_code == expected[persona], (persona, path, response.status_code)
            if response.status_code == 404:
                body = response.content.decode()
                assert case_a.summary not in body and case_b.summary not in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_posting_a_step_is_refused_to_everyone_but_its_owner(org, login, cases, persona):
    case_a, _case_b = cases
    client = login(org[persona])
    before = case_a.version
    response = client.post(
        f"/cases/{case_a.number}/act/report/",
        {"report-version": before, "report-outcome": "resolved", "report-summary": "已化解"},
    )
    case_a.refresh_from_db()
    if persona == "police":
        assert response.status_code == 302
        assert case_a.status == Status.PENDING_REVIEW
    else:
        assert case_a.status == Status.IN_PROGRESS and case_a.version == before
        # Seen but not theirs: the page says so; not seen: 404; no case menu: 403.
        expected = 403 if persona not in CASE_ROLES else 302 if persona in SEES_A else 404
        assert response.status_code == expected
        if response.status_code == 302:
            page = client.get(response["Location"]).content.decode()
            assert "您无权对该案件进行此操作" in page


def test_progress_and_attachment_posts_are_scoped(org, login, cases, settings, tmp_path):
    case_a, _case_b = cases
    outsider = login(org["outsider"])
    assert outsider.post(f"/cases/{case_a.number}/progress/", {"progress-note": "x"}).status_code == 404
    leader = login(org["leader"])
    response = leader.post(f"/cases/{case_a.number}/progress/", {"progress-note": "x"})
    assert response.status_code == 302
    assert "您无权" in leader.get(response["Location"]).content.decode()
    assert not case_a.events.filter(action="progress").exists()


def test_unknown_action_is_not_found(org, login, cases):
    case_a, _case_b = cases
    assert login(org["township_officer"]).post(f"/cases/{case_a.number}/act/delete/").status_code == 404


def test_named_mediator_sees_the_case_through_a_grant(org, login, cases):
    case_a, _case_b = cases
    mediator = org["mediator"]
    assert login(mediator).get(f"/cases/{case_a.number}/").status_code == 404
    services.grant_case_access(case=case_a, by=org["township_officer"], person=mediator)
    from django.test import Client

    client = Client()
    client.force_login(mediator)
    assert client.get(f"/cases/{case_a.number}/").status_code == 200
    assert Case.objects.visible_to(mediator).filter(pk=case_a.pk).exists()


def test_co_handling_unit_sees_the_case(org, make_case):
    case = make_case(Status.REGISTERED)
    from datetime import timedelta

    from django.utils import timezone

    services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.police_a,
        co_units=[org.mediation_a],
        due=timezone.localdate() + timedelta(days=5),
        version=case.version,
    )
    assert Case.objects.visible_to(org["mediator"]).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(org["mediator"]).count() == 1
