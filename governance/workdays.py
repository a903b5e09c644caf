"""Working-day arithmetic, the one place deadlines are counted.

Today Monday to Friday; the statutory calendar (holidays and 调休 workdays) arrives with the
deadlines issue and changes only this module."""

from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The date n working days after `start` (start itself not counted)."""
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
