"""联合调处: what a co-handling unit may do on a case and what stays the lead unit's (issue 18).
Its staff add progress and materials; staff of a unit that has nothing to do with the case do
not, even when they can read it; signing, reporting, the extension, the clock and the answer to a
supervision are the lead unit's alone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes import services
from disputes.models import Attachment, CaseEvent, Hold, Status
from governance.models import Role, Unit
from tests.disputes.conftest import intake
from tests.factories import make_user

NO_RIGHT = "您无权对该案件进行此操作"
NO_MATERIALS = "您无权为该案件上传材料"


def pdf(name: str = "调解记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF", content_type="application/pdf")


def upload(client, case):
    """The 上传材料 form posted as the page would (a fresh token when the page offers no form)."""
    page = client.get(f"/cases/{case.number}/").content.decode()
    marker = 'name="attachment-submission" value="'
    token = page.split(marker)[1].split('"')[0] if marker in page else str(uuid.uuid4())
    data = {"attachment-submission": token, "attachment-kind": "evidence", "attachment-file": pdf()}
    return client.post(f"/cases/{case.number}/attachments/", data, follow=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def co_handled(org):
    """A case of 甲镇 led by 甲镇派出所 with 甲镇人民调解委员会 as co-handling unit."""
    case = intake(org)
    return services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.police_a,
        co_units=[org.mediation_a],
        due=timezone.localdate() + timedelta(days=10),
        version=case.version,
    )


@pytest.fixture
def stranger(org):
    """A handler of 甲镇司法所, a unit of the same township with no part in the case."""
    unit = Unit.objects.create(
        code="A-JUSTICE", name="甲镇司法所", kind=Unit.Kind.DEPARTMENT, sector=Unit.Sector.JUSTICE, region=org.town_a
    )
    return make_user("justice_a", Role.HANDLER, unit)


def test_co_handling_staff_add_materials(org, co_handled, media, login):
    client = login(org["mediator"])
    page = client.get(f"/cases/{co_handled.number}/").content.decode()
    assert 'name="attachment-submission"' in page  # the form is offered
    response = upload(client, co_handled)
    assert "材料已上传" in response.content.decode()
    attachment = Attachment.objects.get()
    assert (attachment.case, attachment.uploaded_by) == (co_handled, org["mediator"])
    assert co_handled.events.filter(action=CaseEvent.Action.ATTACH, actor=org["mediator"]).exists()


def test_staff_of_an_unrelated_unit_add_neither_progress_nor_materials(org, co_handled, stranger, media):
    with pytest.raises(services.TransitionRefused, match=NO_MATERIALS):
        services.add_attachment(case=co_handled, by=stranger, upload=pdf(), kind="evidence")
    with pytest.raises(services.TransitionRefused, match=NO_RIGHT):
        services.add_progress(case=co_handled, by=stranger, note="代为填写")
    assert not Attachment.objects.exists()
    assert not co_handled.events.filter(action=CaseEvent.Action.PROGRESS).exists()


def test_a_person_named_on_the_case_reads_it_but_adds_no_materials(org, co_handled, stranger, media, login):
    # Named on the case (a consulted expert) to read it, not made a co-handling unit.
    services.grant_case_access(case=co_handled, by=org["township_officer"], person=stranger)
    client = login(stranger)
    page = client.get(f"/cases/{co_handled.number}/").content.decode()
    assert 'data-testid="action-progress"' not in page
    assert 'name="attachment-submission"' not in page
    assert NO_MATERIALS in upload(client, co_handled).content.decode()
    assert not Attachment.objects.exists()


def test_a_co_handling_unit_leaves_the_lead_units_steps_to_it(org, co_handled):
    mediator = org["mediator"]
    with pytest.raises(services.TransitionRefused, match=NO_RIGHT):
        services.sign_case(case=co_handled, by=mediator, version=co_handled.version)
    case = services.sign_case(case=co_handled, by=org["police"], version=co_handled.version)
    assert case.status == Status.IN_PROGRESS
    with pytest.raises(services.TransitionRefused, match=NO_RIGHT):
        services.pause_clock(case=case, by=mediator, reason=Hold.MATERIALS, note="等材料", version=case.version)
    with pytest.raises(services.TransitionRefused, match="只有主办单位在办理期间可以申请延期"):
        services.request_extension(case=case, by=mediator, days=5, reason="双方需再次协商")
    with pytest.raises(services.TransitionRefused, match=NO_RIGHT):
        services.report_case(
            case=case, by=mediator, outcome="resolved", routes=[], summary="已调结", version=case.version
        )
    supervision = services.supervise_case(
        case=case, by=org["leader"], instruction="限期化解", due=timezone.localdate() + timedelta(days=5)
    )
    with pytest.raises(services.TransitionRefused, match="只有承办单位可以回复督办"):
        services.answer_supervision(supervision=supervision, by=mediator, answer="调委会在跟进")
    case.refresh_from_db()
    assert (case.status, case.hold) == (Status.IN_PROGRESS, Hold.RUNNING)
    assert not case.extensions.exists()
    services.request_extension(case=case, by=org["police"], days=5, reason="双方需再次协商")
    assert case.extensions.count() == 1


def test_a_unit_no_longer_co_handling_after_a_reopen_adds_nothing(org, co_handled, media):
    # A reopened case is dispatched afresh: the former co-handling unit is not on it any more.
    case = services.sign_case(case=co_handled, by=org["police"], version=co_handled.version)
    case = services.report_case(
        case=case, by=org["police"], outcome="resolved", routes=[], summary="已调结", version=case.version
    )
    case = services.approve_case(case=case, by=org["township_officer"], version=case.version)
    case = services.evaluate_case(case=case, by=org["township_officer"], satisfaction="satisfied", version=case.version)
    case = services.reopen_case(case=case, by=org["township_officer"], reason="当事人再次反映", version=case.version)
    assert not case.co_units.exists()
    with pytest.raises(services.TransitionRefused, match=NO_MATERIALS):
        services.add_attachment(case=case, by=org["mediator"], upload=pdf(), kind="evidence")
