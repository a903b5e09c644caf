#!/usr/bin/env python
"""Benchmark of the case search (disputes/filters.py, text_condition) on a large database.

Two parts, both printed as markdown tables with medians and 90th percentiles:

1. The index options side by side, per column and term (1, 2, 3 and more characters, Chinese,
   ASCII, a case number): time and rows of the substring condition with no index (a scan), with a
   pg_trgm GIN index of upper(column), with the gram indexes of the migration
   disputes.search_gram_indexes (what the application uses), and for case numbers a btree
   text_pattern_ops prefix index (a different rule: prefixes only, so its rows differ). The
   comparison indexes (bench_trgm_*, bench_prefix_*) are built by this script when missing (their
   build time and size are printed) and dropped at the end unless --keep-options.
2. The case list searched, as production serves it: gunicorn (sync workers, DEBUG off), signed in
   as the county and as a township user, the term POSTed as the search box does and the list at
   its token timed; with --before REV a second gunicorn serves the code of git revision REV
   (exported with git archive) on the same database in the same run, and the counts the two
   pages show are compared.

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench .venv/bin/python scripts/bench_search.py \\
        --before 223824a --runs 15 --before-runs 5

It writes nothing to the database but the comparison indexes, the pg_trgm extension and a
sign-in's last_login."""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

# (column label, table, column, n of the gram index)
COLUMNS = {
    "name": ("disputes_party", "name", 2),
    "summary": ("disputes_case", "summary", 2),
    "number": ("disputes_case", "number", 3),
}
COMPARISON_INDEXES = {
    "bench_trgm_party_name": "disputes_party USING gin (upper(name) gin_trgm_ops)",
    "bench_trgm_case_summary": "disputes_case USING gin (upper(summary) gin_trgm_ops)",
    "bench_trgm_case_number": "disputes_case USING gin (upper(number) gin_trgm_ops)",
    "bench_prefix_case_number": "disputes_case (upper(number) text_pattern_ops)",
}


def median_p90(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]


def timed(cursor, sql: str, params: list, runs: int, slow_runs: int = 5) -> tuple[int, float, float]:
    """Rows and times of a count; the first run warms the cache and is not counted, and a query
    slower than a second runs only `slow_runs` times."""
    times, rows = [], 0
    while len(times) <= (runs if not times or times[0] < 1000 else slow_runs):
        started = time.perf_counter()
        cursor.execute(sql, params)
        rows = cursor.fetchone()[0]
        times.append((time.perf_counter() - started) * 1000)
    return (rows, *median_p90(times[1:]))


def plan_uses(cursor, sql: str, params: list) -> str:
    cursor.execute("EXPLAIN " + sql, params)
    plan = " ".join(row[0] for row in cursor.fetchall())
    names = re.findall(r"(?:Index|Index Only) Scan (?:using|on) (\w+)", plan)
    return ", ".join(sorted(set(names))) or ("Seq Scan" if "Seq Scan" in plan else "?")


def build_comparison_indexes(cursor) -> list[str]:
    lines = []
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for name, definition in COMPARISON_INDEXES.items():
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name])
        if cursor.fetchone():
            continue
        started = time.perf_counter()
        cursor.execute(f"CREATE INDEX {name} ON {definition}")
        lines.append(f"built {name} in {time.perf_counter() - started:.0f} s")
    cursor.execute("ANALYZE disputes_party")
    cursor.execute("ANALYZE disputes_case")
    return lines


def index_sizes(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class WHERE relname = ANY(%s) ORDER BY relname",
        [["party_name_grams", "case_summary_grams", "case_number_grams", *COMPARISON_INDEXES]],
    )
    return cursor.fetchall()


def compare_options(terms: list[tuple[str, str]], runs: int, scan_runs: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for line in build_comparison_indexes(cursor):
            print(line)
        print("\n| index | size |\n| --- | --- |")
        for name, size in index_sizes(cursor):
            print(f"| {name} | {size} |")
        print(
            "\n| column | term | chars | rows | scan ms | pg_trgm ms (plan) | grams ms (plan) | prefix ms (rows) |"
            "\n| --- | --- | --- | --- | --- | --- | --- | --- |"
        )
        for column, term in terms:
            table, field, n = COLUMNS[column]
            like = f"SELECT count(*) FROM {table} WHERE upper({field}) LIKE upper(%s)"
            pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            grams = like + f" AND search_grams(upper({field}), {n}) @> search_term_grams(upper(%s), {n})"
            cursor.execute("SET enable_bitmapscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off")
            rows, scan, _ = timed(cursor, like, [pattern], scan_runs, scan_runs)
            cursor.execute("RESET enable_bitmapscan; RESET enable_indexscan; RESET enable_indexonlyscan")
            _, trgm, _ = timed(cursor, like, [pattern], runs, scan_runs)
            trgm_plan = plan_uses(cursor, like, [pattern])
            gram_rows, gram, _ = timed(cursor, grams, [pattern, term], runs, scan_runs)
            gram_plan = plan_uses(cursor, grams, [pattern, term])
            assert gram_rows == rows, (column, term, gram_rows, rows)
            prefix = "—"
            if column == "number":
                prefix_rows, prefix_ms, _ = timed(cursor, like, [pattern[1:]], runs, scan_runs)
                prefix = f"{prefix_ms:.1f} ({prefix_rows:,})"
            print(
                f"| {column} | {term} | {len(term)} | {rows:,} | {scan:.0f} | {trgm:.1f} ({trgm_plan}) "
                f"| {gram:.1f} ({gram_plan}) | {prefix} |"
            )


def serve(tree: Path, port: int, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "governance.wsgi:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync"),
            *("--timeout", "300", "--log-level", "warning"),
        ],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        start_new_session=True,
    )


