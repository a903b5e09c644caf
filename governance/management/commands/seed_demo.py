from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.citizen_demo import seed_citizen_codes
from disputes.citizen_follow_demo import seed_follow
from disputes.consultation_demo import seed_consultations
from disputes.demo import history_start, seed_cases
from disputes.meeting_demo import seed_meetings
from disputes.models import Case, Status
from disputes.warning_demo import seed_warnings
from disputes.workorder_demo import seed_work_orders
from governance.briefing_demo import seed_briefings
from governance.demo import DEMO_PASSWORD, seed_logins, seed_units
from governance.models import Role, Unit, User
from governance.reminders import run_overdue_scan
from governance.report_demo import seed_report_tables
from governance.stats import MAX_RANGE_DAYS, fill_missing
from grids.demo import (
    REPORT_HISTORY_DAYS,
    seed_grid_figures,
    seed_grid_workers,
    seed_patrols,
    seed_regions,
    seed_sensitive_periods,
    seed_zero_reports,
)
from grids.models import Grid, GridWorker, Region, ZeroReport, ZeroReportReminder
from mediation.demo import seed_mediation
from visits.demo import seed_visits

# The demo's statistics are filled in transactions of this many days: a fill commits twice a day
# (governance/stats.py, for crash safety), and on SQLite those commits cost as much as the counting.
# A run that dies rolls back its last batch only, whose days the next run fills again.
STATS_DAYS_PER_COMMIT = 64


class Command(BaseCommand):
    help = "Load the fictional demo county 示范县 (idempotent: a second run adds nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="multiply the generated volume data by N")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password of new demo logins")
        parser.add_argument(
            "--stats-days",
            type=int,
            default=None,
            help="fill the daily statistics of the last N days (0: none; default: since 1 January of last year, "
            "as far back as the demo's cases go)",
        )

    def handle(self, *args, scale: int, force: bool, password: str, stats_days: int | None, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(_("DEBUG 已关闭（生产环境？）：演示数据不会写入。确需写入请加 --force。"))
        if scale < 1:
            raise CommandError(_("--scale 须为正整数。"))
        today = timezone.localdate()
        if stats_days is None:
            stats_days = (today - history_start(today)).days + 1
        if not 0 <= stats_days <= MAX_RANGE_DAYS:
            raise CommandError(_("--stats-days 须在 0 到 %(n)d 之间。") % {"n": MAX_RANGE_DAYS})
        began = timezone.now()
        with transaction.atomic():
            county = seed_regions(scale=scale)
            seed_units(county)
            logins = seed_logins(county, password=password)
            new_cases = seed_cases(county, scale=scale)
            seed_grid_figures(county)
            new_workers = seed_grid_workers(county)
            seed_sensitive_periods()
            new_reports = seed_zero_reports(county)
            seed_patrols(county)
            mediation = seed_mediation(county)
            new_visits = seed_visits(county)
            # 码上办 before the warnings' scan: the query codes, then the citizen's note and examples.
            new_codes = seed_citizen_codes(county)
            follow_lines = seed_follow(county)
            new_consultations = seed_consultations(county)
            new_orders = seed_work_orders(county)  # cases too: before the warnings' scan
            if connection.vendor == "postgresql":
                # The warning scan's queries over the cases just written need planner statistics
                # (without them one 越级 query ran for twenty minutes at --scale 2).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            new_warnings = seed_warnings(county)
            new_meetings = seed_meetings(county)
        stats_began = time.monotonic()
        if stats_days and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Fresh bulk data has no planner statistics yet (autovacuum has not seen it, least of
                # all inside a test's transaction): without them the timeline's GROUP BYs are planned
                # as nested loops over "empty" tables and take minutes instead of seconds.
                cursor.execute("ANALYZE")
        if stats_days:
            days = rows = 0
            first = today - timedelta(days=stats_days - 1)
            while first <= today:
                last = min(first + timedelta(days=STATS_DAYS_PER_COMMIT - 1), today)
                with transaction.atomic():
                    filled = fill_missing(first, last, since=began)
                days, rows = days + filled[0], rows + filled[1]
                first = last + timedelta(days=1)
            self.stdout.write(
                f"每日统计：近 {stats_days} 天，本次填充 {days} 天 {rows} 行，用时 {time.monotonic() - stats_began:.1f} 秒。"
            )
            with transaction.atomic():  # frozen from the statistics just filled
                tables = seed_report_tables(county, stats_days=stats_days)
            self.stdout.write(f"统计报表：本次上报 {tables} 份。")

        # After the statistics: a report's figures are read from them (none without statistics).
        new_briefings = 0
        if stats_days:
            with transaction.atomic():
                new_briefings = seed_briefings(county)
        self.stdout.write(f"信息通报：本次新增 {new_briefings} 期。")
        self.stdout.write(f"码上办查询码：本次新增 {new_codes} 个。/m/follow/ 可查询：" + "；".join(follow_lines))
        self.stdout.write(f"来源工单（12345、110）：本次接收 {new_orders} 张。")

        # The overdue scan as the beat would run it within 15 minutes, so the demo logins' inboxes hold
        # their reminders (and a leader his daily summary) from the first login. Idempotent: what
        # was sent is keyed in the reminders.
        scan = run_overdue_scan()
        self.stdout.write(f"到期提醒：应提醒 {scan.owed} 条，本次发出 {sum(scan.sent.values())} 条。")

        regions = Region.objects.within(county)
        self.stdout.write(
            f"{county.name}: {regions.townships().count()} 个镇（街道），{regions.villages().count()} 个村（社区），"
            f"{Grid.objects.within(county).count()} 个网格，{Unit.objects.count()} 个单位，"
            f"{User.objects.count()} 个账号。"
        )
        cases = Case.objects.filter(township__code__startswith=county.prefix)
        by_status = dict(cases.order_by().values_list("status").annotate(n=Count("id")))
        self.stdout.write(
            f"矛盾纠纷案件 {sum(by_status.values())} 件（本次新增 {new_cases} 件）："
            + "，".join(f"{label} {by_status.get(value, 0)}" for value, label in Status.choices)
        )
        reports = ZeroReport.objects.filter(village__code__startswith=county.prefix)
        reminders = ZeroReportReminder.objects.filter(village__code__startswith=county.prefix)
        self.stdout.write(
            f"网格员 {GridWorker.objects.filter(user__grids__code__startswith=county.prefix).distinct().count()} 人"
            f"（本次新增 {new_workers} 人）；零报告 {reports.count()} 份（近 {REPORT_HISTORY_DAYS} 天，"
            f"本次新增 {new_reports.reports} 份，迟报 {reports.filter(is_late=True).count()} 份），"
            f"漏报提醒 {reminders.count()} 条（通报县级 {reminders.filter(level=ZeroReportReminder.Level.COUNTY).count()} 条）。"
        )
        self.stdout.write(
            f"调解组织本次新增 {mediation['organisations']} 个，调解员 {mediation['mediators']} 人，"
            f"调解案件记录 {mediation['mediations']} 件。"
        )
        self.stdout.write(f"平安夜访与领导接访：本次新增 {new_visits} 次。")
        self.stdout.write(f"预警：本次新增 {new_warnings} 条。")
        self.stdout.write(f"联席例会与会商研判：本次新增 {new_meetings} 次。")
        self.stdout.write(f"网上咨询：本次新增 {new_consultations} 条。")
        self.stdout.write(self.style.SUCCESS("演示账号（密码均为 %s）：" % password))
        labels = dict(Role.choices)
        for demo, user in logins:
            self.stdout.write(f"  {demo.username:<11} {labels[demo.role]:<14} {user.unit or ''}")
