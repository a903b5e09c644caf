#!/usr/bin/env python
"""Benchmark of every list and work page, for each role, as production serves them: gunicorn
(sync workers, DEBUG off) on the configured database, side by side in one run with Django admin's
changelist of the case table and a bare view (governance/bench_views.py, mounted by BENCH_VIEWS).

Each address is asked `--runs` times after two warm-ups over one keep-alive connection per person
(the time from sending the request to reading the whole response over 127.0.0.1). The table gives
the median and the 90th percentile, the size, the ratio to the admin changelist of the same
variant (unfiltered, filtered, searched, deep page) and to the bare view behind the whole
middleware stack. Then `--clients` keep-alive clients ask the case detail page (and the bare
view) for `--seconds` each and the requests per second are printed; with `--before DIR` the same
throughput is measured on another checkout of the code (e.g. a `git worktree` of main) in the same
run, so "before" and "after" share the machine's load.

It writes to the database what the pages write (sign-ins, sessions, the export request's job and
audit row) and a superuser `benchadmin` for the changelist, so it refuses any database not named
bench*/test* (or BENCH_OK=1).

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench .venv/bin/python scripts/bench_pages.py --runs 15
    ... scripts/bench_pages.py --roles county,leader --pages supervision,"my work" --only-pages
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_dashboard_page import free_port, wait_until_up  # noqa: E402

PASSWORD = "Shifan@2026"
ADMIN = "benchadmin"
ADMIN_PASSWORD = "Bench#Admin#Zq81"
CHANGELIST = "/bench/admin/disputes/case/"
BARE = "/bench/bare/"


class Browser:
    """One keep-alive connection with a cookie jar that keeps Secure cookies over plain HTTP (the
    server believes it is behind a TLS proxy: X-Forwarded-Proto)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, float, str]:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **body})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "https://127.0.0.1/"
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content, elapsed, response.getheader("Location") or ""

    def sign_in(self, username: str, password: str) -> None:
        status, content, _, _ = self.request("GET", "/login/")
        if status != 200 or "csrftoken" not in self.cookies:
            sys.exit(f"the sign-in page answered {status}")
        status, content, _, _ = self.request("POST", "/login/", {"username": username, "password": password})
        if status != 302:
            sys.exit(f"signing in as {username} failed ({status}): {content[:300]!r}")


def start_gunicorn(code: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(code)}
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "gunicorn",
            "governance.wsgi:application",
            "--chdir",
            str(code),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=code,
        env=env,
        start_new_session=True,
    )


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


@dataclass
class Page:
    label: str
    path: str
    admin: str = ""  # the changelist variant it compares with
    post: dict | None = None  # a POST (a search or an export request): timed to its redirect
    follow: bool = False  # time the GET of the POST's redirect instead (the search's result)


@dataclass
class Role:
    username: str
    title: str
    pages: list[Page] = field(default_factory=list)


def samples() -> dict:
    """What the addresses need from the database: a case each login sees, a party's name, a township."""
    from django.utils import timezone

    from disputes.models import Case, Party
    from governance.models import User
    from grids.models import Region

    found: dict = {}
    for username in ("county", "township", "police", "mediator", "leader", "tleader", "gridworker"):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        open_case = (
            Case.objects.visible_to(user)
            .filter(status__in=["in_progress", "dispatched", "pending_review"])
            .order_by("-received_at")
            .values_list("number", flat=True)
            .first()
        )
        found[username] = open_case or Case.objects.visible_to(user).values_list("number", flat=True).first()
    found["name"] = (
        Party.objects.filter(case__number=found.get("township"), kind="person").values_list("name", flat=True).first()
        or "张伟"
    )
    found["township_id"] = (
        Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code").values_list("pk", flat=True)[0]
    )
    # Last month: a whole month of closures for the period pages (this month may be a day old).
    found["last_month"] = f"{(timezone.localdate().replace(day=1) - timedelta(days=1)):%Y-%m}"
    return found


