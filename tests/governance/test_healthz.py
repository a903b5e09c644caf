import pytest

from governance.celery import app
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
