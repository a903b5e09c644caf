from datetime import timedelta

import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from governance.models import AuditEvent
from tests.factories import PASSWORD


def attempt(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_login_records_an_audit_event(org, client):
    response = attempt(client, "township_officer", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert event.user == org["township_officer"]
    assert event.ip_address == "127.0.0.1"


def test_wrong_password_shows_chinese_message_and_is_recorded(org, client):
    response = attempt(client, "township_officer", "Wrong#2026")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="township_officer").count() == 1


def test_empty_login_form_explains_what_is_missing(db, client):
    body = attempt(client, "", "").content.decode()
    assert "请输入用户名" in body
    assert "请输入密码" in body


def test_unknown_user_gets_the_same_message(db, client):
    response = attempt(client, "nobody", "Wrong#2026")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_five_failures_lock_the_account_for_thirty_minutes(org, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            assert attempt(client, "township_officer", "Wrong#2026").status_code == 200
        locked = attempt(client, "township_officer", "Wrong#2026")
        assert locked.status_code == 429
        assert "已被锁定" in locked.content.decode()
        assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT, username="township_officer").exists()

        # The right password does not help while locked.
        clock.shift(timedelta(minutes=29))
        refused = attempt(client, "township_officer", PASSWORD)
        assert refused.status_code == 429
        assert "30 分钟后再试" in refused.content.decode()
        # Each attempt is recorded once: five failures, then the refused one.
        failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="township_officer")
        assert failed.count() == 6

        # Another account on the same computer is not affected (the lock is per account).
        assert attempt(client, "police", PASSWORD).status_code == 302
        client.post("/logout/")

        clock.shift(timedelta(minutes=2))
        assert attempt(client, "township_officer", PASSWORD).status_code == 302
    # A success clears the failures.
    assert not AccessAttempt.objects.filter(username="township_officer", failures_since_start__gt=0).exists()


def test_four_failures_then_success_do_not_lock(org, client):
    for _ in range(4):
        attempt(client, "township_officer", "Wrong#2026")
    assert attempt(client, "township_officer", PASSWORD).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).exists()


def test_idle_session_ends_after_thirty_minutes(org, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert attempt(client, "township_officer", PASSWORD).status_code == 302
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity renews the 30 minutes
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_logout_is_recorded(org, login, client):
    login(org["police"])
    client.post("/logout/")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, username="police").exists()
    assert client.get("/").status_code == 302
