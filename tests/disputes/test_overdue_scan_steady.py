"""The overdue scan's steady runs (disputes/scan.py, `steady_since`): after the day's full pass a
run reads only the cases saved since, and those on a clock counted in hours. Nothing may be lost:
whatever moves a deadline or a threshold in between — an extension granted, a report sent back,
the matrix or the calendar edited by an administrator, an hourly clock running on — the next run
sends exactly what a full reading of every clock (`case_dues`) says is owed."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from disputes import services
from disputes.models import Case, CaseEvent, Category, RiskLevel, StageLimit, Status, StatutoryLimit, TimeLimitRule
from disputes.scan import case_dues
from governance.models import CalendarDay, Notification, Reminder, Unit
from governance.reminders import run_overdue_scan
from tests.factories import make_user

DAY = date(2026, 3, 5)  # a Thursday; a handling deadline of Monday 2 March is 3 working days past: 红牌


def at(hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(DAY.year, DAY.month, DAY.day, hour, minute))


def sent(case: Case) -> set[tuple[str, str]]:
    return set(Reminder.objects.filter(subject=f"case:{case.pk}").values_list("kind", "level"))


class Day:
    """Scans at moments of DAY with the wall clock there too (as beat runs them); each scan must
    leave written exactly what the clocks owed at every scan so far."""

    def __init__(self) -> None:
        self.owed: set[tuple] = set()

    def scan(self, when: datetime):
        with time_machine.travel(when, tick=False):
            result = run_overdue_scan(when)
        # The leaders' 红牌汇总 counts every case: the period's full pass makes it, no steady run.
        self.owed |= {due.key for due in case_dues(when) if due.kind != "red_digest" or result.since is None}
        assert set(Reminder.objects.values_list("subject", "kind", "level", "day")) == self.owed
        return result


@pytest.fixture
def day(org):
    make_user("police_head", "handler", org.police_a, is_unit_head=True)
    return Day()


@pytest.fixture
def early_case(make_case):
    """make_case at 06:00 of DAY (long before the full pass), its handling deadline set."""

    def _make(status: str, handle_due: date | None = None, **extra) -> Case:
        with time_machine.travel(at(6), tick=False):
            case = make_case(status, **extra)
        if handle_due is not None:
            Case.objects.filter(pk=case.pk).update(handle_due=handle_due)
            CaseEvent.objects.filter(case=case, action=CaseEvent.Action.DISPATCH).update(
                data={"due": handle_due.isoformat()}
            )
        case.refresh_from_db()
        return case

    return _make


def test_a_steady_run_reads_only_the_cases_changed_since_the_full_pass(org, day, early_case):
    quiet = early_case(Status.IN_PROGRESS, date(2026, 3, 2))
    moved = early_case(Status.IN_PROGRESS, date(2026, 3, 20))
    full = day.scan(at(9))
    assert full.since is None and full.owed >= 1 and sent(quiet) == {("handle", "red")}

    steady = day.scan(at(9, 15))
    assert steady.since is not None and steady.owed == 0  # nothing changed: no case read
    with time_machine.travel(at(9, 30), tick=False):
        services.pause_clock(case=moved, by=org["police"], reason="appraisal", note="伤情鉴定", version=None)
    steady = day.scan(at(9, 45))
    assert steady.since is not None and sum(steady.sent.values()) == 0
    assert "增量检查" in str(steady)


def test_an_extension_granted_after_the_full_pass_is_followed(org, day, early_case):
    case = early_case(Status.IN_PROGRESS, date(2026, 3, 2))
    day.scan(at(9))
    assert sent(case) == {("handle", "red")}
    with time_machine.travel(at(10), tick=False):
        extension = services.request_extension(case=case, by=org["police"], days=3, reason="需补充鉴定")
        services.decide_extension(extension=extension, by=org["township_officer"], approve=True, days=3)
    case.refresh_from_db()
    assert case.handle_due == DAY  # due today now: 临期
    steady = day.scan(at(10, 15))
    assert steady.since is not None and ("handle", "due_soon") in sent(case)


def test_a_report_sent_back_after_the_full_pass_turns_red(org, day, early_case):
    case = early_case(Status.PENDING_REVIEW, date(2026, 3, 2))
    day.scan(at(9))
    assert ("handle", "red") not in sent(case)
    with time_machine.travel(at(10), tick=False):
        services.send_back_case(case=case, by=org["township_officer"], reason="材料不全", version=None)
    steady = day.scan(at(10, 15))
    assert steady.since is not None and ("handle", "red") in sent(case)


def test_a_matrix_edit_makes_the_next_run_a_full_pass(org, day, early_case):
    case = early_case(Status.IN_PROGRESS, date(2026, 3, 4))  # 1 working day past: 黄牌
    day.scan(at(9))
    assert sent(case) == {("handle", "yellow")}
    with time_machine.travel(at(10), tick=False):
        default = TimeLimitRule.objects.get(category=None, risk_level=None, level="")
        StageLimit.objects.filter(rule=default, stage="handle").update(red_after=1)
        StageLimit.objects.get(rule=default, stage="handle").save()  # as the admin saves it
    result = day.scan(at(10, 15))
    assert result.since is None and ("handle", "red") in sent(case)
    assert day.scan(at(10, 30)).since is not None  # and steady again on the new matrix


def test_a_calendar_edit_makes_the_next_run_a_full_pass(org, day, early_case):
    case = early_case(Status.IN_PROGRESS, date(2026, 3, 10))  # Fri 6, Mon 9, Tue 10: 3 working days left
    day.scan(at(9))
    assert sent(case) == set()
    with time_machine.travel(at(10), tick=False):
        CalendarDay.objects.create(date=date(2026, 3, 6), is_working_day=False, name="县里临时放假")
    result = day.scan(at(10, 15))
    assert result.since is None and sent(case) == {("handle", "due_soon")}


def test_an_hourly_clock_runs_on_between_full_passes(org, day, early_case):
    case = early_case(Status.DISPATCHED, risk_level=RiskLevel.objects.get(code="red"))
    Case.objects.filter(pk=case.pk).update(sign_due=at(10, 30))  # 2 hours to sign, not saved since 06:00
    day.scan(at(9))
    assert sent(case) == set()
    day.scan(at(9, 45))  # less than an hour left: 临期
    assert sent(case) == {("sign", "due_soon")}
    steady = day.scan(at(13))  # 2.5 hours late: 红牌, though nobody touched the case
    assert steady.since is not None and ("sign", "red") in sent(case)


def test_the_digest_of_a_unit_that_first_owes_after_the_full_pass(org, day, early_case, make_case):
    day.scan(at(9))
    assert not Reminder.objects.filter(kind="digest", subject=f"unit:{org.police_a.pk}").exists()
    with time_machine.travel(at(11), tick=False):
        make_case(Status.DISPATCHED)
    steady = day.scan(at(11, 15))
    assert steady.since is not None
    assert Reminder.objects.filter(kind="digest", subject=f"unit:{org.police_a.pk}").exists()


def hourly_rule(stage: str, amount: int, due_soon: int, red_after: int, **row) -> None:
    """An administrator's row of the matrix counting `stage` in hours."""
    rule = TimeLimitRule.objects.create(**row)
    StageLimit.objects.create(
        rule=rule, stage=stage, amount=amount, unit="hours", due_soon=due_soon, yellow_after=0, red_after=red_after
    )


