from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from governance.celery import app
from governance.models import Heartbeat
from governance.tasks import beat_heartbeat


def test_healthz_reports_database_broker_and_heartbeat(db, client):
    first = client.get("/healthz").json()
    assert first["database"] == "ok"
    assert first["broker"] == "ok"
    assert first["last_heartbeat_age_seconds"] is None

    beat_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["last_heartbeat_age_seconds"] <= 2
    assert report["scheduler"] == "ok"
    assert report["last_scan_age_seconds"] == {}
    beat_heartbeat("zero_report_check")
    assert client.get("/healthz").json()["last_scan_age_seconds"]["zero_report_check"] <= 2


@pytest.mark.celery
def test_healthz_fails_when_the_broker_is_down(db, client, monkeypatch):
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    # Pages do not need the broker (nor Redis at all): the web container stays healthy.
    assert client.get("/healthz?scope=web").status_code == 200


def test_healthz_answers_503_when_the_heartbeat_is_stale(db, client, settings):
    settings.HEARTBEAT_STALE_SECONDS = 300
    Heartbeat.objects.create(name="heartbeat", at=timezone.now() - timedelta(seconds=301))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["scheduler"] == "stale"
    # The web container's own check asks only what the web process needs: a dead beat is not
    # a reason to mark every web container unhealthy.
    web = client.get("/healthz?scope=web")
    assert web.status_code == 200
    assert web.json()["scheduler"] == "stale"

    beat_heartbeat()
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_503_when_no_heartbeat_was_ever_recorded(db, client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["scheduler"] == "missing"
    assert client.get("/healthz?scope=web").status_code == 200


def test_healthcheck_command_fails_on_a_stale_scheduler(db, settings):
    Heartbeat.objects.create(
        name="heartbeat", at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS + 5)
    )
    with pytest.raises(CommandError, match="scheduler"):
        call_command("healthcheck", "scheduler")
    call_command("healthcheck", "database")
    beat_heartbeat()
    call_command("healthcheck", "scheduler")
