"""Daily statistics (governance/stats.py): counted from the records, crash-safe, idempotent,
re-filled when the past changes, scoped by region code, a fixed number of queries."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services
from disputes.models import OPEN_STATUSES, CaseEvent, Status
from governance.models import DailyStat, StatFill
from governance.stats import check_day, check_sample, counted_metrics, fill_day, refresh_stats
from grids.models import ZeroReport
from tests.disputes.conftest import intake

MONDAY = date(2026, 3, 2)  # the zero-report's default weekly day


def advance(org, case, target: str):
    """Take a case, wherever it stands on the main path, forward to `target`."""
    center, police = org["township_officer"], org["police"]
    steps = {
        Status.SUBMITTED: lambda c: services.accept_case(
            case=c, by=center, category=c.category, risk_level=c.risk_level, version=c.version
        ),
        Status.REGISTERED: lambda c: services.dispatch_case(
            case=c, by=center, lead_unit=org.police_a, due=timezone.localdate() + timedelta(days=10), version=c.version
        ),
        Status.DISPATCHED: lambda c: services.sign_case(case=c, by=police, version=c.version),
        Status.IN_PROGRESS: lambda c: services.report_case(
            case=c, by=police, outcome="resolved", routes=[], summary="双方达成一致", version=c.version
        ),
        Status.PENDING_REVIEW: lambda c: services.approve_case(case=c, by=center, version=c.version),
        Status.CLOSED: lambda c: services.evaluate_case(case=c, by=center, satisfaction="satisfied", version=c.version),
    }
    case.refresh_from_db()
    while case.status != target:
        case = steps[case.status](case)
    return case


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def total(day: date, metric: str, **dims) -> int:
    return sum(DailyStat.objects.filter(day=day, metric=metric, **dims).values_list("value", flat=True))


def fill(*days: date) -> None:
    for day in days:
        with time_machine.travel(at(day, 23), tick=False):
            fill_day(day)


def test_closures_are_counted_against_the_deadline_in_effect(org):
    """按期办结: a closure whose last 办结反馈 came on or before the handling deadline in effect is on
    time, one reported after it is late; a closure whose step recorded no deadline counts in neither."""
    with time_machine.travel(at(MONDAY), tick=False):
        early, late, unknown = intake(org), intake(org), intake(org)
        for case in (early, late, unknown):
            advance(org, case, Status.IN_PROGRESS)  # dispatched with 10 days to handle, signed
    early.refresh_from_db()
    due = early.handle_due
    assert due == MONDAY + timedelta(days=10)
    with time_machine.travel(at(due, 16), tick=False):  # on the last day
        for case in (early, unknown):
            case.refresh_from_db()
            advance(org, case, Status.PENDING_REVIEW)
    with time_machine.travel(at(due + timedelta(days=1)), tick=False):
        late.refresh_from_db()
        advance(org, late, Status.PENDING_REVIEW)
        for case in (early, late, unknown):
            case.refresh_from_db()
            advance(org, case, Status.CLOSED)  # approved the day after the deadline: early still on time
    approval = CaseEvent.objects.get(case=unknown, action=CaseEvent.Action.APPROVE)
    CaseEvent.objects.filter(pk=approval.pk).update(data={})  # a step written before the deadline was kept
    closing_day = due + timedelta(days=1)
    fill(closing_day)
    assert (total(closing_day, "closed_on_time"), total(closing_day, "closed_late")) == (1, 1)
    assert total(closing_day, "closed") == 3  # every closure is still a closure
    assert total(closing_day, "closed_on_time", level="township") == 1  # the police station reported
    assert check_day(closing_day, now=at(closing_day, 23)) == []


def test_signs_are_counted_against_the_limit_their_dispatch_recorded(org):
    """及时签收: a sign before the dispatch's sign limit is on time, one after it is late, and a sign
    whose dispatch recorded no limit (an older step) is counted in neither."""
    with time_machine.travel(at(MONDAY), tick=False):
        early, late, unknown = intake(org), intake(org), intake(org)
        for case in (early, late, unknown):
            advance(org, case, Status.DISPATCHED)
    dispatch = CaseEvent.objects.filter(case=unknown, action=CaseEvent.Action.DISPATCH)
    # A dispatch step written before the limit was kept on it.
    CaseEvent.objects.filter(pk=dispatch.get().pk).update(data={**dispatch.get().data, "sign_due": ""})
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.sign_due is not None and late.sign_due is not None
    police = org["police"]
    with time_machine.travel(early.sign_due - timedelta(hours=1), tick=False):
        services.sign_case(case=early, by=police, version=early.version)
    sign_day = timezone.localdate(late.sign_due + timedelta(days=1))
    with time_machine.travel(late.sign_due + timedelta(days=1), tick=False):
        services.sign_case(case=late, by=police, version=late.version)
        unknown.refresh_from_db()
        services.sign_case(case=unknown, by=police, version=unknown.version)
    first_day = timezone.localdate(early.sign_due - timedelta(hours=1))
    fill(first_day, sign_day)
    assert (total(first_day, "signed_on_time"), total(first_day, "signed_late")) == (1, 0)
    assert (total(sign_day, "signed_on_time"), total(sign_day, "signed_late")) == (0, 1)
    assert total(first_day, "signed") + total(sign_day, "signed") == 3  # every sign is still a sign
    assert total(first_day, "signed_on_time", level="township") == 1  # the police station's level
    for day in (first_day, sign_day):
        assert check_day(day, now=at(sign_day, 23)) == []


def test_a_small_county_counts_as_worked_out_by_hand(org):
    d1, d2, d3 = MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    center = org["township_officer"]
    with time_machine.travel(at(d1), tick=False):
        a = intake(org)  # walk-in, 甲镇一村: received and accepted at once
        b = intake(org, village=org.village_a2)
        c = intake(org, channel="online")  # waits for acceptance
        ZeroReport.objects.create(village=org.village_a1, date=d1, reporter=center, submitted_at=at(d1), is_zero=True)
        ZeroReport.objects.create(
            village=org.village_a2, date=d1, reporter=center, submitted_at=at(d1, 20), is_zero=True, is_late=True
        )
    with time_machine.travel(at(d2), tick=False):
        services.accept_case(case=c, by=center, category=c.category, risk_level=c.risk_level, version=c.version)
        for case in (a, b):
            case.refresh_from_db()
            advance(org, case, Status.DISPATCHED)
    with time_machine.travel(at(d3), tick=False):
        a.refresh_from_db()
        advance(org, a, Status.CLOSED)  # signed, reported 调解成功 by the police station, approved
    fill(d1, d2, d3)

    # Day 1: three received (two in 甲镇一村, one in 二村), two accepted at the desk, three open.
    assert total(d1, "received") == 3
    assert total(d1, "received", region_code=org.village_a1.code) == 2
    assert total(d1, "received", channel="online") == 1
    assert total(d1, "accepted", level="township") == 2
    assert total(d1, "open_end") == 3
    assert total(d1, "open_end", colour="blue") == 3
    # Zero-reports of the three villages: one on time, one late, one missed.
    assert (total(d1, "zr_due"), total(d1, "zr_on_time"), total(d1, "zr_late"), total(d1, "zr_missed")) == (3, 1, 1, 1)
    assert total(d1, "zr_missed", region_code=org.village_b1.code) == 1
    # The villages of the tree, every day: the denominator of 夜访覆盖率.
    assert total(d1, "villages") == total(d2, "villages") == 3
    assert total(d1, "villages", region_code=org.village_b1.code) == 1
    # Day 2: the online case accepted, two dispatched; still three open.
    assert (total(d2, "received"), total(d2, "accepted"), total(d2, "dispatched"), total(d2, "open_end")) == (
        0,
        1,
        2,
        3,
    )
    assert total(d2, "zr_due") == 0  # a Tuesday outside a sensitive period
    # Day 3: case A signed, reported and closed as 调解成功 by a township-level unit; two open.
    assert (total(d3, "signed"), total(d3, "reported"), total(d3, "closed")) == (1, 1, 1)
    assert total(d3, "closed_resolved", level="township") == 1
    assert total(d3, "closed_resolved", level="village") == 0
    assert total(d3, "open_end") == 2
    for day in (d1, d2, d3):
        assert check_day(day, now=at(d3, 23)) == []
    # Every metric stored is one its provider declares (the indicators read the declarations).
    assert set(DailyStat.objects.values_list("metric", flat=True).distinct()) <= counted_metrics()


def replay_open(day: date) -> int:
    """An independent count of cases open at the end of `day`: each case's last status step."""
    end = at(day + timedelta(days=1), 0)
    last: dict[int, str] = {}
    for event in CaseEvent.objects.filter(at__lt=end).exclude(to_status="").order_by("at", "id"):
        last[event.case_id] = event.to_status
    return sum(1 for status in last.values() if status in OPEN_STATUSES)


