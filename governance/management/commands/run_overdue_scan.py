from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from governance.reminders import run_overdue_scan


class Command(BaseCommand):
    help = "Send the reminders owed now (临期, 黄牌, 红牌, daily digests), each once; print how many of each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="YYYY-MM-DD[THH:MM] in Asia/Shanghai (default: now)")

    def handle(self, *args, at: str | None = None, **options) -> None:
        now = None
        if at:
            try:
                now = datetime.fromisoformat(at)
            except ValueError as exc:
                raise CommandError("时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        self.stdout.write(str(run_overdue_scan(now)))
