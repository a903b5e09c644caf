#!/usr/bin/env python
"""Benchmark of the daily statistics fill (`governance.stats.fill_day`) at a given volume.

Loads the demo county (`seed_demo`, unless it is there already), then copies its cases with their
timelines (CaseEvent rows), each copy shifted by a random number of days within the past year,
with bulk inserts until N cases exist. Then it times filling one day (yesterday, twice: the second
is the idempotent re-fill) and rebuilding the whole year, and prints seconds, queries and rows.
Everything is written in one transaction that is rolled back at the end.

It writes data, so it refuses to run unless BENCH_OK=1 is set or the database's name starts with
"bench" or "test". Run it against PostgreSQL (see README, "Benchmarks"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python scripts/bench_fill_stats.py --cases 100000
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

from disputes.models import Case, CaseEvent
from governance.stats import days_between, fill_day

BATCH = 2000


def multiply(target: int, rng: random.Random) -> None:
    """Copies of the demo's cases and their steps, shifted back 0-330 days, until `target` cases."""
    templates = list(Case.objects.all())
    events = {}
    for event in CaseEvent.objects.order_by("case_id", "at", "id"):
        events.setdefault(event.case_id, []).append(event)
    k, count = 0, Case.objects.count()
    case_fields = [f.attname for f in Case._meta.concrete_fields if not f.primary_key]
    event_fields = [f.attname for f in CaseEvent._meta.concrete_fields if f.attname not in ("id", "case_id")]
    while count < target:
        batch = []
        for _ in range(min(BATCH, target - count)):
            k += 1
            source = rng.choice(templates)
            copy = Case(**{name: getattr(source, name) for name in case_fields})
            copy.number = f"S{k:09d}"
            copy._shift = timedelta(days=rng.randint(0, 330), minutes=rng.randint(-600, 600))
            copy._source = source.pk
            copy.received_at -= copy._shift
            batch.append(copy)
        Case.objects.bulk_create(batch)
        steps = []
        for copy in batch:
            for event in events.get(copy._source, []):
                step = CaseEvent(case_id=copy.pk, **{name: getattr(event, name) for name in event_fields})
                step.at -= copy._shift
                steps.append(step)
        CaseEvent.objects.bulk_create(steps, batch_size=5000)
        count += len(batch)


def timed(label: str, call) -> None:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        rows = call()
        seconds = time.perf_counter() - started
    print(f"{label}: seconds={seconds:.2f} queries={len(queries.captured_queries)} rows={rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases in all (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-year", action="store_true", help="time one day only")
    args = parser.parse_args()
    refuse_unless_throwaway()
    if not Case.objects.exists():
        started = time.perf_counter()
        call_command("seed_demo", "--force", verbosity=0)
        print(f"seed_demo: {time.perf_counter() - started:.1f}s")
    print(f"database: {connection.vendor} {database_name()!r}")
    today = timezone.localdate()
    try:
        with transaction.atomic():
            started = time.perf_counter()
            multiply(args.cases, random.Random(args.seed))
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None
            print(
                f"setup: {time.perf_counter() - started:.1f}s, {Case.objects.count()} cases, "
                f"{CaseEvent.objects.count()} events"
            )
            yesterday = today - timedelta(days=1)
            timed("one day (yesterday)", lambda: fill_day(yesterday))
            timed("one day again (idempotent)", lambda: fill_day(yesterday))
            if not args.skip_year:
                first = today - timedelta(days=365)
                timed("a year (366 days)", lambda: sum(fill_day(d) for d in days_between(first, today)))
            raise Rollback
    except Rollback:
        print("rolled back")


if __name__ == "__main__":
    main()
