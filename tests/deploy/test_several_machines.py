"""Several machines: two web processes, two Celery workers and one beat on one PostgreSQL and one
Redis, as a deployment past one machine runs them (README, "Growing past one machine").

Two clerks press the same button at the same moment on different web processes (受理, 派单, 签收),
two reporters file the same village's zero-report at once, and meanwhile and afterwards both
workers run the periodic work (the overdue scan, the zero-report check, the statistics refresh,
notice delivery) several times at once. Then the database must hold each step once, each reminder
and notice once, every report filed, every reminder owed, every notice delivered once per person
and channel, and statistics equal to a fresh recount.

The processes run with production settings (DEBUG off, static files collected, HTTPS behind a
proxy: the client sends X-Forwarded-Proto) on the test's database and its own Redis database
(tests/settings.py); only the password hashing is the suite's fast one (tests/deploy/settings.py).
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from disputes.models import Case, CaseEvent, Category, RiskLevel, Status
from governance.celery import app
from governance.delivery import recipients
from governance.models import Delivery, Notification, Reminder, Role, StatFill
from governance.reminders import DueSet, scanners
from governance.stats import check_day
from grids.models import Grid, Region, ReportSettings, SensitivePeriod, ZeroReport, ZeroReportReminder
from tests.disputes.conftest import advance, intake
from tests.factories import PASSWORD, build_org, make_user

pytestmark = [
    pytest.mark.celery,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several processes need PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[2]
HOST = socket.gethostname()
PERIODIC = ("governance.tasks.overdue_scan", "grids.tasks.zero_report_check", "governance.tasks.refresh_stats")
DELIVER = "governance.tasks.deliver_notices"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    text: str
    location: str


class Browser:
    """One person's browser: a cookie jar (Secure cookies kept over plain HTTP, since the server
    believes a TLS proxy is in front: X-Forwarded-Proto) usable against any web process."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def request(self, port: int, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["Referer"] = f"https://127.0.0.1{path}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        with self.lock:
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return Reply(response.status, text, response.getheader("Location") or "")

    def sign_in(self, port: int, username: str) -> None:
        page = self.request(port, "GET", "/login/")
        assert page.status == 200, page.text[:300]
        reply = self.request(port, "POST", "/login/", {"username": username, "password": PASSWORD})
        assert reply.status == 302, reply.text[:500]

    def post_and_follow(self, port: int, path: str, form: dict) -> tuple[Reply, Reply | None]:
        """Post, then read the page it redirects to (where the outcome's message shows)."""
        reply = self.request(port, "POST", path, form)
        if reply.status != 302:
            return reply, None
        return reply, self.request(port, "GET", reply.location.removeprefix("https://127.0.0.1"))


class Cluster:
    """The processes of two machines and the one scheduler, started on the test database."""

    def __init__(self, tmp: Path) -> None:
        db = connection.settings_dict
        self.tmp = tmp
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.deploy.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "DEBUG": "0",
            "SECRET_KEY": "several-machines-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "REQUIRE_2FA": "0",  # the personas have no authenticator; the second factor is not under test
            "STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "WEB_CONCURRENCY": "1",  # two machines of one sync worker each: the CPU is shared
            "LOG_LEVEL": "WARNING",
        }
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.ports: list[int] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def up(self) -> None:
        celery = [sys.executable, "-m", "celery", "-A", "governance"]
        for n in (1, 2):
            # Each worker also listens on a queue of its own, so the test can send work to both.
            self.start(
                f"worker{n}",
                [*celery, "worker", "--pool", "solo", "-n", f"w{n}@{HOST}", "-Q", f"celery,w{n}", "-l", "WARNING"],
            )
        self.start("beat", [*celery, "beat", "-s", str(self.tmp / "beat-schedule"), "-l", "INFO"])
        # DEBUG off serves the hashed static files: collect them as a deployment does, before the
        # web processes start (whitenoise reads the manifest once, when a process starts).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        gunicorn = [sys.executable, "-m", "gunicorn", "governance.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
        for n in (1, 2):
            port = free_port()
            self.ports.append(port)
            self.start(f"web{n}", [*gunicorn, "--bind", f"127.0.0.1:{port}"])
        deadline = time.monotonic() + 60
        waiting_for = {f"w1@{HOST}", f"w2@{HOST}"}
        while waiting_for:
            for name, process in self.processes:
                assert process.poll() is None, f"{name} stopped:\n{self.log(name)}"
            assert time.monotonic() < deadline, f"no answer within 60 s from {waiting_for}"
            for reply in app.control.ping(destination=sorted(waiting_for), timeout=0.5):
                waiting_for -= set(reply)
        for port in self.ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not listen within 60 s"
                    time.sleep(0.1)

    def down(self) -> None:
        for _name, process in self.processes:
            process.terminate()
        for _name, process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def run_everywhere(self, *task_names: str) -> list:
        """Send each task to both workers at once; returns the results to wait for."""
        return [app.send_task(name, queue=f"w{n}") for name in task_names for n in (1, 2)]


