"""The overdue scan over many cases at once (disputes/scan.py, governance/reminders.py): the
stage clocks are grouped on what decides them and delivered in one SQL statement. What it sends
must be exactly what the clocks say case by case (`case_dues`, which expands the same groups in
Python): the same reminders, titles, bodies, links and recipients, for every stage, for a limit
counted in hours (签收 of a red-risk case), for a statute's citation (人民调解) and for cases
that share a group; and two scans at once still send each reminder once."""

import threading
from datetime import date, datetime

import pytest
from django.db import connection
from django.utils import timezone

from disputes.models import Case, RiskLevel, Status
from disputes.scan import case_dues
from governance.models import Notification, Reminder
from governance.reminders import run_overdue_scan
from tests.factories import make_user


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


WHEN = at(2026, 3, 4, 7)  # before the digest: only the clocks
LONG_SUMMARY = "两户因宅基地边界和排水沟走向发生争执，多次协商未果，" * 3 + "请求调处。"  # 83 characters: 80 are quoted


@pytest.fixture
def many(org, make_case):
    """Cases of every stage and level around 4 March 2026, some of them in the same group."""
    make_user("police_head", "handler", org.police_a, is_unit_head=True)
    red = RiskLevel.objects.get(code="red")
    cases = []
    for sign_due in (at(2026, 3, 2, 23, 59, 59), at(2026, 3, 4, 6, 30), at(2026, 3, 4, 7, 30)):
        case = make_case(Status.DISPATCHED)
        Case.objects.filter(pk=case.pk).update(sign_due=sign_due)
        cases.append(case)
    for sign_due in (at(2026, 3, 3, 20), at(2026, 3, 4, 6, 10)):  # 2 hours to sign: 红牌 after 2 hours late
        case = make_case(Status.DISPATCHED, risk_level=red)
        Case.objects.filter(pk=case.pk).update(sign_due=sign_due)
        cases.append(case)
    # 20 March is read (within the lookahead) but owes nothing yet; 30 March is not read.
    for handle_due in (
        date(2026, 2, 20),
        date(2026, 2, 20),
        date(2026, 3, 3),
        date(2026, 3, 20),
        date(2026, 3, 5),
        date(2026, 3, 30),
    ):
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=handle_due)
        cases.append(case)
    mediated = make_case(Status.IN_PROGRESS)  # 人民调解: the statute's citation ends the body
    Case.objects.filter(pk=mediated.pk).update(
        handle_due=date(2026, 3, 3), lead_unit=org.mediation_a, summary=LONG_SUMMARY
    )
    cases.append(mediated)
    for reported_at in (at(2026, 2, 25, 10), at(2026, 3, 2, 10)):
        case = make_case(Status.PENDING_REVIEW)
        Case.objects.filter(pk=case.pk).update(reported_at=reported_at)
        cases.append(case)
    for status, closed_at in ((Status.CLOSED, at(2026, 2, 1, 10)), (Status.EVALUATED, at(2026, 1, 20, 10))):
        case = make_case(status)
        Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
        cases.append(case)
    return cases


def by_recipient(notice: tuple) -> tuple:
    title, body, url, unit, user = notice
    return (title, body, url, unit or 0, user or 0)


def expected(now) -> tuple[set, list]:
    dues = list(case_dues(now))
    reminders = {due.key for due in dues}
    notices = sorted(
        [(due.title, due.body, due.url, unit, None) for due in dues for unit in due.units]
        + [(due.title, due.body, due.url, None, user) for due in dues for user in due.users],
        key=by_recipient,
    )
    return reminders, notices


def written(*scans: datetime) -> tuple[set, list]:
    """The reminders, and the notices the scans at these moments wrote (not the dispatch notices)."""
    reminders = set(Reminder.objects.values_list("subject", "kind", "level", "day"))
    notices = sorted(
        Notification.objects.filter(created_at__in=scans or [WHEN]).values_list(
            "title", "body", "url", "unit_id", "user_id"
        ),
        key=by_recipient,
    )
    return reminders, notices


def test_the_scan_sends_exactly_what_the_clocks_say(org, many):
    reminders, notices = expected(WHEN)
    kinds = {(kind, level) for _subject, kind, level, _day in reminders}
    # Every stage and level the fixture sets up is owed, so the comparison covers them all.
    assert {("sign", "red"), ("sign", "due_soon"), ("handle", "red"), ("handle", "yellow")} <= kinds
    assert {("handle", "due_soon"), ("review", "red"), ("review", "due_soon"), ("visit", "red")} <= kinds
    assert any("依据" in body for _t, body, *_rest in notices)
    quoted = [body for _t, body, *_rest in notices if LONG_SUMMARY[:80] in body]
    assert quoted and not any(LONG_SUMMARY[:81] in body for body in quoted)

    result = run_overdue_scan(WHEN)
    assert written() == (reminders, notices)
    assert result.owed == len(reminders) and sum(result.sent.values()) == len(reminders)
    assert result.notices == len(notices)

    again = run_overdue_scan(at(2026, 3, 4, 7, 15))
    assert again.owed == len(reminders) and sum(again.sent.values()) == 0 and again.notices == 0
    assert written() == (reminders, notices)


def test_a_later_day_sends_only_what_is_new(org, many):
    run_overdue_scan(WHEN)
    before_reminders, before_notices = written()
    later = at(2026, 3, 6, 7)
    reminders, _notices = expected(later)
    result = run_overdue_scan(later)
    new = reminders - before_reminders
    assert sum(result.sent.values()) == len(new) > 0
    assert written()[0] == before_reminders | reminders
    assert written(WHEN, later)[1] == sorted(before_notices + written(later)[1], key=by_recipient)


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_over_many_cases_send_each_once(org, many):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    reminders, notices = expected(WHEN)
    barrier, errors = threading.Barrier(2), []

    def scan():
        try:
            barrier.wait()
            run_overdue_scan(WHEN)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert written() == (reminders, notices)


def test_what_was_sent_is_found_by_the_unique_key_whatever_the_statistics(org, many):
    """The statement leaves out what was sent before through the reminders' unique index (ON
    CONFLICT), not a NOT EXISTS planned from statistics: with stale ones (a table just emptied or
    filled) that compared every owed row with every reminder (8 s for 600 rows at a million cases)."""
    if connection.vendor != "postgresql":
        pytest.skip("the statement is PostgreSQL's")
    from django.test.utils import CaptureQueriesContext

    run_overdue_scan(WHEN)
    with CaptureQueriesContext(connection) as captured:
        run_overdue_scan(at(2026, 3, 4, 7, 15))
    statement = next(q["sql"] for q in captured.captured_queries if "WITH owed AS" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Conflict Arbiter Indexes: reminder_once_per_day" in plan
    assert "Anti Join" not in plan
