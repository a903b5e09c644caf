#!/usr/bin/env python
"""Benchmark of the overdue scan (`governance.reminders.run_overdue_scan`) over many open cases.

Loads the demo county (`seed_demo`, unless it is there already), then multiplies its open cases
(待签收, 办理中, 待审核, and closed cases not yet visited) with bulk inserts until N open cases
exist, each copy with its deadlines spread over the two months around today, as a county's live
caseload looks. Then it times the scan twice: the first run writes the reminders and their
notices, the second finds them written and adds nothing (a steady run: only what changed since
the full pass is read), the third follows `--changed` cases saved since, the fourth is a full
pass again (as after an edit of the matrix) that finds everything sent. Each run prints open
cases, seconds and the number of queries. The copies are made in one transaction that is rolled back at the end.

It writes data, so it refuses to run unless BENCH_OK=1 is set or the database's name starts with
"bench" or "test". Run it against PostgreSQL (see README, "Benchmarks"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python scripts/bench_overdue_scan.py --open 200000
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import timedelta

os.environ.setdefault("DEBUG", "1")

from benchsetup import Rollback, database_name, refuse_unless_throwaway  # first: it sets Django up
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import OPEN_STATUSES, Case, Status
from disputes.scan import FULL_PASS
from governance.models import Heartbeat, Notification
from governance.reminders import run_overdue_scan

BATCH = 5000
SCANNED = [*OPEN_STATUSES, Status.CLOSED, Status.EVALUATED]


def multiply(target: int, rng: random.Random) -> int:
    """Copies of the demo's open cases until `target` open cases exist; returns how many now."""
    open_now = Case.objects.filter(status__in=OPEN_STATUSES).count()
    if open_now >= target:
        return open_now
    templates = list(Case.objects.filter(status__in=SCANNED).exclude(status=Status.SUBMITTED, lead_unit__isnull=True))
    now, today = timezone.now(), timezone.localdate()
    made, n, k = [], 0, 0
    while open_now + n < target:
        k += 1
        source = rng.choice(templates)
        copy = Case(**{f.attname: getattr(source, f.attname) for f in Case._meta.concrete_fields if not f.primary_key})
        copy.number = f"B{k:09d}"
        shift = timedelta(days=rng.randint(-45, 45))
        if copy.handle_due:
            copy.handle_due = today + shift
        if copy.sign_due:
            copy.sign_due = now + shift / 10
        if copy.reported_at:
            copy.reported_at = now - abs(shift) / 6
        if copy.closed_at and copy.visited_at is None:
            copy.closed_at = now - abs(shift)
        made.append(copy)
        if copy.status in OPEN_STATUSES:
            n += 1
        if len(made) == BATCH:
            Case.objects.bulk_create(made)
            made = []
    Case.objects.bulk_create(made)
    return Case.objects.filter(status__in=OPEN_STATUSES).count()


def timed_scan(label: str, open_cases: int) -> None:
    notices = Notification.objects.count()
    with connection.cursor() as cursor:
        # The foreign keys of the notices are checked when each statement ends rather than at a
        # commit that the roll-back never reaches, so the timing includes them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run_overdue_scan()
        seconds = time.perf_counter() - started
    print(
        f"{label}: open cases={open_cases} seconds={seconds:.2f} queries={len(queries.captured_queries)} "
        f"owed={result.owed} sent={sum(result.sent.values())} notices={Notification.objects.count() - notices} "
        f"pass={'steady' if result.since else 'full'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=200_000, help="open cases to scan (default 200000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--changed", type=int, default=10_000, help="cases saved between the full pass and a steady run (default 10000)"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="commit the copied cases (then VACUUM ANALYZE), so later runs on this database start at once",
    )
    args = parser.parse_args()
    refuse_unless_throwaway()
    if not Case.objects.exists():
        started = time.perf_counter()
        call_command("seed_demo", "--force", verbosity=0)
        print(f"seed_demo: {time.perf_counter() - started:.1f}s")
    print(f"database: {connection.vendor} {database_name()!r}")
    if args.keep:
        started = time.perf_counter()
        with transaction.atomic():
            multiply(args.open, random.Random(args.seed))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE disputes_case")
        print(f"kept: {time.perf_counter() - started:.1f}s")
    try:
        with transaction.atomic():
            started = time.perf_counter()
            open_cases = multiply(args.open, random.Random(args.seed))
            print(f"setup: {time.perf_counter() - started:.1f}s, {Case.objects.count()} cases in all")
            # The reminders the demo's own scan history left are cleared, so the first run writes.
            from governance.models import Reminder

            Reminder.objects.all().delete()
            timed_scan("first run (writes reminders)", open_cases)
            timed_scan("second run (idempotent)", open_cases)
            # A day's work: cases saved since the full pass are read again by a steady run.
            touched = Case.objects.filter(status__in=SCANNED, visited_at__isnull=True).order_by("?")[: args.changed]
            Case.objects.filter(pk__in=list(touched.values_list("pk", flat=True))).update(updated_at=timezone.now())
            timed_scan(f"steady run after {args.changed} cases changed", open_cases)
            # An edit of the matrix or the calendar: the next run is a full pass that finds it all sent.
            Heartbeat.objects.filter(name=FULL_PASS).delete()
            timed_scan("full pass again (nothing new)", open_cases)
            raise Rollback
    except Rollback:
        print("rolled back")


if __name__ == "__main__":
    main()
