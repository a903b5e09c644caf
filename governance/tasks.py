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