def roles(found: dict) -> list[Role]:
    name = found["name"]

    def case_pages(username: str) -> list[Page]:
        number = found.get(username)
        return [Page("case detail", f"/cases/{number}/")] if number else []

    county = Role(
        "county",
        "县综治中心",
        [
            Page("home", "/"),
            Page("case list, unfiltered", "/cases/", admin="unfiltered"),
            Page("case list, status 办理中", "/cases/?status=in_progress", admin="filtered"),
            Page("case list, one township", f"/cases/?township={found['township_id']}"),
            Page("case list, overdue", "/cases/?overdue=on"),
            Page(f"case list, search {name}", "/cases/", admin="searched", post={"q": name}, follow=True),
            Page("case list, page 500", "/cases/?page=500", admin="deep page"),
            Page("my work", "/cases/work/"),
            Page("supervision", "/cases/supervision/"),
            Page("unit performance", "/cases/performance/"),
            Page("unit performance, last month", f"/cases/performance/?month={found['last_month']}"),
            Page("unit performance, year to date", "/cases/performance/?span=year"),
            *case_pages("county"),
            Page("key persons", "/cases/key-persons/"),
            Page("zero-report board", "/grids/board/"),
            Page("mediation organisations", "/mediation/organisations/"),
            Page("mediation subsidy", "/mediation/subsidy/"),
            Page("mediation subsidy, last month", f"/mediation/subsidy/?month={found['last_month']}"),
            Page("visits calendar", "/visits/"),
            Page("visit issues", "/visits/issues/"),
            Page("visit coverage", "/visits/coverage/"),
            Page("dashboard 本月", "/dashboard/?w=month"),
            Page("export request (ledger, 办理中)", "/cases/export.xlsx?status=in_progress", post={}),
        ],
    )
    township = Role(
        "township",
        "镇街综治中心",
        [
            Page("home", "/"),
            Page("case list, unfiltered", "/cases/", admin="unfiltered"),
            Page("case list, status 办理中", "/cases/?status=in_progress", admin="filtered"),
            Page(f"case list, search {name}", "/cases/", admin="searched", post={"q": name}, follow=True),
            Page("case list, page 500", "/cases/?page=500", admin="deep page"),
            Page("my work", "/cases/work/"),
            Page("supervision", "/cases/supervision/"),
            Page("unit performance", "/cases/performance/"),
            Page("unit performance, last month", f"/cases/performance/?month={found['last_month']}"),
            *case_pages("township"),
            Page("key persons", "/cases/key-persons/"),
            Page("zero-report board", "/grids/board/"),
            Page("visits calendar", "/visits/"),
        ],
    )
    police = Role(
        "police",
        "部门经办人",
        [
            Page("home", "/"),
            Page("case list, unfiltered", "/cases/", admin="unfiltered"),
            Page("my work", "/cases/work/"),
            *case_pages("police"),
        ],
    )
    mediator = Role(
        "mediator",
        "人民调解员",
        [
            Page("home", "/"),
            Page("mediation work", "/mediation/"),
            Page("mediation agreements", "/mediation/agreements/"),
            Page("my work", "/cases/work/"),
            *case_pages("mediator"),
        ],
    )
    leader = Role(
        "leader",
        "县领导",
        [
            Page("home", "/"),
            Page("my work", "/cases/work/"),
            Page("supervision", "/cases/supervision/"),
            Page("unit performance", "/cases/performance/"),
            Page("unit performance, last month", f"/cases/performance/?month={found['last_month']}"),
            Page("case list, unfiltered", "/cases/", admin="unfiltered"),
            *case_pages("leader"),
            Page("visits calendar", "/visits/"),
        ],
    )
    tleader = Role(
        "tleader",
        "镇领导",
        [Page("home", "/"), Page("my work", "/cases/work/"), Page("supervision", "/cases/supervision/")],
    )
    gridworker = Role("gridworker", "网格员", [Page("home", "/"), Page("zero reports", "/grids/reports/")])
    return [county, township, police, mediator, leader, tleader, gridworker]


def time_page(browser: Browser, page: Page, runs: int) -> tuple[list[float], int]:
    """Times of `runs` requests after two warm-ups, and the size of the last response."""
    times, size = [], 0
    for i in range(runs + 2):
        if page.post is not None:
            status, content, elapsed, location = browser.request("POST", page.path, page.post)
            if status != 302:
                sys.exit(f"POST {page.path} answered {status}: {content[:300]!r}")
            if page.follow:
                status, content, elapsed, _ = browser.request("GET", location)
        else:
            status, content, elapsed, _ = browser.request("GET", page.path)
        if status != 200 and not (page.post is not None and not page.follow):
            sys.exit(f"{page.path} answered {status}")
        if i >= 2:
            times.append(elapsed * 1000)
            size = len(content)
    return times, size


def summary(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]


