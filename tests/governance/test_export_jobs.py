"""Exports in the background (governance/export_jobs.py): a real worker writes each person's ledger
as their case list shows it; progress while it runs; only the owner downloads; a day later the
file is gone; a broker that does not answer keeps the job waiting; the same request twice is one
job; a person whose post changed gets no file; the task's queries per chunk are fixed."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from disputes import exports, services
from disputes.models import Case, Category, Party, RiskLevel, Status
from governance import export_jobs
from governance.celery import app
from governance.export_jobs import expire_export_jobs, run_export_job
from governance.models import AuditEvent, ExportJob, Role
from tests.disputes.conftest import advance, intake
from tests.factories import PERSONAS

URL = "/cases/export.xlsx"
CASE_ROLES = ("county_officer", "township_officer", "police", "mediator", "leader", "township_leader", "outsider")


def make_cases(org) -> None:
    """甲镇: a submission and three cases walked to registered, in progress (甲镇派出所) and closed;
    乙镇: one of the outsider's."""
    intake(org, channel="hotline_12345")
    for status in (Status.REGISTERED, Status.IN_PROGRESS, Status.CLOSED):
        advance(org, intake(org, summary=f"甲镇{status}纠纷"), status)
    services.intake_case(
        by=org["outsider"],
        data=services.IntakeData(
            channel="visit",
            township=org.town_b,
            village=org.village_b1,
            summary="乙镇的土地纠纷",
            category=Category.objects.get(code="neighbourhood"),
            risk_level=RiskLevel.objects.get(code="blue"),
            parties=[services.PartyData(role=Party.Role.APPLICANT, name="王五")],
        ),
    )


def ask(client, query: str = "") -> ExportJob:
    response = client.post(URL + (f"?{query}" if query else ""))
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == "/exports/"
    return ExportJob.objects.latest("id")


def file_numbers(content: bytes) -> set[str]:
    ws = load_workbook(BytesIO(content))[exports.SHEET_TITLE]
    return {row[1] for row in ws.iter_rows(min_row=exports.HEADER_ROW + 1, values_only=True) if row[1]}


def list_numbers(client, query: str = "") -> set[str]:
    page = client.get("/cases/" + (f"?{query}" if query else "")).content.decode()
    return set(re.findall(r'class="font-monospace">([^<]+)</a>', page))


def download(client, job: ExportJob):
    return client.get(f"/exports/{job.pk}/download/")


# --- The worker ----------------------------------------------------------------------------------


@pytest.mark.celery
def test_worker_writes_each_persons_ledger_as_their_case_list_shows_it(org, login, worker):
    make_cases(org)
    clients = {persona: login(org[persona]) for persona in CASE_ROLES}
    queries = ("", "status=in_progress")
    jobs = {(persona, query): ask(client, query) for persona, client in clients.items() for query in queries}

    deadline = time.monotonic() + 60
    while ExportJob.objects.filter(state__in=ExportJob.LIVE_STATES).exists():
        assert time.monotonic() < deadline, list(ExportJob.objects.values_list("pk", "state"))
        time.sleep(0.2)

    for (persona, query), job in jobs.items():
        job.refresh_from_db()
        client = clients[persona]
        assert job.state == ExportJob.State.DONE, (persona, query, job.error)
        response = download(client, job)
        assert response.status_code == 200
        shown = list_numbers(client, query)
        assert file_numbers(b"".join(response.streaming_content)) == shown, (persona, query)
        assert job.rows_written == job.rows_total == len(shown)
        assert client.get(f"/exports/{job.pk}/status/").json()["percent"] == 100
    # The scopes differ as they should: 甲镇's clerk 4, the outsider 1, the county 5, the police the
    # two dispatched to 甲镇派出所.
    counts = [jobs[p, ""].rows_written for p in ("township_officer", "outsider", "county_officer", "police")]
    assert counts == [4, 1, 5, 2]


# --- Progress, queries ---------------------------------------------------------------------------


