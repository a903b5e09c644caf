"""Celery against the real Redis the test command starts, with a real worker process."""

import pytest
from django.conf import settings

from governance.celery import app
from governance.models import Heartbeat
from governance.tasks import heartbeat, ping

pytestmark = pytest.mark.celery


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
