#!/usr/bin/env python
"""Benchmark of the dashboard page as production serves it: gunicorn (sync workers, DEBUG off)
on the configured database, signed in as a demo leader, timing every window.

Times each address `--runs` times after two warm-up requests (the first request of a worker
imports and connects) and prints a markdown table of the median and the 90th percentile of the
time from sending the request to reading the whole response over 127.0.0.1 (keep-alive, so
that is the server's time plus a fraction of a millisecond), the response's size, and how many
DailyStat rows the database holds. It writes nothing to the database but a sign-in's last_login
(and collects the static files, as a deployment does).

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench .venv/bin/python scripts/bench_dashboard_page.py --runs 15
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One keep-alive connection with a cookie jar that keeps Secure cookies over plain HTTP (the
    server believes it is behind a TLS proxy: X-Forwarded-Proto)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, float]:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "https://127.0.0.1/login/"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content, elapsed

    def sign_in(self, username: str, password: str) -> None:
        status, content, _ = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if status != 200 or token is None:
            sys.exit(f"the sign-in page answered {status}")
        form = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password})
        status, content, _ = self.request("POST", "/login/", form)
        if status != 302:
            sys.exit(f"signing in as {username} failed ({status}): {content[:300]!r}")


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            sys.exit("gunicorn stopped; see its output above")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def addresses(prefix: str, today) -> list[tuple[str, str]]:
    year_ago = (today - timedelta(days=365)).isoformat()
    pages = [("home (leader, this month's cards)", "/")]
    for kind, label in (("today", "今日"), ("week", "本周"), ("month", "本月"), ("quarter", "本季"), ("year", "本年")):
        pages.append((f"dashboard {label}", f"/dashboard/?w={kind}"))
    pages.append(("dashboard, last 366 days", f"/dashboard/?w=custom&start={year_ago}&end={today.isoformat()}"))
    if prefix:
        pages.append(("dashboard 本年, one township", f"/dashboard/?w=year&place={prefix}"))
    pages.append(
        ("case list behind 本年 新受理", f"/cases/?stat=received&from={today.replace(month=1, day=1)}&to={today}&in=")
    )
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--user", default="leader")
    parser.add_argument("--password", default="Shifan@2026")
    args = parser.parse_args()

    # Production settings in this process too, so collectstatic writes the manifest gunicorn reads.
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        REQUIRE_2FA="0",  # the demo leader has no authenticator; the second factor is not what is timed
    )
    sys.path.insert(0, str(ROOT / "scripts"))
    from benchsetup import database_name  # sets Django up on the configured database
    from django.core.management import call_command
    from django.utils import timezone

    from governance.models import DailyStat
    from grids.models import Region

    today = timezone.localdate()
    township = (
        Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code").values_list("code", flat=True).first()
    )
    stat_rows = DailyStat.objects.count()
    from disputes.models import Case

    cases = Case.objects.count()

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off serves the hashed files
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "governance.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ,
        start_new_session=True,
    )
    try:
        wait_until_up(port, server)
        browser = Browser(port)
        browser.sign_in(args.user, args.password)
        print(f"database {database_name()}: {cases:,} cases, {stat_rows:,} DailyStat rows; today {today}")
        print(f"gunicorn, {args.workers} sync workers, DEBUG off; {args.runs} runs after 2 warm-ups, as {args.user}\n")
        print("| page | median ms | p90 ms | KB |")
        print("| --- | --- | --- | --- |")
        for label, path in addresses(township[:9] if township else "", today):
            for _ in range(2):
                status, content, _ = browser.request("GET", path)
                if status != 200:
                    sys.exit(f"{path} answered {status}")
            times = []
            for _ in range(args.runs):
                status, content, elapsed = browser.request("GET", path)
                if status != 200:
                    sys.exit(f"{path} answered {status}")
                times.append(elapsed * 1000)
            times.sort()
            p90 = times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
            print(f"| {label} | {statistics.median(times):.0f} | {p90:.0f} | {len(content) / 1024:.0f} |")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
