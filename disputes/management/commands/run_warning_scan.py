from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from disputes.warnings import run_warning_scan
from governance.bounds import command_moment


class Command(BaseCommand):
    help = "Raise the warnings owed now (高发, 群体性, 反复纠纷, 越级, 红色超时未签收), each once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="YYYY-MM-DD[THH:MM] in Asia/Shanghai (default: now)")

    def handle(self, *args, at: str | None = None, **options) -> None:
        self.stdout.write(str(run_warning_scan(command_moment(at))))
