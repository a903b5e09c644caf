"""Two staff pressing the same button at once, on PostgreSQL with real threads and connections."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from disputes import services
from disputes.models import Case, CaseEvent, Status
from tests.disputes.conftest import advance, intake
from tests.factories import build_org

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def race(*calls):
    """Run the calls at the same moment in separate threads; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # the loser's exception is the point
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_two_clerks_dispatching_at_once_one_wins(transactional_db):
    org = build_org()
    case = intake(org)
    due = timezone.localdate() + timedelta(days=10)

    def dispatch(by, unit):
        return lambda: services.dispatch_case(case=case, by=by, lead_unit=unit, due=due, version=case.version)

    results, errors = race(
        dispatch(org["township_officer"], org.police_a), dispatch(org["county_officer"], org.mediation_a)
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], services.TransitionRefused)
    assert "已被他人处理" in str(errors[0])
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.lead_unit == results[0].lead_unit  # the winner's choice, not overwritten
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1


def test_same_transition_without_version_still_happens_once(transactional_db):
    org = build_org()
    case = advance(org, intake(org), Status.PENDING_REVIEW)
    results, errors = race(
        lambda: services.approve_case(case=case, by=org["township_officer"], version=None),
        lambda: services.approve_case(case=case, by=org["county_officer"], version=None),
    )
    assert len(results) == 1 and len(errors) == 1
    assert "当前状态" in str(errors[0])
    assert CaseEvent.objects.filter(case=case, action="approve").count() == 1


def test_simultaneous_intakes_get_distinct_numbers(transactional_db):
    org = build_org()
    results, errors = race(*[lambda: intake(org) for _ in range(4)])
    assert not errors
    numbers = {case.number for case in results}
    assert len(numbers) == 4
    assert Case.objects.count() == 4
