#!/usr/bin/env python
"""Benchmark of the case lists and work pages per role, before and after, against Django admin.

Serves two trees of the application side by side under gunicorn as production does (sync
workers, DEBUG off, X-Forwarded-Proto; REQUIRE_2FA=0 because the demo logins have no phone): the
checkout this script is in ("after") and the tree of a git revision (`--before`, exported with
`git archive` into a temporary folder; it shares this checkout's .venv). Both read the configured
database. Each page is asked of both servers in turn (so load on the machine falls on both
alike), `--runs` times after two warm-ups, signed in as the page's demo login, over one keep-alive
connection per server and login. Django admin's changelist of the case table (not registered in
the application: a wrapper WSGI module registers a plain ModelAdmin for the benchmark only) is
timed on the "after" server, signed in as a superuser the script creates (`bench_admin`, refused
unless the database is a throwaway one, see scripts/benchsetup.py).

Prints a markdown table of medians and 90th percentiles in milliseconds, the ratio to the
admin changelist of the same variant (unfiltered, page 500, filtered by status), and the load
average before and after the run.

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench VAR_DIR=... \\
        .venv/bin/python scripts/bench_lists.py --before 223824a --runs 15
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_dashboard_page import Browser, free_port, wait_until_up  # noqa: E402

PASSWORD = "Shifan@2026"
ADMIN = "bench_admin"
ADMIN_PASSWORD = "Bench-Admin@2026-only"

# (role's demo login, label, address); the admin changelist rows carry the variant they match.
PAGES = [
    ("county", "case list, unfiltered", "/cases/"),
    ("county", "case list, filtered (办理中)", "/cases/?status=in_progress"),
    ("county", "case list, page 500", "/cases/?page=500"),
    ("county", "my work", "/cases/work/"),
    ("county", "supervision list", "/cases/supervision/"),
    ("county", "unit performance", "/cases/performance/"),
    ("county", "home", "/"),
    ("township", "case list, unfiltered", "/cases/"),
    ("township", "case list, filtered (办理中)", "/cases/?status=in_progress"),
    ("township", "case list, page 500", "/cases/?page=500"),
    ("township", "my work", "/cases/work/"),
    ("township", "supervision list", "/cases/supervision/"),
    ("township", "unit performance", "/cases/performance/"),
    ("township", "home", "/"),
    ("police", "case list, unfiltered", "/cases/"),
    ("police", "case list, page 500", "/cases/?page=500"),
    ("police", "my work", "/cases/work/"),
    ("police", "home", "/"),
    ("mediator", "case list, unfiltered", "/cases/"),
    ("mediator", "my work", "/cases/work/"),
    ("leader", "case list, unfiltered", "/cases/"),
    ("leader", "my work", "/cases/work/"),
    ("leader", "supervision list", "/cases/supervision/"),
    ("leader", "unit performance", "/cases/performance/"),
    ("leader", "home", "/"),
    ("tleader", "my work", "/cases/work/"),
    ("tleader", "home", "/"),
]
ADMIN_PAGES = [
    ("unfiltered", "/admin/disputes/case/"),
    ("filtered", "/admin/disputes/case/?status__exact=in_progress"),
    ("page 500", "/admin/disputes/case/?p=500"),
]

WSGI_WRAPPER = '''"""The application with a plain admin changelist of cases, for the benchmark only."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.contrib import admin  # noqa: E402

from disputes.models import Case  # noqa: E402


class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "received_at", "status", "township", "category", "risk_level", "lead_unit")
    list_select_related = ("township", "category", "risk_level", "lead_unit")
    list_filter = ("status",)
    list_per_page = 20


if not admin.site.is_registered(Case):
    admin.site.register(Case, CaseAdmin)
