from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from governance.models import AuditEvent
from governance.services import purge_audit_log


class Command(BaseCommand):
    help = "Delete audit rows older than AUDIT_RETENTION_DAYS (never fewer than 180 days); print how many."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep-days", type=int, help=f"at least {AuditEvent.RETENTION_DAYS}")

    def handle(self, *args, keep_days: int | None = None, **options) -> None:
        self.stdout.write(str(purge_audit_log(keep_days=keep_days)))
