from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.views import HEALTH_CHECKS


class Command(BaseCommand):
    help = "Run the /healthz checks named (default: all) and exit non-zero when one fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", choices=[name for name, _check, _web in HEALTH_CHECKS])

    def handle(self, *args, names: list[str], **options) -> None:
        wanted = set(names) or {name for name, _check, _web in HEALTH_CHECKS}
        report: dict = {}
        failed = []
        for name, check, _web in HEALTH_CHECKS:
            # The database check always runs (first, as declared): the others read its result.
            if name in wanted or name == "database":
                passed = check(report)
                if name in wanted and not passed:
                    failed.append(name)
        self.stdout.write(str(report))
        if failed:
            raise CommandError(f"unhealthy: {', '.join(failed)}")
