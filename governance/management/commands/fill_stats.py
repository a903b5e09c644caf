from __future__ import annotations

import time
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.stats import check_range, fill_range


def parse_day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("日期“%(v)s”格式不正确，应为 YYYY-MM-DD。") % {"v": value}) from None


class Command(BaseCommand):
    help = (
        "Rebuild the daily statistics of a range of days (default: today), a calendar month per pass, "
        "each month in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", help="YYYY-MM-DD (default: --to)")
        parser.add_argument("--to", dest="last", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, first: str | None = None, last: str | None = None, **options) -> None:
        last_day = parse_day(last, timezone.localdate())
        first_day = parse_day(first, last_day)
        try:
            check_range(first_day, last_day)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        began, days = time.monotonic(), (last_day - first_day).days + 1
        rows = fill_range(first_day, last_day)
        self.stdout.write(
            _("已统计 %(d)d 天（%(a)s 至 %(b)s），%(r)d 行，用时 %(s).1f 秒。")
            % {"d": days, "a": first_day, "b": last_day, "r": rows, "s": time.monotonic() - began}
        )
