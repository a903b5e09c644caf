from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from governance.bounds import command_moment
from governance.reminders import run_overdue_scan


class Command(BaseCommand):
    help = "Send the reminders owed now (临期, 黄牌, 红牌, daily digests), each once; print how many of each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="YYYY-MM-DD[THH:MM] in Asia/Shanghai (default: now)")

    def handle(self, *args, at: str | None = None, **options) -> None:
        self.stdout.write(str(run_overdue_scan(command_moment(at))))
