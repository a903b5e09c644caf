"""The zero-report when two processes act at once (two web processes, two workers, a manual run
beside beat's): one transaction is held open until the other is waiting on the database, so the
interleaving that loses a write happens every time, not once in a while."""

import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from governance.models import Notification, Role, Unit
from grids.models import Grid, Region, ReportSettings, ZeroReport, ZeroReportReminder
from grids.zero_report import ReportData, file_report, run_zero_report_check
from tests.factories import build_org, make_user

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

MONDAY = date(2026, 11, 16)  # weekly reports are due on Mondays by default


def at(day: date, hh: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hh)))


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view is read once per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def first_holds_until_second_waits(first, second):
    """Run `first` in a transaction kept open until `second` (started once `first` has written)
    waits on a lock; then commit it. Returns (second's result, second's exception)."""
    written, outcome = threading.Event(), {}

    def run_first():
        try:
            with transaction.atomic():
                first()
                written.set()
                deadline = time.monotonic() + 10
                while not waiting_on_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            written.set()
            connections.close_all()

    def run_second():
        written.wait(10)
        try:
            outcome["result"] = second()
        except Exception as exc:  # the old code's IntegrityError is the point
            outcome["error"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome.get("result"), outcome.get("error")


def test_two_first_filings_of_a_village_at_once_keep_both(transactional_db):
    # Two reporters of one village press 报送 at the same moment on two web processes: neither
    # finds a report, both insert; the second used to fail on the unique constraint (a 500, its
    # report lost). Now the second waits for the first and amends it.
    org = build_org()
    other = make_user("grid_worker_b", Role.GRID_WORKER, None)
    Grid.objects.get(code=f"{org.village_a1.code}002").workers.add(other)
    ReportSettings.current()  # the settings row exists, as it does after the first day
    today = timezone.localdate()

    def filing(by, note):
        return lambda: file_report(by=by, village=org.village_a1, day=today, data=ReportData(is_zero=True, note=note))

    result, error = first_holds_until_second_waits(filing(org["grid_worker"], "一号网格"), filing(other, "二号网格"))
    assert error is None, repr(error)
    report = ZeroReport.objects.get(village=org.village_a1, date=today, grid=None)
    assert result.pk == report.pk and report.version == 2 and report.note == "二号网格"
    assert sorted(report.history.values_list("note", flat=True)) == ["一号网格", "二号网格"]


def test_a_check_waiting_for_another_counts_the_reminders_it_wrote(transactional_db):
    # The third Monday missed in a row reaches the county. While one check (beat's sweep) is
    # writing the reminders of the second Monday, a manual check of the third starts: it used to
    # read the earlier reminders before waiting for the lock, so it saw two misses, not three,
    # and the county was never told.
    org = build_org()
    mondays = [MONDAY - timedelta(weeks=2), MONDAY - timedelta(weeks=1), MONDAY]
    for day in mondays:
        file_report(
            by=org["grid_worker"], village=org.village_a1, day=day, data=ReportData(is_zero=True), now=at(day, 10)
        )
    run_zero_report_check(mondays[0], now=at(mondays[0], 20))

    _result, error = first_holds_until_second_waits(
        lambda: run_zero_report_check(mondays[1], now=at(mondays[1], 20)),
        lambda: run_zero_report_check(MONDAY, now=at(MONDAY, 20)),
    )
    assert error is None, repr(error)
    levels = dict(ZeroReportReminder.objects.filter(date=MONDAY).values_list("village__name", "level"))
    assert levels == {"甲镇二村": "county", "乙镇一村": "county"}
    assert Notification.objects.filter(unit=org.county_center).count() == 2


def test_a_check_waiting_for_another_reads_the_villages_as_that_one_left_them(transactional_db):
    # While beat's check holds the lock, an administrator merges 乙镇一村 away and adds a new
    # community, in the same transaction. A manual check of the same Monday waits for the lock;
    # it used to list the villages before waiting, so it reminded the village that no longer
    # existed (its commit failed, so nobody was reminded of anything) and missed the new one.
    org = build_org()
    file_report(
        by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(MONDAY, 10)
    )

    def check_and_redraw():
        run_zero_report_check(MONDAY, now=at(MONDAY, 20))
        Grid.objects.filter(village=org.village_b1).delete()
        org.village_b1.delete()
        new = Region.objects.create(
            code="990101001003", name="甲镇新社区", level="village", kind="community", parent=org.town_a
        )
        Unit.objects.create(code="A3-VC", name="甲镇新社区居委会", kind=Unit.Kind.VILLAGE, region=new)

    result, error = first_holds_until_second_waits(
        check_and_redraw, lambda: run_zero_report_check(MONDAY, now=at(MONDAY, 21))
    )
    assert error is None, repr(error)
    assert (result.owed, result.reported, result.missing, result.reminded) == (3, 1, 2, 1)
    assert set(ZeroReportReminder.objects.filter(date=MONDAY).values_list("village__name", flat=True)) == {
        "甲镇二村",
        "甲镇新社区",
    }
    assert Notification.objects.filter(title__startswith="甲镇新社区", unit__name="甲镇新社区居委会").exists()
