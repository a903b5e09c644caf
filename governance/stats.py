"""Daily statistics, counted from the records and stored per day (DailyStat).

Each app contributes its metrics the way it contributes its overdue scanner: settings.STATS_PROVIDERS
lists functions that, given a day, return that day's rows computed in SQL (GROUP BY), and
settings.STATS_CHANGES lists functions that say which days have records written since a moment.
This module imports no app above the organisation core.

Crash safety (compare Zulip's analytics FillState): a fill first marks the day `started` in its own
committed write, then, inside ONE transaction, locks the day's fill row, reads every provider,
deletes the day's rows, inserts the new ones and marks the day `done`. A run that dies anywhere
rolls the transaction back: the old rows stay whole and the day stays `started`, so the next
refresh redoes it. Zulip commits rows hour by hour and deletes a `started` hour's rows before
redoing it, because its fills are large and long; a day of ours is at most some thousands of
rows, so one transaction is simpler and readers never see half a day. The unique constraint on
the row key makes a second copy of a row impossible, whatever goes wrong.

Dirty days: a record written after a day's fill began reading (less CHANGE_MARGIN, for
transactions that were open at the time) and dated on that day — a back-dated step, a late
zero-report, a reopen that re-classifies — makes the day dirty; refresh_stats re-fills it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from governance.models import DailyStat, Heartbeat, StatFill

# Dimensions of a row besides the day, in the order of the row key.
DIMENSIONS = ("region_code", "level", "category", "channel", "colour")
# A transaction open when a fill began may commit a record written just before: look back this far.
CHANGE_MARGIN = timedelta(minutes=10)
# fill_stats accepts at most this many days at once, and nothing after today.
MAX_RANGE_DAYS = 366 * 3
EARLIEST_STATS_DATE = date(2000, 1, 1)
REFRESH_NAME = "stats_refresh"

Key = tuple[str, str, str, str, str, str]  # DIMENSIONS + metric
Provider = Callable[[date, datetime, datetime, datetime], Iterable[Mapping]]
ChangedDays = Callable[[datetime], Mapping[date, datetime]]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day [start, end) as aware datetimes (Asia/Shanghai)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def provides(*metrics: str, drill: str = "") -> Callable[[Provider], Provider]:
    """Declare the metrics a provider counts (indicators ask which metrics exist: `counted_metrics`)
    and, optionally, the URL name of the list that shows the records behind them (the dashboard's
    drill-down links there with `metric`, `from`, `to`, `region` and the dimension filters)."""

    def declare(provider: Provider) -> Provider:
        provider.metrics = frozenset(metrics)
        provider.drill = drill
        return provider

    return declare


def providers() -> list[Provider]:
    return [import_string(path) for path in settings.STATS_PROVIDERS]


def counted_metrics() -> frozenset[str]:
    """Every metric some provider of STATS_PROVIDERS counts, as they declare it (`provides`)."""
    return frozenset(metric for provider in providers() for metric in provider.metrics)


def drill_targets() -> dict[str, str]:
    """{metric: URL name of the list of its records} for the metrics whose provider declares one."""
    return {metric: provider.drill for provider in providers() if provider.drill for metric in provider.metrics}


def labels(dimension: str) -> dict[str, str]:
    """{code: name} of a dimension's values (category, channel, colour) from the function
    settings.STATS_LABELS names for it; the code itself where none is given."""
    path = settings.STATS_LABELS.get(dimension)
    return dict(import_string(path)()) if path else {}


def change_detectors() -> list[ChangedDays]:
    return [import_string(path) for path in settings.STATS_CHANGES]


def count_day(day: date, now: datetime | None = None) -> dict[Key, int]:
    """Every provider's rows for `day`, as counted from the records now; zero rows are left out.
    A provider returns mappings with `metric`, `value` and any of DIMENSIONS prefixed `stat_`
    (`stat_region_code`; the prefix keeps them apart from model fields such as Case.channel),
    blank if absent."""
    now = now or timezone.now()
    start, end = day_bounds(day)
    counts: dict[Key, int] = {}
    for provider in providers():
        add_rows(counts, provider(day, start, end, now))
    return counts


def add_rows(counts: dict[Key, int], rows: Iterable[Mapping]) -> None:
    """Add a provider's rows to `counts` by row key (see count_day)."""
    for row in rows:
        if not row["value"]:
            continue
        key = (*(row.get(f"stat_{d}") or "" for d in DIMENSIONS), row["metric"])
        counts[key] = counts.get(key, 0) + int(row["value"])


