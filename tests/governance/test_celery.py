"""Celery against the real Redis the test command starts, with a real worker process."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from governance.celery import app
from governance.models import Heartbeat
from governance.tasks import heartbeat, ping

pytestmark = pytest.mark.celery


@pytest.fixture
def worker(transactional_db):
    """A `celery worker` process on the test database and the test Redis."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "run the suite with scripts/test (needs REDIS_URL)"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    assert connection.vendor == "postgresql"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "governance", "worker", "--pool", "solo", "--loglevel", "WARNING"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the worker did not answer within 60 s"
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_worker_runs_the_health_tasks(worker):
    assert ping.delay().get(timeout=30) == "pong"
    assert not Heartbeat.objects.exists()
    stamp = heartbeat.delay().get(timeout=30)
    beat = Heartbeat.objects.get(name="heartbeat")
    assert beat.at.isoformat() == stamp


def test_beat_schedules_the_heartbeat():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["heartbeat"]["task"] == heartbeat.name
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
