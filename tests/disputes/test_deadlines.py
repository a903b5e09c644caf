from datetime import date

import pytest

from disputes.deadlines import handling_clock
from disputes.models import Case, Status


def case(status=Status.IN_PROGRESS, due=date(2026, 2, 24)):
    return Case(status=status, handle_due=due)


@pytest.mark.parametrize(
    ("today", "state", "days"),
    [
        (date(2026, 2, 10), "ok", 5),  # 11, 12, 13, Sat 14 (调休), then Tue 24 after the Spring Festival
        (date(2026, 2, 13), "due_soon", 2),  # Sat 14 (调休) and Tue 24 after the Spring Festival
        (date(2026, 2, 24), "due_soon", 0),
        (date(2026, 2, 25), "overdue", 1),
        (date(2026, 3, 2), "overdue", 5),  # 25, 26, 27, Sat 28 (调休), Mon 2 March
    ],
)
def test_clock_counts_working_days(db, today, state, days):
    clock = handling_clock(case(), today)
    assert (clock.state, clock.working_days) == (state, days)


def test_no_clock_outside_handling(db):
    assert handling_clock(case(status=Status.CLOSED), date(2026, 3, 1)) is None
    assert handling_clock(case(due=None), date(2026, 3, 1)) is None


def test_clock_shows_in_the_list(org, login, make_case):
    made = make_case(Status.IN_PROGRESS)
    body = login(org["township_officer"]).get("/cases/").content.decode()
    assert "个工作日" in body and made.number in body