'''


def variant(label: str) -> str:
    if "page 500" in label:
        return "page 500"
    return "filtered" if "filtered (" in label else "unfiltered"


def ensure_superuser() -> None:
    from benchsetup import refuse_unless_throwaway

    refuse_unless_throwaway()
    from django.utils import timezone

    from governance.models import User

    user = User.objects.filter(username=ADMIN).first() or User(username=ADMIN)
    user.is_staff = user.is_superuser = user.is_active = True
    user.must_change_password = False
    user.set_password(ADMIN_PASSWORD)
    user.save()
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now(), last_login=timezone.now())


def export_tree(revision: str, into: Path) -> Path:
    tree = into / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def serve(tree: Path, wrapper_dir: Path, workers: int, var_dir: Path) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, VAR_DIR=str(var_dir), STATIC_ROOT=str(var_dir / "static"))
    env["PYTHONPATH"] = f"{tree}{os.pathsep}{wrapper_dir}"
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=tree,
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "gunicorn",
            "bench_lists_wsgi:application",
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
        cwd=tree,
        env=env,
        start_new_session=True,
    )
    wait_until_up(port, server)
    return server, port


def timed(browser: Browser, path: str) -> float:
    status, _content, elapsed = browser.request("GET", path)
    if status != 200:
        sys.exit(f"{path} answered {status}")
    return elapsed * 1000


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="the git revision to serve as 'before' (none: time this checkout only)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    os.environ.update(
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        REQUIRE_2FA="0",
    )
    from benchsetup import database_name  # sets Django up on the configured database

    from disputes.models import Case

    # Stopped by a signal, still stop the servers (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    ensure_superuser()
    cases = Case.objects.count()
    servers = []
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as temp:
        temp = Path(temp)
        (temp / "wrapper").mkdir()
        (temp / "wrapper" / "bench_lists_wsgi.py").write_text(WSGI_WRAPPER)
        try:
            ports = {}
            if args.before:
                before_tree = export_tree(args.before, temp)
                before, ports["before"] = serve(before_tree, temp / "wrapper", args.workers, temp / "var-before")
                servers.append(before)
            after, ports["after"] = serve(ROOT, temp / "wrapper", args.workers, temp / "var-after")
            servers.append(after)
            after_port = ports["after"]
            load_before = os.getloadavg()
            browsers: dict[tuple[str, str], Browser] = {}
            for side, port in ports.items():
                for login in sorted({login for login, _, _ in PAGES}):
                    browsers[side, login] = Browser(port)
                    browsers[side, login].sign_in(login, PASSWORD)
            admin = Browser(after_port)
            admin.sign_in(ADMIN, ADMIN_PASSWORD)

            admin_medians = {}
            admin_rows = []
            for name, path in ADMIN_PAGES:
                for _ in range(2):
                    timed(admin, path)
                median, p90 = summary([timed(admin, path) for _ in range(args.runs)])
                admin_medians[name] = median
                admin_rows.append((name, median, p90))

            rows = []
            for login, label, path in PAGES:
                for side in ports:
                    for _ in range(2):
                        timed(browsers[side, login], path)
                times: dict[str, list[float]] = {side: [] for side in ports}
                for _ in range(args.runs):
                    for side in ports:
                        times[side].append(timed(browsers[side, login], path))
                before_times = summary(times["before"]) if "before" in times else (float("nan"),) * 2
                rows.append((login, label, before_times, summary(times["after"])))
            load_after = os.getloadavg()
        finally:
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)

    print(f"database {database_name()}: {cases:,} cases; before = {args.before}, after = this checkout")
    print(
        f"gunicorn, {args.workers} sync workers each, DEBUG off; {args.runs} runs after 2 warm-ups, "
        f"before and after in turn; load average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end"
    )
    print(time.strftime("%Y-%m-%d %H:%M UTC\n", time.gmtime()))
    print("| role | page | before median | before p90 | after median | after p90 | after / admin |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for login, label, (b_med, b_p90), (a_med, a_p90) in rows:
        ratio = a_med / admin_medians[variant(label)]
        before = f"{b_med:.0f} | {b_p90:.0f}" if args.before else "— | —"
        print(f"| {login} | {label} | {before} | {a_med:.0f} | {a_p90:.0f} | {ratio:.2f} |")
    for name, median, p90 in admin_rows:
        print(f"| superuser | Django admin changelist, {name} | | | {median:.0f} | {p90:.0f} | 1.00 |")


if __name__ == "__main__":
    main()
