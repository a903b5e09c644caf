from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from disputes.warnings import run_warning_scan


class Command(BaseCommand):
    help = "Raise the warnings owed now (高发, 群体性, 反复纠纷, 越级, 红色超时未签收), each once."

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
        self.stdout.write(str(run_warning_scan(now)))
