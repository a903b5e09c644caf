from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from governance.stats import check_sample


class Command(BaseCommand):
    help = "Recount a random sample of filled days live and compare them with the stored daily statistics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="how many filled days to recount (1-366)")

    def handle(self, *args, days: int = 7, **options) -> None:
        if not 1 <= days <= 366:
            raise CommandError(_("--days 应在 1 至 366 之间。"))
        checked, mismatches = check_sample(days)
        for mismatch in mismatches[:50]:
            self.stdout.write(str(mismatch))
        if mismatches:
            raise CommandError(
                _("抽查 %(n)d 天，%(m)d 项与实时统计不一致；请运行 fill_stats 重建这些日期。")
                % {"n": len(checked), "m": len(mismatches)}
            )
        self.stdout.write(_("抽查 %(n)d 天，统计数据与实时统计一致。") % {"n": len(checked)})
