"""The range mode of the daily statistics (governance.stats.fill_range): a month of days counted
per pass by the providers' range forms gives exactly the rows fill_day gives day by day, writes
them as crash-safely, and makes a fixed number of queries per month whatever the volume."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services
from disputes.models import Case, CaseEvent, Status
from governance.models import DailyStat, StatFill
from governance.stats import chunks, days_between, fill_day, fill_range, providers, provides, refresh_stats
from grids.models import ZeroReport
from tests.disputes.conftest import intake
from tests.disputes.test_overdue_stats import MON, NEXT, THU, WED, build_county
from tests.governance.test_stats import advance

FIRST, LAST = date(2026, 2, 20), date(2026, 3, 10)  # crosses the February/March chunk boundary
LONG_AFTER = date(2026, 6, 15)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def stored(first: date, last: date) -> list[tuple]:
    return sorted(
        DailyStat.objects.filter(day__range=(first, last)).values_list(
            "day", "region_code", "level", "category", "channel", "colour", "metric", "value"
        )
    )


def total(rows: list[tuple], day: date, metric: str) -> int:
    return sum(row[-1] for row in rows if row[0] == day and row[-2] == metric)


def by_range_and_by_day(first: date, last: date) -> tuple[list[tuple], list[tuple]]:
    """The rows fill_range writes for [first, last], and the rows fill_day writes for each day."""
    fill_range(first, last)
    ranged = stored(first, last)
    assert all(fill.state == StatFill.State.DONE for fill in StatFill.objects.filter(day__range=(first, last)))
    DailyStat.objects.all().delete()
    for day in days_between(first, last):
        fill_day(day)
    return ranged, stored(first, last)


def build_history(org) -> None:
    """The county of test_overdue_stats (deadlines met and missed, a paused clock, an extension,
    a closure on time, a dispatch without a recorded deadline) and, around it, random transitions
    over the days from Thursday 26 February, a reopen, a letter registered after its receipt day, a
    deadline step dated in the past, a sign without a recorded limit and zero-reports."""
    rng = random.Random(12)
    build_county(org)
    targets = [Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.PENDING_REVIEW, Status.CLOSED]
    cases = []
    for day in days_between(date(2026, 2, 26), NEXT + timedelta(days=2)):
        with time_machine.travel(at(day, 11), tick=False):
            cases += [intake(org, village=rng.choice([org.village_a1, org.village_a2])) for _ in range(2)]
            for case in rng.sample(cases, min(3, len(cases))):
                case.refresh_from_db()
                wanted = rng.choice(targets)
                if case.status in targets and targets.index(wanted) > targets.index(case.status):
                    advance(org, case, wanted)
    center = org["township_officer"]
    with time_machine.travel(at(NEXT, 20), tick=False):
        evaluated = advance(org, intake(org), Status.EVALUATED)
        services.reopen_case(case=evaluated, by=center, reason="群众不满意", version=evaluated.version)
        intake(org, channel="letter", received_at=at(WED, 9))  # received Wednesday, registered Friday
        late = Case.objects.filter(pk__in=[c.pk for c in cases], status=Status.IN_PROGRESS).order_by("pk").first()
        # An extension recorded now, dated Wednesday morning: every stock since moves.
        CaseEvent.objects.create(
            case=late,
            action=CaseEvent.Action.EXTENSION_APPROVE,
            actor=center,
            at=at(WED, 9),
            data={"days": 5, "handle_due": "2026-03-16"},
        )
        dispatch = CaseEvent.objects.filter(action=CaseEvent.Action.DISPATCH).order_by("id").last()
        dispatch.data = {**dispatch.data, "sign_due": ""}  # a dispatch written before the limit was kept
        dispatch.save(update_fields=["data"])
        ZeroReport.objects.create(village=org.village_a1, date=MON, reporter=center, submitted_at=at(MON), is_zero=True)
        ZeroReport.objects.create(
            village=org.village_a2, date=MON, reporter=center, submitted_at=at(MON, 20), is_zero=True, is_late=True
        )


def test_every_provider_of_the_disputes_grids_mediation_and_visits_apps_has_a_range_form(db):
    assert all(getattr(provider, "over_range", None) for provider in providers())


def test_chunks_are_calendar_months():
    assert list(chunks(date(2026, 1, 30), date(2026, 3, 2))) == [
        (date(2026, 1, 30), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ]
    assert list(chunks(date(2025, 12, 5), date(2025, 12, 5))) == [(date(2025, 12, 5), date(2025, 12, 5))]


def test_a_range_gives_the_rows_of_each_day_long_after_the_days(org):
    """Filled months later (every stock from a timeline that moved on since), fill_range gives for
    each day of a range across a month boundary exactly the rows fill_day gives."""
    build_history(org)
    with time_machine.travel(at(LONG_AFTER, 11), tick=False):
        ranged, daily = by_range_and_by_day(FIRST, LAST)
    assert ranged == daily
    metrics = {row[-2] for row in ranged}
    assert {
        "received",
        "accepted",
        "dispatched",
        "signed",
        "reopened",
        "closed",
        "closed_resolved",
        "closed_on_time",
        "signed_on_time",
        "open_end",
        "overdue_end",
        "red_end",
        "zr_due",
        "zr_late",
        "zr_missed",
        "villages",
    } <= metrics
    # The hand-worked figures of test_overdue_stats: P late but paused on Monday; C and R red on Thursday.
    assert (total(ranged, MON, "overdue_end"), total(ranged, MON, "red_end")) == (1, 0)
    assert total(ranged, THU, "red_end") == 2
    assert total(ranged, date(2026, 2, 28), "open_end") > 0  # the stock carried over the month's end


def test_a_range_ending_today_counts_today_as_of_now(org):
    """Today is not over: the range's last day is counted at this moment, as fill_day counts it."""
    build_history(org)
    with time_machine.travel(at(NEXT, 15), tick=False):
        ranged, daily = by_range_and_by_day(FIRST, NEXT)
    assert ranged == daily
    assert total(ranged, NEXT, "overdue_end") > 0