def test_a_late_sign_clock_of_a_specific_row_turns_red_between_full_passes(org, day, early_case):
    # 甲镇's red-risk neighbour disputes: six hours to sign, 红牌 six hours after (the red-risk row
    # of every level and category says two and two).
    neighbours = Category.objects.get(code="neighbourhood")
    red = RiskLevel.objects.get(code="red")
    hourly_rule("sign", 6, 1, 6, level="township", category=neighbours, risk_level=red)
    case = early_case(Status.DISPATCHED, risk_level=red)
    Case.objects.filter(pk=case.pk).update(sign_due=at(6, 30))
    day.scan(at(12))  # five and a half hours late: 黄牌
    assert sent(case) == {("sign", "yellow")}
    steady = day.scan(at(12, 45))  # six and a quarter: 红牌, though nobody touched the case
    assert steady.since is not None and ("sign", "red") in sent(case)


def test_a_late_review_counted_in_hours_turns_red_between_full_passes(org, day, early_case):
    hourly_rule("review", 24, 4, 4, category=Category.objects.get(code="neighbourhood"))
    case = early_case(Status.PENDING_REVIEW)
    Case.objects.filter(pk=case.pk).update(reported_at=at(9) - timedelta(days=1))  # due at 09:00 today
    day.scan(at(12))  # three hours late: 黄牌
    assert sent(case) == {("review", "yellow")}
    steady = day.scan(at(13, 15))
    assert steady.since is not None and ("review", "red") in sent(case)