def time_pages(port: int, users: list[str], terms: list[tuple[str, str]], runs: int, password: str) -> dict:
    from bench_dashboard_page import Browser

    results = {}
    for user in users:
        browser = Browser(port)
        browser.sign_in(user, password)
        for label, term in terms:
            status, content, _ = browser.request("GET", "/cases/")
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
            form = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "q": term})
            browser.connection.request(
                "POST",
                "/cases/",
                body=form,
                headers={
                    "Host": "127.0.0.1",
                    "X-Forwarded-Proto": "https",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": "https://127.0.0.1/cases/",
                    "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
                },
            )
            response = browser.connection.getresponse()
            response.read()
            if response.status != 302:
                sys.exit(f"searching {term!r} as {user} answered {response.status}")
            path = response.getheader("Location")
            times = []
            for n in range(runs + 1):  # one warm-up
                status, content, elapsed = browser.request("GET", path)
                if status != 200:
                    sys.exit(f"{path} answered {status}")
                if n:
                    times.append(elapsed * 1000)
            found = re.search(r"共 ([\d,]+) 条", content.decode())
            broad = re.search(r"列出最新的 ([\d,]+) 条", content.decode())
            count = found.group(1) if found else f"> {broad.group(1)}" if broad else "0"
            results[(user, label)] = (count, *median_p90(times))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scan-runs", type=int, default=5, help="runs of a query slower than a second")
    parser.add_argument("--before", help="git revision whose code serves the 'before' column")
    parser.add_argument("--before-runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", default="county,township")
    parser.add_argument("--password", default="Shifan@2026")
    parser.add_argument("--skip-options", action="store_true", help="only the pages")
    parser.add_argument("--keep-options", action="store_true", help="keep the comparison indexes")
    args = parser.parse_args()

    os.environ.update(
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        REQUIRE_2FA="0",  # the demo logins have no authenticator; the second factor is not what is timed
    )
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_dashboard_page import free_port, wait_until_up
    from benchsetup import database_name
    from django.core.management import call_command
    from django.db import connection

    from disputes.models import Case, Party
    from governance.models import User
    from governance.scoping import region_prefix

    township = User.objects.get(username=args.users.split(",")[-1])
    prefix = region_prefix(township) or ""
    number = Case.objects.filter(township__code__startswith=prefix).order_by("-id").values_list("number", flat=True)[0]
    name3 = Party.objects.filter(name__regex=r"^.{3}$").order_by("id").values_list("name", flat=True)[0]
    phrase = "天花板霉变"
    load = os.getloadavg()
    print(
        f"database {database_name()}: {Case.objects.count():,} cases, {Party.objects.count():,} parties; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n"
    )

    if not args.skip_options:
        terms = [("name", t) for t in ("王", "芳", "王芳", name3, "欧阳", "Zhang")]
        terms += [("summary", t) for t in ("霉", "霉变", phrase, "纠纷", "11800元")]
        terms += [("number", t) for t in (number, number[:9], number[-5:], number[-2:])]
        try:
            compare_options(terms, args.runs, args.scan_runs)
        finally:
            if not args.keep_options:
                with connection.cursor() as cursor:
                    for name in COMPARISON_INDEXES:
                        cursor.execute(f"DROP INDEX IF EXISTS {name}")
        load = os.getloadavg()
        print(f"\nload average after the options: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")

    call_command("collectstatic", interactive=False, verbosity=0)
    connection.close()
    page_terms = [
        ("name, 2 characters", "王芳"),
        (f"name, 3 characters ({name3})", name3),
        (f"summary phrase ({phrase})", phrase),
        ("case number", number),
        ("case number, last 5 digits", number[-5:]),
        ("1 character (王)", "王"),
    ]
    users = args.users.split(",")
    trees = [("after", ROOT)]
    workdir = None
    if args.before:
        workdir = tempfile.TemporaryDirectory(prefix="bench-search-before-")
        archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", workdir.name], input=archive, check=True)
        (Path(workdir.name) / "var").mkdir(exist_ok=True)
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=workdir.name,
            check=True,
            env={**os.environ, "PYTHONPATH": workdir.name},
        )
        trees.insert(0, ("before", Path(workdir.name)))
    results = {}
    for label, tree in trees:
        port = free_port()
        server = serve(tree, port, args.workers)
        try:
            wait_until_up(port, server)
            runs = args.before_runs if label == "before" else args.runs
            results[label] = time_pages(port, users, page_terms, runs, args.password)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    load = os.getloadavg()
    print(f"gunicorn, {args.workers} sync workers, DEBUG off; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"runs after one warm-up: before {args.before_runs} ({args.before}), after {args.runs}\n")
    header = "| user | search | cases found |"
    if "before" in results:
        header += " before median ms | before p90 |"
    print(header + " after median ms | after p90 |")
    print("|" + " --- |" * (header.count("|") + 1))
    for user in users:
        for label, _ in page_terms:
            count, median, p90 = results["after"][(user, label)]
            row = f"| {user} | {label} | {count} |"
            if "before" in results:
                before_count, before_median, before_p90 = results["before"][(user, label)]
                if before_count != count:
                    row += f" (before: {before_count}!)"
                row += f" {before_median:.0f} | {before_p90:.0f} |"
            print(row + f" {median:.0f} | {p90:.0f} |")
    if workdir is not None:
        workdir.cleanup()


if __name__ == "__main__":
    main()