def test_rollup_equals_live_recount_after_random_transitions_a_reopen_and_a_backdated_intake(org):
    rng = random.Random(12)
    days = [MONDAY + timedelta(days=i) for i in range(5)]
    targets = [
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.PENDING_REVIEW,
        Status.CLOSED,
        Status.EVALUATED,
    ]
    cases = []
    for day in days:
        with time_machine.travel(at(day), tick=False):
            cases += [intake(org, village=rng.choice([org.village_a1, org.village_a2])) for _ in range(2)]
            for case in rng.sample(cases, min(3, len(cases))):
                case.refresh_from_db()
                wanted = rng.choice(targets)
                if targets.index(wanted) > targets.index(case.status):
                    advance(org, case, wanted)
        with time_machine.travel(
            at(
                day,
                23,
            ),
            tick=False,
        ):
            refresh_stats()  # the beat's run late in the day
    last = days[-1]
    with time_machine.travel(at(last, 23, 20), tick=False):
        evaluated = advance(org, intake(org), Status.EVALUATED)
        services.reopen_case(case=evaluated, by=org["township_officer"], reason="群众不满意", version=evaluated.version)
        # A letter received two days ago, registered today: day 3's "received" changes after it was counted.
        intake(org, channel="letter", received_at=at(days[2], 9))
    assert check_day(days[2], now=at(last, 23)) != []  # day 3 is stale until the refresh
    with time_machine.travel(at(last, 23, 40), tick=False):
        result = refresh_stats()
    assert days[2] in result.filled
    for day in days:
        assert check_day(day, now=at(last, 23, 40)) == []
        assert total(day, "open_end") == replay_open(day)
        steps = CaseEvent.objects.filter(at__gte=at(day, 0), at__lt=at(day + timedelta(days=1), 0))
        assert total(day, "reopened") == steps.filter(action="reopen").count()
        assert total(day, "dispatched") == steps.filter(action="dispatch").count()
    assert total(days[2], "received", channel="letter") == 1
    assert total(last, "reopened") == 1