def stored_day(day: date) -> dict[Key, int]:
    return {
        (*values[:-1],): values[-1]
        for values in DailyStat.objects.filter(day=day).values_list(*DIMENSIONS, "metric", "value")
    }


def fill_day(day: date, *, now: datetime | None = None) -> int:
    """Replace `day`'s rows with a fresh count; returns the number of rows. Crash-safe (see the
    module docstring); a fixed number of queries whatever the volume."""
    now = now or timezone.now()
    StatFill.objects.update_or_create(day=day, defaults={"state": StatFill.State.STARTED, "started_at": now})
    with transaction.atomic():
        # Concurrent fills of the same day (beat and a manual rebuild) take turns on this row.
        fill = StatFill.objects.select_for_update().get(day=day)
        started = timezone.now()
        counts = count_day(day, now)
        DailyStat.objects.filter(day=day).delete()
        rows = [
            DailyStat(day=day, **dict(zip(DIMENSIONS, key[:-1], strict=True)), metric=key[-1], value=value)
            for key, value in counts.items()
        ]
        DailyStat.objects.bulk_create(rows, batch_size=5000)
        fill.state, fill.started_at, fill.done_at, fill.rows = StatFill.State.DONE, started, timezone.now(), len(rows)
        fill.save(update_fields=["state", "started_at", "done_at", "rows"])
    return len(rows)


def check_range(
    first: date, last: date, today: date | None = None, *, max_days: int = MAX_RANGE_DAYS, too_long: str = ""
) -> None:
    """Refuse a range of days the statistics cannot give: inverted, in the future, before
    EARLIEST_STATS_DATE or longer than `max_days` (the fill's limit; the dashboard's windows and
    drill-downs pass theirs, and `too_long`, a message with %(n)d and %(m)d)."""
    from django.core.exceptions import ValidationError

    today = today or timezone.localdate()
    if first > last:
        raise ValidationError(_("起始日期 %(a)s 晚于截止日期 %(b)s。") % {"a": first, "b": last})
    if last > today:
        raise ValidationError(_("截止日期 %(b)s 晚于今天（%(t)s），不能统计未来。") % {"b": last, "t": today})
    if first < EARLIEST_STATS_DATE:
        raise ValidationError(_("起始日期不能早于 %(d)s。") % {"d": EARLIEST_STATS_DATE})
    if (last - first).days + 1 > max_days:
        message = too_long or _("一次最多统计 %(n)d 天，请分段执行（所选范围 %(m)d 天）。")
        raise ValidationError(message % {"n": max_days, "m": (last - first).days + 1})


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- range mode: a month of days counted per pass ---------------------------------------------------
#
# A provider may also have a range form (`ranged`): a generator `(first, last, now)` that yields
# `(day, rows)` for every day of [first, last] in order, rows shaped as the provider's own for that
# day. It counts a chunk of days (`chunks`: the days of one calendar month) per pass — the flows in
# one query grouped by the local day, the stocks by replaying the steps from the chunk's start —
# and may carry what it knows from one chunk to the next (a generator keeps its state). fill_range
# draws each chunk's days from every range form, and counts the others day by day.

RangeForm = Callable[[date, date, datetime], Iterator[tuple[date, list[Mapping]]]]


