"""Working days on the statutory calendar, with the admin's table for years the library lacks."""

from datetime import date

import pytest

from governance.models import CalendarDay
from governance.workdays import add_working_days, is_working_day, library_knows, working_days_between


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the Spring Festival
        (date(2026, 2, 14), True),  # Saturday: 调休 working day
        (date(2026, 2, 16), False),  # Monday in the Spring Festival
        (date(2026, 2, 23), False),  # last day of the holiday
        (date(2026, 2, 24), True),
        (date(2026, 1, 4), True),  # Sunday: 调休 for New Year's Day
        (date(2026, 11, 22), False),  # an ordinary Sunday
    ],
)
def test_statutory_calendar(db, day, working):
    assert is_working_day(day) is working


def test_adding_across_the_spring_festival(db):
    # From Friday 13 Feb: Sat 14 (调休) is the 1st; the holiday runs to Mon 23; Tue 24 is the 2nd.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert add_working_days(date(2026, 2, 24), -2) == date(2026, 2, 13)
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2


def test_a_tiaoxiu_sunday_counts(db):
    # Friday 2 Jan 2026 is a holiday, Sunday 4 Jan a working day.
    assert add_working_days(date(2026, 1, 1), 1) == date(2026, 1, 4)


def test_admin_table_covers_years_the_library_does_not_know(db):
    assert not library_knows(2099)
    new_year = date(2099, 1, 1)  # a Thursday
    assert is_working_day(new_year)  # weekdays by default
    CalendarDay.objects.create(date=new_year, is_working_day=False, name="元旦")
    assert not is_working_day(new_year)  # the edit is seen at once (cache cleared on save)
    assert add_working_days(date(2098, 12, 31), 1) == date(2099, 1, 2)
    CalendarDay.objects.filter(date=new_year).get().delete()
    assert is_working_day(new_year)


def test_admin_table_overrides_the_library(db):
    CalendarDay.objects.create(date=date(2026, 11, 23), is_working_day=False, name="县里临时放假")
    assert not is_working_day(date(2026, 11, 23))
