"""Out-of-scope lookups, configuration changes in /admin/ and request ids in the audit log."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.utils import timezone

from governance.models import AuditEvent, CalendarDay
from governance.services import purge_audit_log


def test_an_out_of_scope_object_is_audited_with_the_request_id(org, login):
    # 990101002001 is a village of 乙镇: outside the township officer's jurisdiction.
    client = login(org["township_officer"])
    response = client.get("/regions/990101002001/", HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "proxy-1234abcd"
    event = AuditEvent.objects.get(action=AuditEvent.Action.NOT_FOUND)
    assert event.user == org["township_officer"]
    assert event.path == "/regions/990101002001/"
    assert event.request_id == "proxy-1234abcd"
    # An unknown address is not a lookup of someone else's object.
    assert client.get("/no-such-page/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NOT_FOUND).count() == 1


def test_a_malformed_request_id_is_replaced(db, client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nforged log line")
    given = response["X-Request-ID"]
    assert given != "bad id\nforged log line" and len(given) == 32 and given.isalnum()
    assert client.get("/healthz")["X-Request-ID"] != given  # one per request


def test_every_log_line_of_a_request_carries_its_id(org, login, monkeypatch):
    # The console handler of settings.LOGGING, with its request-id filter, as Django set it up.
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    lines: list[str] = []
    monkeypatch.setattr(handler, "emit", lambda record: lines.append(handler.format(record)))
    client = login(org["township_officer"])
    client.get("/regions/990101002001/", HTTP_X_REQUEST_ID="req-5678efgh")  # Django logs the 404
    assert any("[req-5678efgh]" in line and "Not Found" in line for line in lines), lines
    logging.getLogger("governance").warning("outside any request")
    assert lines[-1].split(" ")[3] == "[-]"


def test_configuration_changes_in_the_admin_are_audited(org, login):
    client = login(org["sysadmin"])
    response = client.post(
        "/admin/governance/calendarday/add/",
        {"date": "2031-01-01", "is_working_day": "", "name": "元旦"},
        HTTP_X_REQUEST_ID="admin-req-0001",
    )
    assert response.status_code == 302, response.content.decode()[:500]
    day = CalendarDay.objects.get(date=date(2031, 1, 1))
    client.post(
        f"/admin/governance/calendarday/{day.pk}/change/", {"date": "2031-01-01", "is_working_day": "", "name": "新年"}
    )
    other = CalendarDay.objects.create(date=date(2031, 1, 2), is_working_day=False, name="元旦")
    # Deleting several at once: the admin saves these log entries with bulk_create.
    response = client.post(
        "/admin/governance/calendarday/",
        {"action": "delete_selected", "_selected_action": [day.pk, other.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()

    events = AuditEvent.objects.filter(action__startswith="admin_").order_by("id")
    assert [e.action for e in events] == ["admin_addition", "admin_change", "admin_deletion", "admin_deletion"]
    assert all(e.user == org["sysadmin"] and e.ip_address == "127.0.0.1" for e in events)
    assert events[0].request_id == "admin-req-0001"
    assert "governance.calendarday" in events[0].detail and "元旦" in events[0].detail
    assert "新年" in events[1].detail


def test_purge_keeps_at_least_180_days(db, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # a shorter setting is raised to the minimum
    old = AuditEvent.objects.create(action="login", at=timezone.now() - timedelta(days=181))
    recent = AuditEvent.objects.create(action="login", at=timezone.now() - timedelta(days=179))
    assert purge_audit_log() == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PURGED).exists()