def ranged(provider: Provider) -> Callable[[RangeForm], RangeForm]:
    """Declare `provider`'s range form (the decorated generator); the two must give the same rows
    for every day, from the same record definitions (tests/governance/test_stats_range.py)."""

    def declare(over_range: RangeForm) -> RangeForm:
        provider.over_range = over_range
        return over_range

    return declare


def chunks(first: date, last: date) -> Iterator[tuple[date, date]]:
    """[first, last] cut at the ends of calendar months: the days a range form counts per pass."""
    while first <= last:
        next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        chunk_last = min(next_month - timedelta(days=1), last)
        yield first, chunk_last
        first = chunk_last + timedelta(days=1)


def by_day(first: date, last: date, rows: Iterable[Mapping]) -> Iterator[tuple[date, list[Mapping]]]:
    """Rows carrying their day as `stat_day`, as (day, rows) for every day of [first, last]."""
    days: dict[date, list[Mapping]] = {}
    for row in rows:
        row = dict(row)
        days.setdefault(row.pop("stat_day"), []).append(row)
    for day in days_between(first, last):
        yield day, days.get(day, [])


def fill_range(first: date, last: date, *, now: datetime | None = None) -> int:
    """Replace the rows of every day of [first, last] with a fresh count; returns the number of
    rows. A chunk (`chunks`) at a time: its days are marked started, then counted — by the
    providers' range forms where they have one, day by day otherwise — and written in one
    transaction, so a run killed half-way leaves the chunk's old rows whole and its days started
    (refresh_stats redoes them), as fill_day does for one day. A fixed number of queries per chunk
    whatever the volume. Every day's fill is dated when the range began reading: the range forms
    carry what they read from chunk to chunk, so a record written since makes a day dirty."""
    check_range(first, last)
    now = now or timezone.now()
    began = timezone.now()
    forms = [provider.over_range for provider in providers() if getattr(provider, "over_range", None)]
    daily = [provider for provider in providers() if not getattr(provider, "over_range", None)]
    streams = [form(first, last, now) for form in forms]
    rows = 0
    for chunk_first, chunk_last in chunks(first, last):
        days = list(days_between(chunk_first, chunk_last))

        def count(days: list[date] = days) -> dict[date, dict[Key, int]]:
            counts: dict[date, dict[Key, int]] = {day: {} for day in days}
            for stream in streams:
                for day in days:
                    counted, day_rows = next(stream)
                    assert counted == day, f"a range form gave {counted} for {day}"
                    add_rows(counts[day], day_rows)
            for provider in daily:
                for day in days:
                    add_rows(counts[day], provider(day, *day_bounds(day), now))
            return counts

        rows += _write_days(days, count, began=began, now=now)
    return rows


def _write_days(days: list[date], count: Callable[[], dict[date, dict[Key, int]]], *, began, now) -> int:
    """fill_day's crash-safe write for several days: started (committed) first, then counted,
    replaced and marked done in one transaction."""
    StatFill.objects.filter(day__in=days).update(state=StatFill.State.STARTED, started_at=now)
    StatFill.objects.bulk_create(
        [StatFill(day=day, state=StatFill.State.STARTED, started_at=now) for day in days], ignore_conflicts=True
    )
    with transaction.atomic():
        fills = list(StatFill.objects.select_for_update().filter(day__in=days).order_by("day"))
        counts = count()
        DailyStat.objects.filter(day__in=days).delete()
        rows = [
            DailyStat(day=day, **dict(zip(DIMENSIONS, key[:-1], strict=True)), metric=key[-1], value=value)
            for day in days
            for key, value in counts[day].items()
        ]
        DailyStat.objects.bulk_create(rows, batch_size=5000)
        done = timezone.now()
        for fill in fills:
            fill.state, fill.started_at, fill.done_at = StatFill.State.DONE, began, done
            fill.rows = len(counts[fill.day])
        StatFill.objects.bulk_update(fills, ["state", "started_at", "done_at", "rows"])
    return len(rows)