@pytest.fixture
def cluster(transactional_db, tmp_path):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "run the suite with scripts/test (needs REDIS_URL)"
    machines = Cluster(tmp_path)
    try:
        machines.up()
        yield machines
    finally:
        machines.down()


def race(calls) -> list:
    """Run each group of calls at the same moment (a barrier per group), all groups at once."""
    results: dict[int, object] = {}
    threads = []
    for group in calls:
        barrier = threading.Barrier(len(group))
        for call in group:
            index = len(threads)

            def run(call=call, index=index, barrier=barrier):
                barrier.wait()
                try:
                    results[index] = call()
                except Exception as exc:  # reported by the assertion below, with the others
                    results[index] = exc

            threads.append(threading.Thread(target=run))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [results.get(i, "no result") for i in range(len(threads))]


def wait(results) -> None:
    for result in results:
        result.get(timeout=60)  # a task that failed (e.g. an IntegrityError) raises here


def test_two_web_processes_two_workers_and_one_beat_lose_nothing_and_double_nothing(cluster):
    org = build_org()
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    blue = RiskLevel.objects.get(code="blue")
    neighbourhood = Category.objects.get(code="neighbourhood")

    # The people: two clerks of the centers, two handlers of the police station, two reporters of
    # 甲镇一村 and one of 甲镇二村; every business person has an email address and a phone.
    clerk_a, clerk_b = org["township_officer"], org["county_officer"]
    police_a = org["police"]
    police_b = make_user("police_b", Role.HANDLER, org.police_a)
    reporter_a, reporter_b = org["grid_worker"], make_user("grid_worker_b", Role.GRID_WORKER, None)
    Grid.objects.get(code=f"{org.village_a1.code}002").workers.add(reporter_b)
    reporter_c = make_user("grid_worker_c", Role.GRID_WORKER, None)
    Grid.objects.get(code=f"{org.village_a2.code}001").workers.add(reporter_c)
    for n, user in enumerate([*org.users.values(), police_b, reporter_b, reporter_c]):
        user.email, user.phone = f"{user.username}@example.cn", f"1380013{n:04d}"
        user.save(update_fields=["email", "phone"])

    # Zero-reports are owed every day from three days ago to today (a sensitive period); today's
    # cutoff is the end of the day, so today is never missed while the test runs.
    SensitivePeriod.objects.create(name="测试敏感期", start=today - timedelta(days=3), end=today)
    ReportSettings.objects.update_or_create(pk=1, defaults={"cutoff": clock(23, 59), "grace_minutes": 0})

    # The cases: to accept (submitted by hotline), to dispatch, to sign; and some long overdue.
    to_accept = [intake(org, channel="hotline_12345") for _ in range(3)]
    to_dispatch = [intake(org) for _ in range(3)]
    to_sign = [advance(org, intake(org), Status.DISPATCHED) for _ in range(3)]
    overdue_sign = [advance(org, intake(org), Status.DISPATCHED) for _ in range(2)]
    overdue_handle = [advance(org, intake(org), Status.IN_PROGRESS) for _ in range(2)]
    long_ago = timezone.now() - timedelta(days=20)
    Case.objects.filter(pk__in=[c.pk for c in overdue_sign]).update(dispatched_at=long_ago, sign_due=long_ago)
    Case.objects.filter(pk__in=[c.pk for c in overdue_handle]).update(handle_due=today - timedelta(days=20))

    web1, web2 = cluster.ports
    browsers = {}
    for user, port in ((clerk_a, web1), (clerk_b, web2), (police_a, web1), (police_b, web2)):
        browsers[user.pk] = Browser()
        browsers[user.pk].sign_in(port, user.username)
    for user, port in ((reporter_a, web1), (reporter_b, web2), (reporter_c, web1)):
        browsers[user.pk] = Browser()
        browsers[user.pk].sign_in(port, user.username)

    # A session signed in at one web process is served by the other (sessions are in the database).
    assert browsers[clerk_a.pk].request(web2, "GET", "/cases/").status == 200

    def act(user, port, case, action, **fields):
        form = {f"{action}-version": case.version, **{f"{action}-{k}": v for k, v in fields.items()}}
        return lambda: browsers[user.pk].post_and_follow(port, f"/cases/{case.number}/act/{action}/", form)

    def report(user, port, village, day, **fields):
        form = {
            "date": day.isoformat(),
            "is_zero": "on",
            "disputes_found": 0,
            "disputes_resolved": 0,
            "key_persons": 0,
            "note": fields.get("note", ""),
            "version": "",
            "item-TOTAL_FORMS": 0,
            "item-INITIAL_FORMS": 0,
            "item-MIN_NUM_FORMS": 0,
            "item-MAX_NUM_FORMS": 20,
        }
        return lambda: browsers[user.pk].post_and_follow(port, f"/grids/reports/file/?village={village.pk}", form)

    due = (today + timedelta(days=10)).isoformat()
    groups = (
        [
            [
                act(clerk_a, web1, c, "accept", category=neighbourhood.pk, risk_level=blue.pk),
                act(clerk_b, web2, c, "accept", category=neighbourhood.pk, risk_level=blue.pk),
            ]
            for c in to_accept
        ]
        + [
            [
                act(clerk_a, web1, c, "dispatch", lead_unit=org.police_a.pk, due=due),
                act(clerk_b, web2, c, "dispatch", lead_unit=org.mediation_a.pk, due=due),
            ]
            for c in to_dispatch
        ]
        + [[act(police_a, web1, c, "sign"), act(police_b, web2, c, "sign")] for c in to_sign]
        + [
            # Two reporters of one village file its first report of a day at the same moment
            # (today's, and the three days before, late).
            [
                report(reporter_a, web1, org.village_a1, day, note="一号网格"),
                report(reporter_b, web2, org.village_a1, day, note="二号网格"),
            ]
            for day in (today, yesterday, today - timedelta(days=2), today - timedelta(days=3))
        ]
        + [
            [report(reporter_c, web2, org.village_a2, yesterday), report(reporter_c, web1, org.village_a2, today)],
        ]
    )
    # The periodic work runs at both workers while the clerks press their buttons.
    during = cluster.run_everywhere("governance.tasks.overdue_scan", "governance.tasks.refresh_stats", DELIVER)
    outcomes = race(groups)
    for outcome in outcomes:
        assert isinstance(outcome, tuple), outcome
        reply, page = outcome
        assert reply.status == 302, (reply.status, reply.text[:2000])
        assert page is not None and page.status == 200
    wait(during)

    # Each pair of clerks: one did the step, the other was told it was done by someone else.
    for index in range(0, 18, 2):
        pages = [outcomes[index][1].text, outcomes[index + 1][1].text]
        assert sum("已完成" in page for page in pages) == 1, pages
        assert sum("已被他人处理" in page for page in pages) == 1, pages
    for case in to_accept:
        case.refresh_from_db()
        assert case.status == Status.REGISTERED
        assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.ACCEPT).count() == 1
    for case in to_dispatch:
        case.refresh_from_db()
        event = CaseEvent.objects.get(case=case, action=CaseEvent.Action.DISPATCH)
        assert case.status == Status.DISPATCHED and event.data["lead_unit"] == case.lead_unit.name
    for case in to_sign:
        case.refresh_from_db()
        assert case.status == Status.IN_PROGRESS
        assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.SIGN).count() == 1

    # Every report filed is there: one row per village and day; the second filing of 甲镇一村
    # amended the first, and the history keeps both.
    for day in (today, yesterday, today - timedelta(days=2), today - timedelta(days=3)):
        both = ZeroReport.objects.get(village=org.village_a1, date=day, grid=None)
        assert both.version == 2
        assert sorted(both.history.values_list("note", flat=True)) == ["一号网格", "二号网格"]
    assert ZeroReport.objects.filter(village=org.village_a2, grid=None, date__in=[yesterday, today]).count() == 2

    # Afterwards: every piece of periodic work at both workers at once, three times; then delivery.
    for _round in range(3):
        now = timezone.now()  # what is owed as of the last round's start (it only grows with time)
        wait(cluster.run_everywhere(*PERIODIC))
    wait(cluster.run_everywhere(DELIVER))

    # Every overdue reminder owed was written, once (unique in the database; a second write would
    # have failed a task above).
    owed = {
        due.key
        for scanner in scanners()
        for item in scanner(now)
        for due in (item.dues() if isinstance(item, DueSet) else [item])
    }
    written = set(Reminder.objects.values_list("subject", "kind", "level", "day"))
    assert owed and owed <= written
    assert Reminder.objects.count() == len(written)

    # Every missed zero-report was reminded, once, at the right level: a village that missed three
    # days in a row is reported to the county on the third.
    days = [today - timedelta(days=n) for n in (3, 2, 1)]
    filed = set(ZeroReport.objects.filter(grid=None).values_list("village_id", "date"))
    villages = list(Region.objects.villages().values_list("pk", flat=True))
    missed = {(v, d) for v in villages for d in days if (v, d) not in filed}
    reminders = {(r.village_id, r.date): r for r in ZeroReportReminder.objects.all()}
    assert set(reminders) == missed
    for (village, day), reminder in reminders.items():
        all_three = all((village, d) in missed for d in days)
        expected = ZeroReportReminder.Level.COUNTY if all_three and day == days[-1] else "township"
        assert reminder.level == expected, (village, day, reminder.level)

    # No notice twice, and every notice delivered exactly once per person and channel.
    notices = Counter(Notification.objects.values_list("unit_id", "user_id", "title", "body", "url"))
    assert notices and max(notices.values()) == 1, [n for n, k in notices.items() if k > 1]
    assert not Notification.objects.filter(dispatched_at__isnull=True).exists()
    deliveries = Counter(Delivery.objects.values_list("notification_id", "user_id", "channel"))
    assert max(deliveries.values()) == 1, [d for d, k in deliveries.items() if k > 1]
    expected_deliveries = {
        (notice.pk, person.pk, channel)
        for notice in Notification.objects.all()
        for person in recipients(notice)
        for channel in ("email", "sms")
    }
    assert set(deliveries) == expected_deliveries

    # The statistics of today and yesterday equal a fresh recount.
    assert set(StatFill.objects.filter(state="done").values_list("day", flat=True)) >= {yesterday, today}
    assert check_day(today) == []
    assert check_day(yesterday) == []

    # One beat ran all along, and nothing failed in any process.
    assert "beat: Starting" in cluster.log("beat")
    for name, process in cluster.processes:
        assert process.poll() is None, f"{name} stopped:\n{cluster.log(name)}"
    for name in ("web1", "web2", "worker1", "worker2", "beat"):
        assert not re.search(r"Traceback|ERROR", cluster.log(name)), cluster.log(name)[-3000:]
