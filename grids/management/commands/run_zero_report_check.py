from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grids.zero_report import run_zero_report_check


class Command(BaseCommand):
    help = "Find the units that owe a zero-report for a day and have none; remind each once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today, Asia/Shanghai)")

    def handle(self, *args, date: str | None = None, **options) -> None:
        day = None
        if date:
            try:
                day = _parse(date)
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        self.stdout.write(str(run_zero_report_check(day)))


def _parse(value: str) -> date:
    return date.fromisoformat(value)