def test_a_range_fill_killed_half_way_is_redone_and_counts_once(org, monkeypatch):
    build_history(org)
    today = LAST + timedelta(days=1)
    with time_machine.travel(at(today, 9), tick=False):
        for day in days_between(FIRST, LAST - timedelta(days=1)):
            fill_day(day)
        old = stored(date(2026, 3, 1), LAST)
        DailyStat.objects.filter(day=date(2026, 2, 27), metric="received").update(value=99)  # stale
        real = DailyStat.objects.bulk_create
        calls = []

        def dies_in_the_second_month(rows, **kwargs):
            calls.append(len(rows))
            if len(calls) == 2:
                real(rows[:3], **kwargs)  # some rows are in...
                raise RuntimeError("worker lost")  # ...and the process dies
            return real(rows, **kwargs)

        monkeypatch.setattr(DailyStat.objects, "bulk_create", dies_in_the_second_month)
        with pytest.raises(RuntimeError):
            fill_range(FIRST, LAST)
        monkeypatch.undo()
    # February was written whole; March keeps its old rows, its days started.
    states = dict(StatFill.objects.filter(day__range=(FIRST, LAST)).values_list("day", "state"))
    assert {day for day, state in states.items() if state == StatFill.State.DONE} == set(
        days_between(FIRST, date(2026, 2, 28))
    )
    assert {day for day, state in states.items() if state == StatFill.State.STARTED} == set(
        days_between(date(2026, 3, 1), LAST)
    )
    assert stored(date(2026, 3, 1), LAST) == old
    assert 99 not in DailyStat.objects.filter(day=date(2026, 2, 27), metric="received").values_list("value", flat=True)
    with time_machine.travel(at(today, 9, 30), tick=False):
        assert set(days_between(date(2026, 3, 1), LAST)) <= set(refresh_stats().filled)
        once = stored(FIRST, LAST)
        ranged, daily = by_range_and_by_day(FIRST, LAST)
    assert once == ranged == daily


def range_queries(org, n: int, day: date, first: date, last: date) -> int:
    with time_machine.travel(at(day), tick=False):
        for i in range(n):
            case = intake(org, village=org.village_a1 if i % 2 else org.village_a2)
            advance(org, case, [Status.REGISTERED, Status.DISPATCHED, Status.CLOSED][i % 3])
    with time_machine.travel(at(LONG_AFTER), tick=False), CaptureQueriesContext(connection) as queries:
        fill_range(first, last)
    return len(queries)


def test_a_range_fill_takes_a_fixed_number_of_queries_per_month(org):
    """Per chunk (a calendar month), whatever the number of cases and of days in it."""
    march, april = (date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 4, 30))
    fill_range(*march)  # the first fill ever creates the zero-report settings row
    small = range_queries(org, 2, MON, *march)
    large = range_queries(org, 12, WED, *march)
    assert small == large
    with time_machine.travel(at(LONG_AFTER), tick=False), CaptureQueriesContext(connection) as queries:
        fill_range(date(2026, 3, 1), date(2026, 3, 3))
    assert len(queries) == large  # three days of a month: as many queries as its 31
    with time_machine.travel(at(LONG_AFTER), tick=False), CaptureQueriesContext(connection) as queries:
        fill_range(march[0], april[1])
    per_month = len(queries) - large
    assert 0 < per_month < large  # the second month adds its own chunk's queries, no setup


CALLED: list[date] = []


@provides("day_only_probe")
def day_only(day: date, start: datetime, end: datetime, now: datetime):
    """A provider with no range form: one row per day, its weekday number."""
    CALLED.append(day)
    yield {"stat_region_code": "99", "metric": "day_only_probe", "value": day.isoweekday()}


def test_a_provider_without_a_range_form_is_counted_day_by_day(org, settings):
    settings.STATS_PROVIDERS = [*settings.STATS_PROVIDERS, "tests.governance.test_stats_range.day_only"]
    build_history(org)
    CALLED.clear()
    with time_machine.travel(at(LONG_AFTER, 11), tick=False):
        ranged, daily = by_range_and_by_day(FIRST, LAST)
    assert ranged == daily
    assert [*days_between(FIRST, LAST), *days_between(FIRST, LAST)] == CALLED  # once by the range, once by day
    assert total(ranged, MON, "day_only_probe") == 1
