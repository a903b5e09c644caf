#!/usr/bin/env python
"""Benchmark of the daily zero-report check (`grids.zero_report.run_zero_report_check`).

Builds a county of N village reporting units on the configured database (bulk inserts), files
reports for ~90 % of them on a due day, reminders for a few on the two due days before (so the
escalation path runs), then times the check twice: the first run writes the reminders and their
notices, the second finds them written and adds nothing. Each run prints units, seconds, the
number of queries, what it wrote and the machine's load average (1 minute) after it. `--paths
sql,python` times both ways of the check on the same county, one after the other (the one
statement PostgreSQL runs, and the Python path SQLite runs, which was PostgreSQL's before issue
13), each undone before the next. Everything happens in one transaction rolled back at the end,
so the planner has no statistics of the new rows (the worst case for it) unless `--analyze`
collects them after the build.

It writes data, so it refuses to run unless BENCH_OK=1 is set or the database's name starts with
"bench" or "test". Run it against PostgreSQL (see README, "Benchmarks"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python scripts/bench_zero_report_check.py --units 10000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta

from benchsetup import Rollback, database_name, refuse_unless_throwaway  # first: it sets Django up
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import Notification, Unit, User
from grids.models import Region, ZeroReport, ZeroReportReminder
from grids.zero_report import Calendar, run_zero_report_check

COUNTY = "970101"  # a code no demo or test county uses
VILLAGES_PER_TOWNSHIP = 100  # at least; more when the units need more than 999 townships
MAX_CODE = 999  # townships in a county, villages in a township: three digits each (GB/T 2260)
BATCH = 2000


def villages_per_township(units: int) -> int:
    """100 villages a township up to 99,900 units; beyond, as many as 999 townships need (at most
    999), so every code stays a valid 12-digit division code."""
    return max(VILLAGES_PER_TOWNSHIP, -(-units // MAX_CODE))


def build(units: int, reported_share: float, rng: random.Random):
    """The county, its townships and villages, their committees and centers, and the day's reports.
    Returns (due day, check time)."""
    county = Region.objects.create(
        code=f"{COUNTY}000000", name="基准县", level=Region.Level.COUNTY, kind=Region.Kind.COUNTY
    )
    per_township = villages_per_township(units)
    n_townships = -(-units // per_township)
    townships = Region.objects.bulk_create(
        [
            Region(
                code=f"{COUNTY}{t:03d}000",
                name=f"第{t}镇",
                level=Region.Level.TOWNSHIP,
                kind=Region.Kind.TOWN,
                parent=county,
            )
            for t in range(1, n_townships + 1)
        ]
    )
    villages = Region.objects.bulk_create(
        [
            Region(
                code=f"{township.code[:9]}{v:03d}",
                name=f"{township.name}{v}村",
                level=Region.Level.VILLAGE,
                kind=Region.Kind.VILLAGE,
                parent=township,
            )
            for i, township in enumerate(townships)
            for v in range(1, min(per_township, units - i * per_township) + 1)
        ],
        batch_size=BATCH,
    )
    Unit.objects.create(code=f"{COUNTY}-CENTER", name="基准县综治中心", kind=Unit.Kind.COUNTY_CENTER, region=county)
    Unit.objects.bulk_create(
        [
            Unit(code=f"{t.code[:9]}-CENTER", name=f"{t.name}综治中心", kind=Unit.Kind.TOWNSHIP_CENTER, region=t)
            for t in townships
        ]
        + [Unit(code=f"{v.code}-VC", name=f"{v.name}民委员会", kind=Unit.Kind.VILLAGE, region=v) for v in villages],
        batch_size=BATCH,
    )
    reporter = User.objects.create(username=f"bench-{COUNTY}", full_name="基准网格员")

    calendar = Calendar.load()
    day = calendar.due_days_before(timezone.localdate(), 1)[0]
    earlier = calendar.due_days_before(day, 2)
    check_at = calendar.grace_end(day) + timedelta(minutes=30)
    submitted = calendar.cutoff(day) - timedelta(hours=1)
    ZeroReport.objects.bulk_create(
        [
            ZeroReport(village=v, date=day, is_zero=True, reporter=reporter, submitted_at=submitted)
            for v in villages
            if rng.random() < reported_share
        ],
        batch_size=BATCH,
    )
    # A few units missed the two due days before as well: their third miss goes to the county.
    ZeroReportReminder.objects.bulk_create(
        [
            ZeroReportReminder(village=v, date=earlier_day, misses_in_a_row=len(earlier) - i)
            for v in rng.sample(villages, len(villages) // 20)
            for i, earlier_day in enumerate(earlier)  # newest first: its streak is the longest
        ],
        batch_size=BATCH,
    )
    return day, check_at


def timed_check(day, check_at, label: str, units: int, in_sql: bool) -> None:
    notices = Notification.objects.count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run_zero_report_check(day, now=check_at, in_sql=in_sql)
        seconds = time.perf_counter() - started
    print(
        f"{label}: units={units} seconds={seconds:.3f} queries={len(queries.captured_queries)} "
        f"reminded={result.reminded} escalated={result.escalated} "
        f"notices={Notification.objects.count() - notices} load={os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=10_000, help="village reporting units (default 10000)")
    parser.add_argument("--reported", type=float, default=0.9, help="share of units that reported (default 0.9)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--paths", default="", help="sql, python or sql,python (default: the database's own, sql on PostgreSQL)"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="ANALYZE the tables after building (PostgreSQL), as autovacuum would have in production",
    )
    args = parser.parse_args()
    paths = [p for p in args.paths.split(",") if p] or ["sql" if connection.vendor == "postgresql" else "python"]
    if set(paths) - {"sql", "python"} or ("sql" in paths and connection.vendor != "postgresql"):
        parser.error("--paths takes sql (PostgreSQL only) and/or python")
    if not 1 <= args.units <= MAX_CODE * MAX_CODE:
        parser.error(f"--units must be between 1 and {MAX_CODE * MAX_CODE}")
    refuse_unless_throwaway()
    if Region.objects.filter(code__startswith=COUNTY).exists():
        sys.exit(f"the database already holds regions under {COUNTY}: a previous run was not rolled back?")
    others = Region.objects.villages().count()
    print(
        f"database: {connection.vendor} {database_name()!r}; units: {args.units}"
        + (f" (plus {others} villages already there, which the check counts too)" if others else "")
    )
    try:
        with transaction.atomic():
            started = time.perf_counter()
            day, check_at = build(args.units, args.reported, random.Random(args.seed))
            if args.analyze and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    tables = [m._meta.db_table for m in (Region, Unit, ZeroReport, ZeroReportReminder, Notification)]
                    cursor.execute(f"ANALYZE {', '.join(tables)}")
            print(
                f"setup: {time.perf_counter() - started:.2f}s (due day {day}, check at {timezone.localtime(check_at)})"
            )
            for path in paths:
                try:
                    with transaction.atomic():
                        timed_check(day, check_at, f"{path}: first run (writes reminders)", args.units, path == "sql")
                        timed_check(day, check_at, f"{path}: second run (idempotent)", args.units, path == "sql")
                        raise Rollback
                except Rollback:
                    pass
            raise Rollback
    except Rollback:
        print("rolled back")


if __name__ == "__main__":
    main()
