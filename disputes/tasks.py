from __future__ import annotations

from celery import shared_task


@shared_task(name="disputes.tasks.warning_scan")
def warning_scan() -> str:
    """Every 15 minutes: the warnings owed now, each raised once (see disputes/warnings.py)."""
    from disputes.warnings import run_warning_scan

    return str(run_warning_scan())
