"""Working days on the Chinese statutory calendar: the one place deadlines are counted.

Holidays and 调休 working days come from the chinesecalendar library; the admin-editable
`CalendarDay` table overrides it and covers years the library does not know yet. Beyond both,
Monday to Friday are working days.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from django.core.cache import cache

from governance.memo import LocalMemo

OVERRIDES_KEY = "workdays:overrides"


_LOCAL = LocalMemo(10)


def _overrides() -> dict[date, bool]:
    from governance.models import CalendarDay

    # The table is small (a few dozen rows a year); one query, then the cache until an edit, and
    # in front of it a few seconds in this process (a list asks once per row).
    return _LOCAL.get(
        lambda: cache.get_or_set(
            OVERRIDES_KEY, lambda: dict(CalendarDay.objects.values_list("date", "is_working_day")), 3600
        )
    )


def forget_overrides() -> None:
    cache.delete(OVERRIDES_KEY)
    _LOCAL.forget()


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    overrides = _overrides() if overrides is None else overrides
    if day in overrides:
        return overrides[day]
    return _statutory_working_day(day)


@lru_cache(maxsize=8192)
def _statutory_working_day(day: date) -> bool:
    """The library's answer; its tables are fixed for a release, so it is cached per date."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library does not know: weekdays, unless the table says otherwise
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The date n working days after `start` (start itself not counted); n < 0 goes back."""
    overrides = _overrides()
    step = 1 if n >= 0 else -1
    day, remaining = start, abs(n)
    while remaining > 0:
        day += timedelta(days=step)
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.
    So add_working_days(a, working_days_between(a, b)) lands on b when b is a working day."""
    if end == start:
        return 0
    overrides = _overrides()
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for i in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=i), overrides))


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkdayMemo:
    """The same arithmetic, memoised for one batch (a scan over thousands of deadlines that share
    a few hundred distinct dates). Reads the override table once; do not keep it across batches."""

    def __init__(self) -> None:
        self._between: dict[tuple[date, date], int] = {}
        self._add: dict[tuple[date, int], date] = {}

    def working_days_between(self, start: date, end: date) -> int:
        key = (start, end)
        if key not in self._between:
            self._between[key] = working_days_between(start, end)
        return self._between[key]

    def add_working_days(self, start: date, n: int) -> date:
        key = (start, n)
        if key not in self._add:
            self._add[key] = add_working_days(start, n)
        return self._add[key]
