"""Redis is an optimisation: with the cache unreachable every page and the overdue scan still
answer, from the database. A private redis-server is started and killed here; the suite's shared
Redis (the broker) is never touched."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command

from disputes.models import Status
from governance.cache import outages
from governance.memo import forget_all
from tests.disputes.conftest import advance, intake


class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # Append-only with fsync on every write, so a restart finds what was there before the kill.
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "the private redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_cache(settings, tmp_path):
    """The configured cache backend and options, pointed at a redis-server of this test's own."""
    server = PrivateRedis(tmp_path)
    server.start()
    configured = settings.CACHES["default"]
    if "Redis" not in configured["BACKEND"]:
        pytest.skip("run under scripts/test (REDIS_URL)")
    options = {**configured.get("OPTIONS", {}), "RETRY_SECONDS": 0}
    # Changing CACHES makes Django drop its cache connections (django.test.signals).
    settings.CACHES = {"default": {**configured, "LOCATION": server.url, "OPTIONS": options}}
    outages.reset()
    yield server
    server.stop()
    settings.CACHES = {"default": configured}
    outages.reset()


def test_pages_and_the_overdue_scan_work_while_redis_is_down(org, login, private_cache, caplog):
    case = advance(org, intake(org), Status.IN_PROGRESS)
    county = login(org["county_officer"])
    pages = ["/", "/cases/", "/cases/work/", "/cases/supervision/", f"/cases/{case.number}/"]
    for page in pages:
        assert county.get(page).status_code == 200, page
    call_command("run_overdue_scan")
    assert redis.Redis.from_url(private_cache.url).dbsize() > 0  # the pages did use this cache

    private_cache.stop()
    forget_all()  # the few seconds' memo in front of the cache would hide the outage
    with caplog.at_level(logging.WARNING, logger="governance.cache"):
        for page in pages:
            forget_all()
            response = county.get(page)
            assert response.status_code == 200, page
        call_command("run_overdue_scan")
    assert case.summary in county.get("/cases/").content.decode()
    warnings = [r for r in caplog.records if r.name == "governance.cache"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # once per outage, not per call
    assert "unavailable" in warnings[0].getMessage()


def test_a_write_missed_during_the_outage_is_undone_when_redis_returns(db, private_cache, caplog):
    raw = redis.Redis.from_url(private_cache.url)
    cache.set("calendar", "old")
    assert cache.get("calendar") == "old"
    private_cache.stop()

    cache.delete("calendar")  # an admin's edit clears the copy: Redis does not answer
    assert cache.get("calendar") is None  # a miss: the caller reads the database

    private_cache.start()
    assert raw.dbsize() == 1  # the restarted Redis still holds the stale copy
    with caplog.at_level(logging.WARNING, logger="governance.cache"):
        assert cache.get("calendar") is None  # the first answer after the outage deletes it
    assert raw.dbsize() == 0
    assert "available again" in caplog.text