def test_a_center_that_first_owes_after_the_full_pass_gets_its_digest(org, day, make_case):
    day.scan(at(9))
    with time_machine.travel(at(11), tick=False):
        make_case(Status.REGISTERED)  # taken in at 甲镇综治中心: to dispatch
    steady = day.scan(at(11, 15))
    assert steady.since is not None
    digest = Notification.objects.get(unit=org.center_a, title__startswith="每日待办汇总")
    assert digest.body == "待分流 1 件"


def test_a_listing_after_the_full_pass_is_in_the_lead_units_digest(org, day, early_case):
    case = early_case(Status.IN_PROGRESS, date(2026, 4, 30))  # nothing owed yet
    day.scan(at(9))
    with time_machine.travel(at(10), tick=False):
        services.supervise_case(case=case, by=org["leader"], instruction="限期办结", due=date(2026, 3, 20))
    assert day.scan(at(10, 15)).since is not None
    digest = Notification.objects.get(unit=org.police_a, title__startswith="每日待办汇总")
    assert digest.body == "挂牌督办待回复 1 件"


def test_an_extension_asked_after_the_full_pass_is_in_the_centers_digest(org, day, early_case):
    case = early_case(Status.IN_PROGRESS, date(2026, 4, 30))
    day.scan(at(9))
    with time_machine.travel(at(10), tick=False):
        services.request_extension(case=case, by=org["police"], days=3, reason="需补充鉴定")
    assert day.scan(at(10, 15)).since is not None
    digest = Notification.objects.get(unit=org.center_a, title__startswith="每日待办汇总")
    assert digest.body == "延期申请待审批 1 件"


# --- What the mutants of disputes/scan.py showed untested --------------------------------------


def test_a_statute_edited_or_a_unit_s_kind_or_sector_changed_makes_the_next_run_full(org, day, early_case):
    early_case(Status.IN_PROGRESS, date(2026, 3, 20))
    statute = StatutoryLimit.objects.create(
        code="test-limit", name="测试时限", amount=30, unit="calendar_days", citation="《测试规定》第一条"
    )
    assert day.scan(at(9)).since is None
    assert day.scan(at(9, 10)).since is not None

    def edited_statute():
        statute.amount = 20  # the same statutes, one of them changed
        statute.save()

    def police_station_made_a_mediation_committee():  # a department before
        Unit.objects.filter(pk=org.police_a.pk).update(kind=Unit.Kind.MEDIATION)

    def police_station_moved_to_the_justice_sector():
        Unit.objects.filter(pk=org.police_a.pk).update(sector=Unit.Sector.JUSTICE)

    for minute, change in zip((20, 40), (edited_statute, police_station_made_a_mediation_committee), strict=True):
        with time_machine.travel(at(10, minute), tick=False):
            change()
        assert day.scan(at(10, minute + 5)).since is None, change.__name__
        assert day.scan(at(10, minute + 10)).since is not None, change.__name__
    with time_machine.travel(at(11), tick=False):
        police_station_moved_to_the_justice_sector()
    assert day.scan(at(11, 5)).since is None


def test_a_visit_counted_in_hours_says_the_hour_it_is_due_in_beijing_time(org, day, early_case):
    hourly_rule("visit", 24, 2, 4, category=Category.objects.get(code="neighbourhood"))
    case = early_case(Status.CLOSED)
    Case.objects.filter(pk=case.pk).update(closed_at=at(10, 30) - timedelta(days=1))
    day.scan(at(9))
    titles = set(Notification.objects.filter(title__contains=case.number).values_list("title", flat=True))
    assert titles == {f"【临期】{case.number} 应于 2026-03-05 10:30 前回访"}