def test_progress_is_reported_after_each_chunk_and_the_page_reads_it(org, login, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for _ in range(5):
        intake(org)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    client = login(org["township_officer"])
    job = ask(client)
    queued = client.get(f"/exports/{job.pk}/status/").json()
    assert (queued["state"], queued["live"], queued["percent"]) == ("queued", True, 0)

    seen = []
    advance_rows = export_jobs.Progress.advance

    def watched(progress, rows):
        advance_rows(progress, rows)
        status = client.get(f"/exports/{job.pk}/status/").json()
        seen.append((status["state"], status["percent"], status["rows"]))

    monkeypatch.setattr(export_jobs.Progress, "advance", watched)
    assert run_export_job(job.pk) == "done"
    assert seen == [("running", 40, "2 / 5 行"), ("running", 80, "4 / 5 行"), ("running", 99, "5 / 5 行")]
    done = client.get(f"/exports/{job.pk}/status/").json()
    assert (done["state"], done["live"], done["percent"]) == ("done", False, 100)
    assert done["download_url"] == f"/exports/{job.pk}/download/"
    page = client.get("/exports/").content.decode()
    assert f'href="/exports/{job.pk}/download/"' in page and "100%" in page


def test_the_tasks_queries_per_chunk_are_fixed(org, login, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    client = login(org["township_officer"])
    counts = []
    for _chunks in (1, 2, 3):
        intake(org)
        intake(org)
        job = ask(client)
        with CaptureQueriesContext(connection) as queries:
            assert run_export_job(job.pk) == "done"
        counts.append(len(queries.captured_queries))
    # Per chunk: its parties, its co-units, the progress update. Nothing per row.
    assert counts[1] - counts[0] == counts[2] - counts[1] == 3


# --- Who may download, for how long --------------------------------------------------------------


@pytest.fixture
def done_job(org, login, settings, tmp_path) -> ExportJob:
    settings.MEDIA_ROOT = tmp_path
    intake(org)
    job = ask(login(org["township_officer"]))
    assert run_export_job(job.pk) == "done"
    job.refresh_from_db()
    return job


def test_another_persons_job_answers_404_to_every_persona(org, login, done_job):
    for persona in PERSONAS:
        if persona == "township_officer":
            continue
        other = login(org[persona])
        assert download(other, done_job).status_code == 404, persona
        assert other.get(f"/exports/{done_job.pk}/status/").status_code == 404, persona
        assert "全部案件" not in other.get("/exports/").content.decode()
    owner = login(org["township_officer"])
    response = download(owner, done_job)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    assert file_numbers(b"".join(response.streaming_content)) == set(Case.objects.values_list("number", flat=True))
    anonymous = Client().get(f"/exports/{done_job.pk}/download/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


@pytest.mark.parametrize("persona", ["grid_worker", "sysadmin", "security_admin", "auditor"])
def test_who_may_ask_for_no_export_has_no_exports_page(org, login, persona):
    response = login(org[persona]).get("/exports/")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED, user=org[persona]).exists()


def test_the_file_is_removed_after_a_day(org, login, done_job):
    path = Path(done_job.file.path)
    assert path.exists()
    with time_machine.travel(done_job.finished_at + timedelta(hours=23), tick=False):
        assert expire_export_jobs()["expired"] == 0
        assert download(login(org["township_officer"]), done_job).status_code == 200
    with time_machine.travel(done_job.finished_at + timedelta(hours=24, minutes=5), tick=False):
        owner = login(org["township_officer"])
        assert download(owner, done_job).status_code == 404  # past its day even before the sweep
        assert expire_export_jobs()["expired"] == 1
        assert not path.exists()
        done_job.refresh_from_db()
        assert (done_job.state, done_job.file.name) == (ExportJob.State.EXPIRED, "")
        assert "已过期" in owner.get("/exports/").content.decode()
        assert download(owner, done_job).status_code == 404


def test_a_person_whose_post_changed_gets_no_file(org, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    intake(org)
    officer = org["township_officer"]
    client = login(officer)

    # Moved to 乙镇 between asking and the worker's turn: the job fails, nothing written.
    job = ask(client)
    officer.unit = org.center_b
    officer.save(update_fields=["unit"])
    assert run_export_job(job.pk) == "failed"
    job.refresh_from_db()
    assert "岗位或单位在申请导出后已变更" in job.error and not job.file
    assert not list(tmp_path.rglob("*.xlsx"))

    # Moved back, the file written; then the role taken away: the file is no longer handed out.
    officer.unit = org.center_a
    officer.save(update_fields=["unit"])
    job = ask(client, "status=registered")
    assert run_export_job(job.pk) == "done"
    officer.groups.add(officer.groups.model.objects.get(name=Role.LEADER))
    officer.groups.remove(officer.groups.model.objects.get(name=Role.TOWNSHIP_STAFF))
    assert download(client, job).status_code == 404
    assert client.get(f"/exports/{job.pk}/status/").json()["state_label"] == "已失效"


# --- Bad input, double clicks, the broker down ----------------------------------------------------


def test_the_same_request_twice_gives_the_running_job(org, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    intake(org)
    client = login(org["township_officer"])
    first = ask(client, "status=registered")
    response = client.post(f"{URL}?status=registered", follow=True)
    assert "相同条件的导出正在进行" in response.content.decode()
    assert ExportJob.objects.count() == 1
    other = ask(client, "status=in_progress")  # another filter is another job
    assert other.pk != first.pk
    assert run_export_job(first.pk) == "done"
    assert run_export_job(first.pk) == "not queued"  # a duplicate delivery changes nothing
    again = ask(client, "status=registered")  # finished: asking again makes a new file
    assert again.pk not in (first.pk, other.pk)
    requests = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, detail__startswith="申请导出")
    assert requests.count() == 3


@pytest.fixture
def broker_down():
    """The broker's address pointed at a port nobody listens on, as when Redis is down."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = app.conf.broker_url

    def use(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    use(f"redis://127.0.0.1:{port}/0")
    yield
    use(before)


def test_a_broker_that_does_not_answer_keeps_the_job_waiting_with_a_message(
    org, login, settings, tmp_path, broker_down
):
    settings.MEDIA_ROOT = tmp_path
    intake(org)
    client = login(org["township_officer"])
    started = time.monotonic()
    response = client.post(URL, follow=True)
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    page = response.content.decode()
    assert "任务队列暂时无法连接，导出请求已保存，恢复后将自动开始。" in page
    job = ExportJob.objects.get()
    assert (job.state, job.enqueued_at) == (ExportJob.State.QUEUED, None)
    assert client.get(f"/exports/{job.pk}/status/").json()["error"].startswith("任务队列暂时无法连接")

    # Still down: the sweep tries again and keeps it waiting (the next test: the broker answers).
    assert expire_export_jobs(timezone.now() + timedelta(minutes=2))["resent"] == 0
    job.refresh_from_db()
    assert (job.state, job.enqueued_at) == (ExportJob.State.QUEUED, None)


def test_the_waiting_job_is_sent_once_the_broker_answers(org, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    intake(org)
    job = ask(login(org["township_officer"]))
    ExportJob.objects.filter(pk=job.pk).update(
        enqueued_at=None, error="任务队列暂时无法连接，导出请求已保存，恢复后将自动开始。"
    )
    assert expire_export_jobs(timezone.now())["resent"] == 0  # not a minute old yet
    assert expire_export_jobs(timezone.now() + timedelta(minutes=2))["resent"] == 1
    job.refresh_from_db()
    assert job.enqueued_at is not None and job.error == ""


def test_a_job_whose_worker_died_is_failed_and_old_jobs_are_forgotten(org, login, done_job):
    stuck = ask(login(org["township_officer"]), "status=registered")
    ExportJob.objects.filter(pk=stuck.pk).update(state=ExportJob.State.RUNNING, started_at=timezone.now())
    later = timezone.now() + timedelta(hours=3)
    assert expire_export_jobs(later)["stale"] == 1
    stuck.refresh_from_db()
    assert (stuck.state, stuck.error) == (ExportJob.State.FAILED, "导出中断，请重新导出。")
    assert expire_export_jobs(timezone.now() + timedelta(days=31))["forgotten"] == 2
    assert not ExportJob.objects.exists()
