"""The idle timer is renewed by writing the session at most once a minute (SESSION_REFRESH_SECONDS),
not on every request, and a session still never outlives SESSION_COOKIE_AGE without a request."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PASSWORD


def session_writes(client, path: str = "/") -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return sum(q["sql"].startswith('UPDATE "django_session"') for q in captured.captured_queries)


def test_activity_writes_the_session_once_a_minute_not_on_every_request(org, login):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login(org["police"])
        client.get("/")  # the first request after sign-in stamps it
        clock.shift(timedelta(seconds=20))
        assert session_writes(client) == 0
        clock.shift(timedelta(seconds=20))
        assert session_writes(client, "/cases/") == 0
        clock.shift(timedelta(seconds=settings.SESSION_REFRESH_SECONDS))
        assert session_writes(client) == 1
        assert session_writes(client) == 0


def test_a_session_never_outlives_the_idle_timeout_after_the_last_request(org, client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_REFRESH_SECONDS == 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert client.post("/login/", {"username": "police", "password": PASSWORD}).status_code == 302
        assert client.get("/").status_code == 200
        clock.shift(timedelta(seconds=50))
        assert client.get("/").status_code == 200  # not written: the timer runs from 50 s earlier
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # 29 min 50 s after the last write: still signed in, and written
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