def fill_missing(first: date, last: date, *, since: datetime) -> tuple[int, int]:
    """Fill the days of [first, last] never filled, or changed by records written since `since`
    (seed_demo: a second run that adds nothing fills nothing). Returns (days, rows) filled."""
    check_range(first, last)
    done = set(
        StatFill.objects.filter(day__range=(first, last), state=StatFill.State.DONE).values_list("day", flat=True)
    )
    todo = {day for day in days_between(first, last) if day not in done}
    todo |= {day for day in dirty_days(since, last + timedelta(days=1)) if first <= day <= last}
    return len(todo), sum(fill_range(a, b) for a, b in runs(sorted(todo)))


def runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Sorted days as (first, last) of their runs of consecutive days."""
    for i, day in enumerate(days):
        if i == 0 or day - days[i - 1] != timedelta(days=1):
            first = day
        if i == len(days) - 1 or days[i + 1] - day != timedelta(days=1):
            yield first, day


def dirty_days(since: datetime, today: date) -> set[date]:
    """Days before today whose fill is not done, or that have records written after their fill
    began reading (less CHANGE_MARGIN). `since`: look for records written from then on."""
    changed: dict[date, datetime] = {}
    for detector in change_detectors():
        for day, written in detector(since).items():
            changed[day] = max(written, changed.get(day, written))
    fills = dict(
        StatFill.objects.filter(day__in=list(changed), state=StatFill.State.DONE).values_list("day", "started_at")
    )
    dirty = {
        day
        for day, written in changed.items()
        if day < today and (day not in fills or written >= fills[day] - CHANGE_MARGIN)
    }
    dirty |= set(StatFill.objects.filter(state=StatFill.State.STARTED, day__lt=today).values_list("day", flat=True))
    return {day for day in dirty if day >= EARLIEST_STATS_DATE}


@dataclass
class RefreshResult:
    today: date
    filled: list[date] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.today}: {len(self.filled)} day(s) filled"


def refresh_stats(now: datetime | None = None) -> RefreshResult:
    """Beat, every 15 minutes: today, yesterday until it was filled after midnight, and every
    dirty or crashed day. Everything from the database; Redis is never needed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last = Heartbeat.objects.filter(name=REFRESH_NAME).values_list("at", flat=True).first()
    # The first run looks back as far as the oldest fill: everything written since might be new.
    since = last or StatFill.objects.aggregate(at=Min("started_at"))["at"] or now
    days = dirty_days(since - CHANGE_MARGIN, today)
    yesterday = today - timedelta(days=1)
    closed = StatFill.objects.filter(day=yesterday, state=StatFill.State.DONE, started_at__gte=day_bounds(today)[0])
    if not closed.exists():
        days.add(yesterday)  # close yesterday: its last fill must have begun after midnight
    days.add(today)
    result = RefreshResult(today)
    for day in sorted(days):
        fill_day(day, now=now)
        result.filled.append(day)
    Heartbeat.objects.update_or_create(name=REFRESH_NAME, defaults={"at": now})
    return result


@dataclass(frozen=True)
class Mismatch:
    day: date
    key: Key
    stored: int
    live: int

    def __str__(self) -> str:
        return f"{self.day} {'/'.join(self.key)}: stored {self.stored}, live {self.live}"


def check_day(day: date, now: datetime | None = None) -> list[Mismatch]:
    live, stored = count_day(day, now), stored_day(day)
    return [
        Mismatch(day, key, stored.get(key, 0), live.get(key, 0))
        for key in sorted(live.keys() | stored.keys())
        if stored.get(key, 0) != live.get(key, 0)
    ]


def check_sample(
    n: int = 7, *, rng: random.Random | None = None, today: date | None = None
) -> tuple[list[date], list[Mismatch]]:
    """Recount `n` random filled days before today live and compare them with the stored rows."""
    today = today or timezone.localdate()
    done = list(StatFill.objects.filter(state=StatFill.State.DONE, day__lt=today).values_list("day", flat=True))
    days = sorted((rng or random.Random()).sample(done, min(n, len(done))))
    return days, [m for day in days for m in check_day(day)]