def test_a_due_soon_notice_is_sent_once_not_again_the_next_day(org, early_case):
    case = early_case(Status.IN_PROGRESS, date(2026, 3, 6))  # due tomorrow: 临期 on the 5th
    for moment in (at(9), at(9) + timedelta(days=1)):
        with time_machine.travel(moment, tick=False):
            run_overdue_scan(moment)
    # Keyed on the day it was reached (two working days before the deadline), not on each day since.
    assert list(Reminder.objects.filter(subject=f"case:{case.pk}").values_list("kind", "level", "day")) == [
        ("handle", "due_soon", date(2026, 3, 4))
    ]


def test_a_visited_case_is_not_chased_for_its_visit_whatever_its_old_deadlines(org, early_case):
    visited, waiting = early_case(Status.CLOSED, date(2026, 1, 20)), early_case(Status.CLOSED, date(2026, 1, 20))
    Case.objects.filter(pk__in=[visited.pk, waiting.pk]).update(
        closed_at=at(9) - timedelta(days=40), sign_due=at(9) - timedelta(days=60)
    )
    Case.objects.filter(pk=visited.pk).update(visited_at=at(9) - timedelta(days=39))
    with time_machine.travel(at(9), tick=False):
        run_overdue_scan(at(9))
    assert sent(visited) == set() and sent(waiting) == {("visit", "red")}


def test_yesterday_s_digest_does_not_stand_for_today_s(org, make_case):
    def scan(moment: datetime):
        with time_machine.travel(moment, tick=False):
            return run_overdue_scan(moment)

    with time_machine.travel(at(6), tick=False):
        registered = make_case(Status.REGISTERED)
    scan(at(9))  # the center owes a dispatch today
    with time_machine.travel(at(17), tick=False):
        services.dispatch_case(
            case=registered, by=org["township_officer"], lead_unit=org.police_a, due=date(2026, 3, 20), version=None
        )
    tomorrow = at(9) + timedelta(days=1)
    scan(tomorrow)  # the center owes nothing
    with time_machine.travel(tomorrow + timedelta(hours=2), tick=False):
        make_case(Status.REGISTERED)
    assert scan(tomorrow + timedelta(hours=2, minutes=15)).since is not None
    digests = Reminder.objects.filter(kind="digest", subject=f"unit:{org.center_a.pk}")
    assert sorted(digests.values_list("day", flat=True)) == [DAY, DAY + timedelta(days=1)]


def test_a_new_release_of_the_holiday_library_makes_the_next_run_full(org, day, early_case, monkeypatch):
    """A new release may know the next year's holidays: every deadline counted in working days is
    measured again."""
    import chinese_calendar

    early_case(Status.IN_PROGRESS, date(2026, 3, 20))
    assert day.scan(at(9)).since is None
    assert day.scan(at(9, 10)).since is not None
    monkeypatch.setattr(chinese_calendar, "__version__", chinese_calendar.__version__ + ".post1")
    assert day.scan(at(9, 20)).since is None


def test_two_units_swapping_their_kinds_and_sectors_makes_the_next_run_full(org, day, early_case):
    """An administrator corrects two units entered the wrong way round: the same kinds and sectors
    in all, but each case's statute follows its own unit's."""
    early_case(Status.IN_PROGRESS, date(2026, 3, 20))
    assert day.scan(at(9)).since is None
    assert day.scan(at(9, 10)).since is not None
    police, mediation = Unit.objects.get(pk=org.police_a.pk), Unit.objects.get(pk=org.mediation_a.pk)
    with time_machine.travel(at(9, 15), tick=False):
        Unit.objects.filter(pk=police.pk).update(kind=mediation.kind, sector=mediation.sector)
        Unit.objects.filter(pk=mediation.pk).update(kind=police.kind, sector=police.sector)
    assert day.scan(at(9, 20)).since is None
