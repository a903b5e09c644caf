"""One submission, one object: a create form sent twice, or five times at once, creates one row; the
repeats are sent to what the first one created (governance/submissions.py)."""

import re
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client

from disputes.models import Case
from governance.models import Submission
from mediation.models import Mediator, Organisation, Training
from tests.disputes.test_intake import form_data
from tests.factories import build_org


def token_of(response) -> str:
    match = re.search(r'name="submission" value="([0-9a-f-]{36})"', response.content.decode())
    assert match, "the form carries no submission token"
    return match.group(1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_five_concurrent_identical_intake_posts_make_one_case(transactional_db):
    org = build_org()
    officer = org["township_officer"]
    opener = Client()
    opener.force_login(officer)
    data = {**form_data(org), "submission": token_of(opener.get("/cases/new/"))}
    clients = []
    for _n in range(5):
        client = Client()
        client.force_login(officer)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    responses, errors = [], []

    def post(client: Client) -> None:
        try:
            barrier.wait()
            responses.append(client.post("/cases/new/", data))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert [r.status_code for r in responses] == [302] * 5
    assert {r["Location"] for r in responses} == {f"/cases/{case.number}/"}
    assert Submission.objects.get().url == f"/cases/{case.number}/"


def test_intake_sent_again_after_success_goes_to_the_case(org, login):
    client = login(org["township_officer"])
    data = {**form_data(org), "submission": token_of(client.get("/cases/new/"))}
    first = client.post("/cases/new/", data)
    again = client.post("/cases/new/", data, follow=True)
    case = Case.objects.get()
    assert first["Location"] == f"/cases/{case.number}/"
    assert again.redirect_chain[-1][0] == f"/cases/{case.number}/"
    assert "已经提交过" in again.content.decode()


def test_each_rendering_of_the_form_carries_a_new_token(org, login):
    client = login(org["township_officer"])
    assert token_of(client.get("/cases/new/")) != token_of(client.get("/cases/new/"))


def test_another_persons_token_creates_nothing_and_shows_nothing_of_theirs(org, login):
    token = str(uuid.uuid4())
    first = login(org["township_officer"])
    first.post("/cases/new/", {**form_data(org), "submission": token})
    other = login(org["county_officer"])
    response = other.post(
        "/cases/new/", {**form_data(org, summary="另一件纠纷"), "confirm_not_duplicate": "on", "submission": token}
    )
    assert Case.objects.count() == 1
    assert response.status_code == 302 and response["Location"] == "/cases/new/"


def test_mediator_and_training_forms_sent_twice_create_one_row(org, login):
    mediation = Organisation.objects.create(unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a)
    client = login(org["township_officer"])
    url = f"/mediation/organisations/{mediation.pk}/mediators/new/"
    data = {
        "name": "周调解",
        "role": "mediator",
        "phone": "",
        "employment": "part",
        "background": "five_elders",
        "certificate_no": "",
        "is_active": "on",
        "submission": token_of(client.get(url)),
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    mediator = Mediator.objects.get(name="周调解")

    page = client.get(f"/mediation/organisations/{mediation.pk}/mediators/{mediator.pk}/")
    training = {
        "training-date": "2026-03-01",
        "training-title": "人民调解法培训",
        "training-organiser": "县司法局",
        "training-hours": "4",
        "training-certificate": "",
        "training-submission": re.search(
            r'name="training-submission" value="([0-9a-f-]{36})"', page.content.decode()
        ).group(1),
    }
    training_url = f"/mediation/organisations/{mediation.pk}/mediators/{mediator.pk}/trainings/"
    client.post(training_url, training)
    client.post(training_url, training)
    assert Training.objects.filter(mediator=mediator).count() == 1


def test_an_attachment_or_progress_note_sent_twice_is_kept_once(org, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disputes.models import Attachment, CaseEvent, Status
    from tests.disputes.conftest import advance, intake
    from tests.disputes.test_intake import PNG

    settings.MEDIA_ROOT = tmp_path
    case = advance(org, intake(org), Status.IN_PROGRESS)
    client = login(org["police"])  # the handling unit: it may add materials and progress
    page = client.get(f"/cases/{case.number}/").content.decode()
    tokens = dict(re.findall(r'name="(attachment|progress)-submission" value="([0-9a-f-]{36})"', page))
    for _n in range(2):
        upload = SimpleUploadedFile("现场照片.png", PNG)
        client.post(
            f"/cases/{case.number}/attachments/",
            {"attachment-kind": "photo", "attachment-file": upload, "attachment-submission": tokens["attachment"]},
        )
        client.post(
            f"/cases/{case.number}/progress/",
            {"progress-note": "已电话联系双方", "progress-submission": tokens["progress"]},
        )
    assert Attachment.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, note="已电话联系双方").count() == 1
