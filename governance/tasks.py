from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from governance.models import Heartbeat


def beat_heartbeat(name: str = "heartbeat") -> str:
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now})
    return now.isoformat()


@shared_task(name="governance.tasks.heartbeat")
def heartbeat() -> str:
    """Proves that beat schedules and a worker runs tasks against the database."""
    return beat_heartbeat()


@shared_task(name="governance.tasks.ping")
def ping() -> str:
    return "pong"


@shared_task(name="governance.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    deleted, _detail = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="governance.tasks.forget_public_attempts")
def forget_public_attempts() -> int:
    """The public pages' counted requests and spent SMS codes, once no limit reads them."""
    from governance.throttle import forget_old

    return forget_old()


@shared_task(name="governance.tasks.deliver_notices")
def deliver_notices() -> int:
    from governance.delivery import deliver_pending

    claimed = deliver_pending()
    beat_heartbeat("deliver_notices")
    return claimed


@shared_task(name="governance.tasks.overdue_scan")
def overdue_scan() -> str:
    """Every 15 minutes: what is owed now, derived from the database (see governance/reminders)."""
    from governance.reminders import run_overdue_scan

    return str(run_overdue_scan())


@shared_task(name="governance.tasks.purge_audit_log")
def purge_audit_log() -> int:
    """Nightly: audit rows past the retention (≥ 180 days) go; younger ones cannot."""
    from governance.services import purge_audit_log as purge

    return purge()


@shared_task(name="governance.tasks.disable_inactive_accounts")
def disable_inactive_accounts() -> list[str]:
    """Nightly: disable accounts unused for ACCOUNT_INACTIVE_DAYS (governance/accounts.py)."""
    from governance.accounts import disable_inactive_accounts as run

    return run()


@shared_task(name="governance.tasks.refresh_stats")
def refresh_stats() -> str:
    """Every 15 minutes and after midnight: today, yesterday, dirty and crashed days (governance/stats)."""
    from governance.stats import refresh_stats as run

    return str(run())


# An export of a whole county at a million cases runs for minutes: its own limits, above the
# default CELERY_TASK_TIME_LIMIT. A duplicate delivery (Redis' visibility timeout) finds the job
# already claimed and stops (governance/export_jobs.run_export_job).
@shared_task(name="governance.tasks.run_export", soft_time_limit=1740, time_limit=1800)
def run_export(job_id: int) -> str:
    """Write one export job's file (governance/export_jobs.py)."""
    from governance.export_jobs import run_export_job

    return run_export_job(job_id)


@shared_task(name="governance.tasks.expire_export_jobs")
def expire_export_jobs() -> dict[str, int]:
    """Every 5 minutes: files past their day go; jobs the broker missed are sent again."""
    from governance.export_jobs import expire_export_jobs as run

    return run()