def test_a_fill_killed_half_way_is_redone_and_counts_once(org, monkeypatch):
    with time_machine.travel(at(MONDAY), tick=False):
        intake(org)
        intake(org, village=org.village_a2)
    fill(MONDAY)
    before = sorted(DailyStat.objects.filter(day=MONDAY).values_list("region_code", "metric", "value"))
    with time_machine.travel(at(MONDAY, 12), tick=False):
        intake(org)
    real = DailyStat.objects.bulk_create

    def dies_after_inserting(rows, **kwargs):
        real(rows[:3], **kwargs)  # some rows are in...
        raise RuntimeError("worker lost")  # ...and the process dies

    monkeypatch.setattr(DailyStat.objects, "bulk_create", dies_after_inserting)
    with time_machine.travel(at(MONDAY, 23), tick=False), pytest.raises(RuntimeError):
        fill_day(MONDAY)
    monkeypatch.undo()
    assert StatFill.objects.get(day=MONDAY).state == StatFill.State.STARTED
    assert sorted(DailyStat.objects.filter(day=MONDAY).values_list("region_code", "metric", "value")) == before
    with time_machine.travel(at(MONDAY + timedelta(days=1), 1), tick=False):
        assert MONDAY in refresh_stats().filled
    assert StatFill.objects.get(day=MONDAY).state == StatFill.State.DONE
    assert total(MONDAY, "received") == 3
    assert check_day(MONDAY) == []