def throughput(port: int, path: str, clients: int, seconds: float, username: str | None) -> float:
    """Requests per second of `clients` keep-alive clients asking `path` for `seconds`."""
    browsers = []
    for _ in range(clients):
        browser = Browser(port)
        if username:
            browser.sign_in(username, PASSWORD)
        for _ in range(3):
            status, *_ = browser.request("GET", path)
            if status != 200:
                sys.exit(f"{path} answered {status}")
        browsers.append(browser)
    counts = [0] * clients
    failures: list[int] = []
    deadline = time.perf_counter() + seconds

    def work(i: int) -> None:
        while time.perf_counter() < deadline:
            status, *_ = browsers[i].request("GET", path)
            if status != 200:
                failures.append(status)
                return
            counts[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{path} answered {failures[0]} under load")
    return sum(counts) / (time.perf_counter() - started)


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--roles", default="", help="comma-separated logins (default: all)")
    parser.add_argument("--pages", default="", help="comma-separated words: only the pages whose label holds one")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive clients of the throughput test")
    parser.add_argument("--seconds", type=float, default=20, help="length of each throughput test")
    parser.add_argument("--before", type=Path, help="another checkout whose detail throughput is measured too")
    parser.add_argument("--only-throughput", action="store_true")
    parser.add_argument("--only-pages", action="store_true", help="skip the throughput test")
    args = parser.parse_args()

    # Production settings in this process too, so collectstatic writes the manifest gunicorn reads.
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        REQUIRE_2FA="0",  # the demo logins have no authenticator; the second factor is not what is timed
        BENCH_VIEWS="1",
    )
    sys.path.insert(0, str(ROOT / "scripts"))
    from benchsetup import database_name, refuse_unless_throwaway  # sets Django up on the configured database
    from django.core.management import call_command
    from django.utils import timezone

    from disputes.models import Case
    from governance.models import User

    refuse_unless_throwaway()
    admin, _ = User.objects.get_or_create(username=ADMIN, defaults={"is_staff": True, "is_superuser": True})
    admin.set_password(ADMIN_PASSWORD)
    admin.must_change_password = False
    admin.password_changed_at = timezone.now()
    admin.is_active = True
    admin.save()
    found = samples()
    cases = Case.objects.count()
    for code in {ROOT, args.before} - {None}:
        if code != ROOT:
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=code, env=os.environ, check=True
            )
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off serves the hashed files

    port = free_port()
    server = start_gunicorn(ROOT, port, args.workers)
    try:
        wait_until_up(port, server)
        print(f"database {database_name()}: {cases:,} cases; today {timezone.localdate()}")
        print(f"gunicorn, {args.workers} sync workers, DEBUG off; {args.runs} runs after 2 warm-ups; {load()}\n")
        if not args.only_throughput:
            pages_table(port, found, args)
        if args.only_pages:
            return
        print(f"\nthroughput, {args.clients} keep-alive clients, {args.seconds:.0f} s each ({load()}):\n")
        print("| code | address | requests/s |")
        print("| --- | --- | --- |")
        detail = f"/cases/{found['county']}/"
        rows = [("this checkout", port)]
        before = None
        if args.before:
            before_port = free_port()
            before = start_gunicorn(args.before, before_port, args.workers)
            wait_until_up(before_port, before)
            rows.insert(0, (f"before ({args.before})", before_port))
        try:
            for label, at in rows:
                rate = throughput(at, detail, args.clients, args.seconds, "county")
                print(f"| {label} | case detail (county) | {rate:.0f} |", flush=True)
            # The bare view exists only where BENCH_VIEWS does (this checkout).
            rate = throughput(port, BARE, args.clients, args.seconds, "county")
            print(f"| this checkout | bare view, signed in | {rate:.0f} |", flush=True)
            rate = throughput(port, BARE, args.clients, args.seconds, None)
            print(f"| this checkout | bare view, anonymous | {rate:.0f} |", flush=True)
        finally:
            if before is not None:
                stop(before)
        print(f"\n{load()}")
    finally:
        stop(server)


def pages_table(port: int, found: dict, args) -> None:
    runs = args.runs
    # The yardsticks first: the admin changelist's variants and the bare view.
    admin = Browser(port)
    admin.sign_in(ADMIN, ADMIN_PASSWORD)
    name = found["name"]
    variants = {
        "unfiltered": CHANGELIST,
        "filtered": f"{CHANGELIST}?status__exact=in_progress",
        "searched": f"{CHANGELIST}?{urlencode({'q': name})}",
        "deep page": f"{CHANGELIST}?p=500",
    }
    yardsticks: dict[str, float] = {}
    print("| who | page | median ms | p90 ms | KB | × admin | × bare |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for variant, path in variants.items():
        times, size = time_page(admin, Page(variant, path), runs)
        median, p90 = summary(times)
        yardsticks[variant] = median
        print(f"| admin | changelist, {variant} | {median:.0f} | {p90:.0f} | {size / 1024:.0f} | | |", flush=True)
    times, size = time_page(admin, Page("bare", BARE), runs)
    bare, p90 = summary(times)
    print(f"| admin | bare view, signed in | {bare:.1f} | {p90:.1f} | {size / 1024:.0f} | | |", flush=True)
    wanted = {r for r in args.roles.split(",") if r}
    pages = [p for p in args.pages.split(",") if p]
    for role in roles(found):
        if wanted and role.username not in wanted:
            continue
        browser = Browser(port)
        browser.sign_in(role.username, PASSWORD)
        for page in role.pages:
            if pages and not any(word in page.label for word in pages):
                continue
            times, size = time_page(browser, page, runs)
            median, p90 = summary(times)
            ratio = f"{median / yardsticks[page.admin]:.2f}" if page.admin else ""
            print(
                f"| {role.username} ({role.title}) | {page.label} | {median:.0f} | {p90:.0f} | {size / 1024:.0f} "
                f"| {ratio} | {median / bare:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
