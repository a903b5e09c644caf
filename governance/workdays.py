"""Working days on the Chinese statutory calendar: the one place deadlines are counted.

Where a year's calendar comes from, first match wins:

1. the chinesecalendar library, which carries the State Council's published schedules (放假安排,
   holidays and 调休 working weekends) up to its release;
2. the system administrator's entry of the State Council's notice (`CalendarYear` with its
   `CalendarDay` rows; see `governance.services.record_official_schedule`);
3. otherwise the year is *estimated* (预估): the statutory holidays of the 全国年节及纪念日放假办法
   as revised by the State Council's decision of 10 November 2024 (in force 1 January 2025):
   Art. 2 — 元旦 1 day (1 Jan); 春节 4 days (农历除夕, 正月初一 to 初三); 清明节 1 day (the solar
   term); 劳动节 2 days (1–2 May); 端午节 1 day (5th of the 5th lunar month); 中秋节 1 day (15th of
   the 8th lunar month); 国庆节 3 days (1–3 Oct). Art. 6 — a holiday falling on a Saturday or
   Sunday is made up (补假) on a working day, taken as the next working day. The lunar dates and the
   solar term come from python-holidays. What cannot be estimated is the 调休 (Art. 7 of the
   revision lets the State Council move weekend days to build longer breaks, a choice it
   publishes each November or December), so an estimated year has no working weekends.

`CalendarDay` rows override all three for their date (a county's own closure, a correction).
Deadlines that depend on an estimated year are shown 预估 (`touches_estimated`), and the system
administrator is warned as soon as the next 90 days reach one (`unknown_years_ahead`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import holidays
from django.core.cache import cache

from governance.memo import LocalMemo

CALENDAR_KEY = "workdays:calendar:v2"
WARN_AHEAD_DAYS = 90

# The names python-holidays gives (zh_CN) to the statutory holidays of Art. 2 and their 补假 (Art. 6).
# Anything else it may list for a year (its own copy of a published schedule's days off) is not
# a rule and is left out: an estimate counts the statute only.
STATUTORY_NAMES = ("元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


@dataclass(frozen=True)
class Calendar:
    """The administrator's part: the override days and the years entered from a notice."""

    days: dict[date, bool] = field(default_factory=dict)
    entered_years: frozenset[int] = frozenset()
    # Per year, the working days from 1 January through each day (`_year_counts`), filled as asked:
    # a list's deadline clocks count spans of months many times within one snapshot of the calendar.
    _counts: dict[int, list[int]] = field(default_factory=dict, compare=False, repr=False)


_LOCAL: LocalMemo[Calendar] = LocalMemo(10)


def _load() -> Calendar:
    from governance.models import CalendarDay, CalendarYear

    return Calendar(
        dict(CalendarDay.objects.values_list("date", "is_working_day")),
        frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )


def _calendar() -> Calendar:
    # The tables are small (a few dozen rows a year); one query each, then the cache until an
    # edit, and in front of it a few seconds in this process (a list asks once per row).
    return _LOCAL.get(lambda: cache.get_or_set(CALENDAR_KEY, _load, 3600))


def forget_overrides() -> None:
    cache.delete(CALENDAR_KEY)
    _LOCAL.forget()


def library_knows(year: int) -> bool:
    return _library_knows(year)


@lru_cache(maxsize=256)
def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_estimated_year(year: int, calendar: Calendar | None = None) -> bool:
    """Neither the library nor the administrator knows the year's official schedule."""
    calendar = _calendar() if calendar is None else calendar
    return not _library_knows(year) and year not in calendar.entered_years


def touches_estimated(start: date, end: date) -> bool:
    """Whether counting working days from `start` to `end` (either order) goes through an
    estimated year, so the result may move once the State Council publishes that year."""
    calendar = _calendar()
    first, last = sorted((start.year, end.year))
    return any(is_estimated_year(year, calendar) for year in range(first, last + 1))


def unknown_years_ahead(today: date, days: int = WARN_AHEAD_DAYS) -> list[int]:
    """The estimated years within the next `days` days: the system administrator must enter their
    schedule (or upgrade the library) before deadlines reach them."""
    calendar = _calendar()
    return [
        year for year in range(today.year, (today + timedelta(days=days)).year + 1) if is_estimated_year(year, calendar)
    ]


def is_working_day(day: date, calendar: Calendar | None = None) -> bool:
    calendar = _calendar() if calendar is None else calendar
    if day in calendar.days:
        return calendar.days[day]
    if _library_knows(day.year):
        return _library_working_day(day)
    if day.year in calendar.entered_years:  # the notice's days are rows; the rest is Monday to Friday
        return day.weekday() < 5
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


@lru_cache(maxsize=8192)
def _library_working_day(day: date) -> bool:
    """The library's answer; its tables are fixed for a release, so it is cached per date."""
    return chinese_calendar.is_workday(day)


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of a year by rule (Art. 2 and 补假 by Art. 6), without 调休."""
    found = holidays.China(years=year, language="zh_CN", categories=holidays.PUBLIC)
    return {
        day: name
        for day, name in sorted(found.items())
        if any(part.startswith(STATUTORY_NAMES) for part in name.split("; "))
    }


def add_working_days(start: date, n: int) -> date:
    """The date n working days after `start` (start itself not counted); n < 0 goes back."""
    calendar = _calendar()
    step = 1 if n >= 0 else -1
    day, remaining = start, abs(n)
    while remaining > 0:
        day += timedelta(days=step)
        if is_working_day(day, calendar):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.
    So add_working_days(a, working_days_between(a, b)) lands on b when b is a working day."""
    if end < start:
        return -working_days_between(end, start)
    calendar = _calendar()
    # The working days through `end` less those through `start`, from each year's running count.
    full_years = sum(_year_counts(year, calendar)[-1] for year in range(start.year, end.year))
    return full_years + _through(end, calendar) - _through(start, calendar)


def _year_counts(year: int, calendar: Calendar) -> list[int]:
    """counts[i]: the working days (is_working_day) from 1 January through the year's day i + 1."""
    if year not in calendar._counts:
        counts, running, day = [], 0, date(year, 1, 1)
        while day.year == year:
            running += is_working_day(day, calendar)
            counts.append(running)
            day += timedelta(days=1)
        calendar._counts[year] = counts
    return calendar._counts[year]


def _through(day: date, calendar: Calendar) -> int:
    return _year_counts(day.year, calendar)[day.timetuple().tm_yday - 1]


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