def test_filling_twice_gives_the_same_rows(org):
    with time_machine.travel(at(MONDAY), tick=False):
        advance(org, intake(org), Status.IN_PROGRESS)
    fill(MONDAY)
    first = sorted(DailyStat.objects.values_list("day", "region_code", "level", "metric", "value"))
    fill(MONDAY)
    assert sorted(DailyStat.objects.values_list("day", "region_code", "level", "metric", "value")) == first


def test_people_see_only_the_rows_of_their_jurisdiction(org):
    with time_machine.travel(at(MONDAY), tick=False):
        intake(org)
    fill(MONDAY)
    a_prefix, b_prefix = org.town_a.prefix, org.town_b.prefix
    mine = DailyStat.objects.visible_to(org["township_officer"])
    assert mine.exists() and not mine.exclude(region_code__startswith=a_prefix).exists()
    theirs = DailyStat.objects.visible_to(org["outsider"])
    assert theirs.exists() and not theirs.exclude(region_code__startswith=b_prefix).exists()
    assert DailyStat.objects.visible_to(org["leader"]).count() == DailyStat.objects.count()
    assert not DailyStat.objects.visible_to(org["sysadmin"]).exists()


def fill_queries(org, n: int, day: date) -> int:
    with time_machine.travel(at(day), tick=False):
        for i in range(n):
            case = intake(org, village=org.village_a1 if i % 2 else org.village_a2)
            advance(org, case, [Status.REGISTERED, Status.DISPATCHED, Status.CLOSED][i % 3])
    with time_machine.travel(at(day, 23), tick=False), CaptureQueriesContext(connection) as queries:
        fill_day(day)
    return len(queries)


def test_a_fill_takes_a_fixed_number_of_queries_whatever_the_volume(org, django_assert_max_num_queries):
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    fill(MONDAY)  # the first fill ever creates the zero-report settings row
    small = fill_queries(org, 2, tuesday)
    large = fill_queries(org, 12, wednesday)
    assert small == large
    with time_machine.travel(at(wednesday, 23), tick=False), django_assert_max_num_queries(small):
        fill_day(wednesday)


def test_refresh_after_midnight_closes_yesterday(org):
    with time_machine.travel(at(MONDAY, 22), tick=False):
        refresh_stats()
        intake(org)  # after the last refresh of the day
    with time_machine.travel(at(MONDAY + timedelta(days=1), 0).replace(minute=2), tick=False):
        assert refresh_stats().filled == [MONDAY, MONDAY + timedelta(days=1)]
    assert total(MONDAY, "received") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-03-05", "--to", "2026-03-01"], "晚于截止日期"),
        (["--from", "2016-01-01", "--to", "2026-01-01"], "一次最多统计"),
        (["--to", "2999-01-01"], "不能统计未来"),
        (["--from", "1990-01-01", "--to", "1990-01-02"], "不能早于"),
        (["--from", "2026-02-30"], "格式不正确"),
    ],
)
def test_fill_stats_refuses_bad_ranges_with_a_clear_message(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("fill_stats", *args)
    assert not StatFill.objects.exists()


def test_check_stats_recounts_a_sample_and_reports_tampering(org):
    with time_machine.travel(at(MONDAY), tick=False):
        intake(org)
    fill(MONDAY, MONDAY + timedelta(days=1))
    call_command("fill_stats", "--from", str(MONDAY), "--to", str(MONDAY + timedelta(days=1)))
    days, mismatches = check_sample(5, rng=random.Random(1))
    assert days == [MONDAY, MONDAY + timedelta(days=1)] and mismatches == []
    call_command("check_stats", "--days", "2")
    DailyStat.objects.filter(day=MONDAY, metric="received").update(value=5)
    with pytest.raises(CommandError, match="不一致"):
        call_command("check_stats", "--days", "2")
    with pytest.raises(CommandError, match="1 至 366"):
        call_command("check_stats", "--days", "0")
