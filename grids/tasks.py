from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from governance.tasks import beat_heartbeat
from grids.zero_report import run_zero_report_check

CATCH_UP_DAYS = 3


@shared_task(name="grids.tasks.zero_report_check")
def zero_report_check() -> list[str]:
    """Today and the days before it: after hours with Redis or the worker down, the next run
    catches up; reminders already sent are not sent again."""
    today = timezone.localdate()
    results = [str(run_zero_report_check(today - timedelta(days=n))) for n in range(CATCH_UP_DAYS, -1, -1)]
    beat_heartbeat("zero_report_check")
    return results
