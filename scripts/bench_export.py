"""Time the case ledger export as production runs it: a real `celery worker` process (solo pool)
takes the job from the broker and writes the file; prints the task's seconds and the worker's peak
resident memory (VmHWM, read from /proc).

Grow the county first (see README, *Benchmarks*): `manage.py seed_demo --force`, then
`scripts/grow_cases.py --cases 120000`. The filter is 收到日期从 the day that gives at least
`--rows` cases for `--user` (the county center by default, which sees every case).

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench .venv/bin/python scripts/bench_export.py --rows 100000

The broker is whatever the settings name (REDIS_URL, or the folder under VAR_DIR). The jobs and
their files are removed afterwards; their audit rows stay (append-only).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from benchsetup import ROOT, refuse_unless_throwaway  # first: it sets Django up
from django.db import connection
from django.utils import timezone

from disputes.models import Case
from governance.export_jobs import remove_file, request_export
from governance.models import ExportJob, User


def memory_kib(pid: int, key: str) -> int:
    """A line of /proc/<pid>/status in KiB: VmRSS (now) or VmHWM (the peak so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise LookupError(key)


def start_worker() -> subprocess.Popen:
    settings = connection.settings_dict
    env = {**os.environ}
    if settings["ENGINE"].endswith("postgresql"):
        env.setdefault(
            "DATABASE_URL", f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        )
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "governance", "worker", "--pool", "solo", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
    )


def wait_for(job: ExportJob, worker: subprocess.Popen, timeout: float) -> ExportJob:
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.state not in ExportJob.LIVE_STATES:
            return job
        if worker.poll() is not None:
            sys.exit(f"the worker exited ({worker.returncode})")
        if time.monotonic() > deadline:
            sys.exit(f"job {job.pk} still {job.state} after {timeout:.0f} s")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="at least this many cases in the file")
    parser.add_argument("--user", default="county", help="the person who asks (default: county)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    refuse_unless_throwaway()

    user = User.objects.get(username=args.user)
    visible = Case.objects.visible_to(user).order_by("-received_at").values_list("received_at", flat=True)
    nth = visible[args.rows - 1 : args.rows].first()
    if nth is None:
        sys.exit(f"{args.user} sees fewer than {args.rows} cases: grow the county first (scripts/grow_cases.py)")
    day = timezone.localtime(nth).date()
    query = f"date_from={day.isoformat()}"
    print(f"{args.user}: 收到日期从 {day} ({query}); database {connection.settings_dict['NAME']}")

    worker = start_worker()
    try:
        time.sleep(8)  # the worker imports Django and connects to the broker
        idle = memory_kib(worker.pid, "VmRSS")
        print(f"worker pid {worker.pid}, resident after start-up: {idle / 1024:.0f} MB")
        print("| run | rows | task s | rows/s | file MB | worker peak RSS MB |")
        print("| --- | --- | --- | --- | --- | --- |")
        for run in range(1, args.runs + 1):
            job, _created = request_export(
                user=user, kind="ledger", params={"query": query}, title=f"bench {run}", request=None
            )
            job = wait_for(job, worker, args.timeout)
            if job.state != ExportJob.State.DONE:
                sys.exit(f"job {job.pk} {job.state}: {job.error}")
            seconds = (job.finished_at - job.started_at).total_seconds()
            peak = memory_kib(worker.pid, "VmHWM")
            print(
                f"| {run} | {job.rows_written:,} | {seconds:.1f} | {job.rows_written / seconds:,.0f} "
                f"| {job.file_size / 1e6:.1f} | {peak / 1024:.0f} |"
            )
            remove_file(job)
            job.delete()
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
