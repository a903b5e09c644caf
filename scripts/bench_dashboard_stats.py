#!/usr/bin/env python
"""Benchmark of the dashboard's statistics on a grown database (scripts/grow_cases.py).

Times, on the database as it is (nothing is rolled back: the daily rows it fills are the ones the
dashboard reads):

1. filling one day (`governance.stats.fill_day`, yesterday), and each provider of
   STATS_PROVIDERS alone on that day;
2. rebuilding a range (`fill_range`, a calendar month per pass): each provider's range form
   alone over the last `--days` days (default 30), then the whole fill — `--days 366`: a year,
   measured; `--per-day N` also times N days filled one by one (`fill_day`), extrapolated;
3. `governance.indicators.evaluate` of every active indicator for 今日/本周/本月/本季/本年, as the
   county leader (median of `--runs` runs, queries), side by side with the same figures computed
   live from the case and step tables (受理量, 办结量, 办结率, 化解率, 及时签收率, 满意率) with ORM
   aggregates, and whether the two agree.

Prints markdown tables. It writes statistics rows, so it refuses to run unless the database's
name starts with "bench" or "test" (or BENCH_OK=1).

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench .venv/bin/python scripts/bench_dashboard_stats.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import timedelta

os.environ.setdefault("DEBUG", "1")

from benchsetup import database_name, refuse_unless_throwaway  # first: it sets Django up
from django.db import connection
from django.db.models import Case as Cond
from django.db.models import CharField, Count, DateTimeField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, NullIf
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import OPEN_STATUSES, Case, CaseEvent
from governance.indicators import WindowKind, evaluate, parse_window
from governance.models import Indicator, User
from governance.scoping import region_prefix
from governance.stats import day_bounds, fill_day, fill_range, providers

Action = CaseEvent.Action
WINDOWS = (
    ("今日", WindowKind.TODAY),
    ("本周", WindowKind.WEEK),
    ("本月", WindowKind.MONTH),
    ("本季", WindowKind.QUARTER),
    ("本年", WindowKind.YEAR),
)
LIVE = ("intake", "closed", "closure_rate", "resolution_rate", "timely_sign_rate", "satisfaction_rate")


def timed(call):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries.captured_queries)


def rate(numerator: int, denominator: int):
    return None if not denominator else round(numerator * 100 / denominator, 1)


def live_figures(window, prefix: str) -> dict[str, object]:
    """The indicators of LIVE for the window, counted straight from Case and CaseEvent."""
    start, _ = day_bounds(window.start)
    _, end = day_bounds(window.end)
    cases = Case.objects.filter(township__code__startswith=prefix)
    steps = CaseEvent.objects.filter(case__township__code__startswith=prefix)
    received = cases.filter(received_at__gte=start, received_at__lt=end).count()
    # 上期结转: cases open when the window began — each case's state then is its last step's.
    into = Q(to_status__in=OPEN_STATUSES) & ~Q(from_status__in=OPEN_STATUSES)
    out = Q(from_status__in=OPEN_STATUSES) & ~Q(to_status__in=OPEN_STATUSES)
    delta = Cond(
        When(action=Action.REGISTER, then=Value(1)),
        When(into, then=Value(1)),
        When(out, then=Value(-1)),
        default=Value(0),
    )
    carried = steps.filter(at__lt=start).exclude(to_status="").aggregate(n=Sum(delta))["n"] or 0
    in_window = steps.filter(at__gte=start, at__lt=end)
    last_report = CaseEvent.objects.filter(
        case=OuterRef("case"), action=Action.REPORT, at__lte=OuterRef("at")
    ).order_by("-at", "-id")
    closures = in_window.filter(action=Action.APPROVE).annotate(
        outcome=Subquery(last_report.values(o=KT("data__outcome"))[:1])
    )
    closed = closures.aggregate(n=Count("pk"), resolved=Count("pk", filter=Q(outcome="resolved")))
    dispatch = CaseEvent.objects.filter(case=OuterRef("case"), action=Action.DISPATCH, at__lte=OuterRef("at")).order_by(
        "-at", "-id"
    )
    limit = NullIf(KT("data__sign_due"), Value(""), output_field=CharField())
    signs = (
        in_window.filter(action=Action.SIGN)
        .annotate(limit=Cast(Subquery(dispatch.values(d=limit)[:1]), DateTimeField()))
        .exclude(limit=None)
        .aggregate(n=Count("pk"), in_time=Count("pk", filter=Q(at__lte=F("limit"))))
    )
    signed = signs["in_time"], signs["n"]
    ratings = in_window.filter(action=Action.EVALUATE).aggregate(
        n=Count("pk"), good=Count("pk", filter=Q(data__satisfaction__in=["satisfied", "basically"]))
    )
    intake = received + carried
    return {
        "intake": intake,
        "closed": closed["n"],
        "closure_rate": rate(closed["n"], intake),
        "resolution_rate": rate(closed["resolved"], intake),
        "timely_sign_rate": rate(*signed),
        "satisfaction_rate": rate(ratings["good"], ratings["n"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="days to rebuild with fill_range (366: a year)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each evaluation (median)")
    parser.add_argument("--per-day", type=int, default=0, help="also fill this many days one by one (fill_day)")
    parser.add_argument("--skip-fill", action="store_true", help="do not fill: measure the indicators only")
    args = parser.parse_args()
    refuse_unless_throwaway()
    cases, events = Case.objects.count(), CaseEvent.objects.count()
    print(f"database: {connection.vendor} {database_name()!r}, {cases:,} cases, {events:,} events\n")
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)

    if not args.skip_fill:
        print("| fill | seconds | queries | rows |\n| --- | --- | --- | --- |")
        start, end = day_bounds(yesterday)
        now = timezone.now()
        for provider in providers():
            rows, seconds, queries = timed(lambda p=provider: list(p(yesterday, start, end, now)))
            print(
                f"| provider `{provider.__module__}.{provider.__name__}` | {seconds:.2f} | {queries} | {len(rows):,} |"
            )
        for label in ("one day (yesterday)", "the same day again"):
            rows, seconds, queries = timed(lambda: fill_day(yesterday))
            print(f"| {label} | {seconds:.2f} | {queries} | {rows:,} |")
        first = today - timedelta(days=args.days - 1)
        for provider in providers():
            form = getattr(provider, "over_range", None)
            if form is None:
                continue
            rows, seconds, queries = timed(lambda f=form: sum(len(r) for _day, r in f(first, today, now)))
            name = f"{provider.__module__}.{provider.__name__}"
            print(f"| range form of `{name}`, {args.days} days | {seconds:.2f} | {queries} | {rows:,} |")
        if args.per_day:
            days = [today - timedelta(days=n) for n in range(args.per_day)]
            rows, seconds, queries = timed(lambda: sum(fill_day(day) for day in days))
            print(f"| {args.per_day} days one by one (`fill_day`) | {seconds:.1f} | {queries} | {rows:,} |")
            print(
                f"| a year one by one, extrapolated (× 366 / {args.per_day}) | {seconds * 366 / args.per_day:.0f} | | |"
            )
        rows, seconds, queries = timed(lambda: fill_range(first, today))
        print(f"| {args.days} days ({first} – {today}) | {seconds:.1f} | {queries} | {rows:,} |")
        if args.days < 366:
            print(f"| a year, extrapolated (× 366 / {args.days}) | {seconds * 366 / args.days:.0f} | | |")
        print()

    leader = User.objects.get(username="leader")
    prefix = region_prefix(leader)
    indicators = list(Indicator.objects.filter(active=True).order_by("order"))
    print(f"{len(indicators)} active indicators, as `leader` (region prefix {prefix!r}); median of {args.runs} runs\n")
    print(
        "| window | days | stored: ms | queries | live: ms | queries | 受理量 | 办结量 | 办结率 | 化解率 | 及时签收率 | 满意率 | agree |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, kind in WINDOWS:
        window = parse_window(kind)
        stored_times, live_times = [], []
        for _ in range(args.runs):
            results, seconds, stored_queries = timed(lambda w=window: evaluate(indicators, w, user=leader))
            stored_times.append(seconds)
            live, seconds, live_queries = timed(lambda w=window: live_figures(w, prefix))
            live_times.append(seconds)
        stored = {r.indicator.code: r.value for r in results}
        agree = all(
            (stored.get(code) is None and live[code] is None) or float(stored.get(code) or 0) == float(live[code] or 0)
            for code in LIVE
            if code in stored
        )
        shown = " | ".join(f"{stored.get(code, '—')} / {live[code]}" for code in LIVE)
        print(
            f"| {label} | {window.days} | {statistics.median(stored_times) * 1000:.0f} | {stored_queries} "
            f"| {statistics.median(live_times) * 1000:.0f} | {live_queries} | {shown} | {'yes' if agree else 'NO'} |"
        )
    print("\nIndicator cells: stored / live.")


if __name__ == "__main__":
    main()
