"""The overdue scan over cases: each kind and level, its recipients, idempotence, nagging while
red, catch-up after days without a scan, the daily digest, a fixed number of queries, and the
task on a real Celery worker."""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services
from disputes.models import (
    Case,
    Category,
    Hold,
    RiskLevel,
    StageLimit,
    Status,
    StatutoryLimit,
    Supervision,
    TimeLimitRule,
)
from disputes.scan import case_dues
from governance.models import Notification, Reminder
from governance.reminders import run_overdue_scan
from tests.factories import make_user

DUE = date(2026, 3, 2)  # a Monday; the default handling thresholds: 临期 2, 黄牌 0, 红牌 3 working days


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def early(day: date) -> datetime:
    """07:00, before the daily digest goes out, so only the case reminders are counted."""
    return at(day.year, day.month, day.day, 7)


@pytest.fixture
def head(org):
    return make_user("police_head", "handler", org.police_a, is_unit_head=True)


@pytest.fixture
def handling(make_case):
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=DUE)
    return case


def sent(case=None, **filters):
    reminders = Reminder.objects.filter(**filters)
    if case is not None:
        reminders = reminders.filter(subject=f"case:{case.pk}")
    return sorted(reminders.values_list("kind", "level", "day"))


def inbox(user):
    return list(Notification.objects.for_user(user).values_list("title", flat=True))


def test_handling_levels_reach_the_right_people(org, handling, head):
    run_overdue_scan(early(date(2026, 2, 20)))  # 5 working days left: nothing owed
    assert sent(handling) == []

    run_overdue_scan(early(date(2026, 2, 26)))  # 27, Sat 28 (调休), 2 March: 3 working days left, nothing
    assert sent(handling) == []
    run_overdue_scan(early(date(2026, 2, 27)))  # Sat 28 (调休) and 2 March: 临期, to the handling unit only
    assert sent(handling) == [("handle", "due_soon", date(2026, 2, 27))]
    assert any("【临期】" in t for t in inbox(org["police"]))
    assert not any("【临期】" in t for t in Notification.objects.filter(user=head).values_list("title", flat=True))

    run_overdue_scan(early(date(2026, 3, 3)))  # the deadline passed: 黄牌 to the unit and its head
    assert ("handle", "yellow", date(2026, 3, 3)) in sent(handling)
    assert Notification.objects.filter(user=head, title__startswith="【黄牌】").count() == 1
    assert Notification.objects.filter(unit=org.police_a, title__startswith="【黄牌】").count() == 1

    run_overdue_scan(early(date(2026, 3, 5)))  # 3 working days past: 红牌 to the head (leaders: the summary)
    assert ("handle", "red", date(2026, 3, 5)) in sent(handling)
    assert Notification.objects.filter(user=head, title__startswith="【红牌】").count() == 1
    for person in (org["leader"], org["township_leader"]):
        assert Notification.objects.filter(user=person, title__startswith="【红牌】").count() == 0
    assert not Notification.objects.filter(title__startswith="【红牌】", unit__isnull=False).exists()
    assert not any("【红牌】" in t for t in inbox(org["outsider"]))


def test_repeated_scans_send_once_and_red_nags_daily(org, handling, head):
    for hour in (7, 7, 7):
        run_overdue_scan(at(2026, 3, 5, hour))
    assert sent(handling) == [("handle", "red", date(2026, 3, 5))]
    second = run_overdue_scan(at(2026, 3, 5, 7, 45))
    assert second.owed == 1 and sum(second.sent.values()) == 0
    run_overdue_scan(early(date(2026, 3, 6)))
    assert sent(handling, level="red") == [("handle", "red", date(2026, 3, 5)), ("handle", "red", date(2026, 3, 6))]
    # The unit head hears of it every day; the leaders read it in their daily summary
    # (tests/disputes/test_overdue_scan_leaders.py).
    assert Notification.objects.filter(user=head, title__startswith="【红牌】").count() == 2
    assert Notification.objects.filter(user=org["leader"], title__startswith="【红牌】").count() == 0


def test_a_scan_after_days_down_catches_up(org, handling, head):
    # Nothing ran from before 临期 until well past the red threshold: the first scan sends the
    # card the case has reached, once, for today.
    result = run_overdue_scan(early(date(2026, 3, 10)))
    assert sent(handling) == [("handle", "red", date(2026, 3, 10))]
    assert result.sent[("handle", "red")] == 1


def test_moving_the_case_stops_the_nagging(org, handling, head):
    run_overdue_scan(early(date(2026, 3, 5)))
    services.report_case(case=handling, by=org["police"], outcome="resolved", routes=[], summary="已调解", version=None)
    Case.objects.filter(pk=handling.pk).update(reported_at=at(2026, 3, 5, 10))
    run_overdue_scan(early(date(2026, 3, 6)))
    assert sent(handling, kind="handle") == [("handle", "red", date(2026, 3, 5))]


def test_a_paused_case_owes_nothing(org, handling):
    services.pause_clock(case=handling, by=org["police"], reason=Hold.APPRAISAL, note="伤情鉴定", version=None)
    run_overdue_scan(early(date(2026, 3, 10)))
    assert sent(handling) == []


def test_sign_review_visit_and_supervision_clocks(org, make_case):
    unsigned = make_case(Status.DISPATCHED)
    Case.objects.filter(pk=unsigned.pk).update(sign_due=at(2026, 3, 2, 23, 59, 59))
    review = make_case(Status.PENDING_REVIEW)
    Case.objects.filter(pk=review.pk).update(reported_at=at(2026, 3, 2, 10))
    visit = make_case(Status.CLOSED)
    Case.objects.filter(pk=visit.pk).update(closed_at=at(2026, 2, 1, 10))
    listed = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=listed.pk).update(handle_due=date(2026, 6, 1))
    services.supervise_case(
        case=listed, by=org["leader"], instruction="一周内化解", due=timezone.localdate() + timedelta(days=3)
    )
    Supervision.objects.filter(case=listed).update(due=date(2026, 3, 2))

    run_overdue_scan(early(date(2026, 3, 4)))
    assert sent(unsigned) == [("sign", "red", date(2026, 3, 4))]  # 2 working days past the 1-day limit
    assert sent(review) == [("review", "due_soon", date(2026, 3, 4))]  # 3 working days to review: due 5 March
    # 30 days after closing on 1 February: due 3 March, so 4 March is the first overdue day.
    assert sent(visit) == [("visit", "yellow", date(2026, 3, 4))]
    # The leader's own deadline passed two working days ago: 红牌, to the leader who listed it too.
    assert ("supervision", "red", date(2026, 3, 4)) in sent(listed)
    assert any(
        listed.number in t for t in Notification.objects.filter(user=org["leader"]).values_list("title", flat=True)
    )
    # Review and visit are the center's to chase; the sign clock is the lead unit's.
    assert any("【黄牌】" in t and visit.number in t for t in inbox(org["township_officer"]))
    assert any(unsigned.number in t for t in inbox(org["police"]))


def test_the_daily_digest_goes_once_to_each_unit_that_owes(org, make_case):
    make_case(Status.DISPATCHED)
    make_case(Status.SUBMITTED)
    run_overdue_scan(at(2026, 3, 2, 7, 30))
    assert not Reminder.objects.filter(kind="digest").exists()
    run_overdue_scan(at(2026, 3, 2, 8, 15))
    run_overdue_scan(at(2026, 3, 2, 16, 0))
    digests = Notification.objects.filter(title__startswith="每日待办汇总")
    assert sorted(digests.values_list("unit_id", flat=True)) == sorted([org.police_a.pk, org.center_a.pk])
    assert "待签收 1 件" in digests.get(unit=org.police_a).body
    assert "待受理 1 件" in digests.get(unit=org.center_a).body
    run_overdue_scan(at(2026, 3, 3, 8, 15))
    assert digests.count() == 4


def test_the_scan_runs_a_fixed_number_of_queries(org, make_case):
    def queries() -> int:
        Reminder.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            run_overdue_scan(at(2026, 3, 10, 9))
        return len(captured)

    def listed_case(status: str = Status.IN_PROGRESS) -> None:
        """Overdue (or not dispatched yet), and listed by the county leader with a deadline past too."""
        case = make_case(status)
        Case.objects.filter(pk=case.pk).update(handle_due=DUE)
        services.supervise_case(
            case=case, by=org["leader"], instruction="限期办结", due=timezone.localdate() + timedelta(days=3)
        )
        Supervision.objects.filter(case=case).update(due=DUE)

    run_overdue_scan(at(2026, 3, 10, 9))  # the scan's lock row exists from now on
    for status in (Status.IN_PROGRESS, Status.REGISTERED):
        listed_case(status)
    few = queries()
    for status in [Status.IN_PROGRESS] * 6 + [Status.REGISTERED] * 2:
        listed_case(status)
    assert queries() == few
    assert Reminder.objects.filter(kind="supervision", level="red").count() == 10


def test_the_command_prints_what_it_sent(org, handling, capsys):
    call_command("run_overdue_scan", "--at", "2026-03-05T07:00")
    out = capsys.readouterr().out
    assert "办理 红牌: 1" in out and "本次发出 1 条" in out
    call_command("run_overdue_scan", "--at", "2026-03-05T07:15")
    assert "本次发出 0 条" in capsys.readouterr().out


def test_the_command_refuses_a_bad_time(db):
    from django.core.management.base import CommandError

    for command in ("run_overdue_scan", "run_warning_scan"):
        for bad in ("yesterday", "0001-01-01", "9999-12-31T23:59", "2026-03-05\x00"):
            with pytest.raises(CommandError, match="时间格式"):
                call_command(command, "--at", bad)


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_once(org, handling, head):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    barrier, errors = threading.Barrier(2), []

    def scan():
        try:
            barrier.wait()
            run_overdue_scan(early(date(2026, 3, 5)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Reminder.objects.filter(subject=f"case:{handling.pk}").count() == 1
    assert Notification.objects.filter(user=head, title__startswith="【红牌】").count() == 1


@pytest.mark.celery
def test_the_beat_task_runs_the_scan_on_a_worker(org, make_case, worker):
    from governance.tasks import overdue_scan

    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=timezone.localdate() - timedelta(days=30))
    output = overdue_scan.delay().get(timeout=60)
    assert "办理 红牌: 1" in output
    assert Reminder.objects.filter(subject=f"case:{case.pk}", level="red").count() == 1
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["overdue-scan"]["task"] == overdue_scan.name


# (kind, level, the scan day): each clock set to fall due on Monday 2 March 2026 (the visit clock
# on Tuesday 3 March, 30 days after closing on 1 February; review 3 working days after 2 March).
LEVELS = [
    ("sign", "due_soon", date(2026, 3, 2)),  # the day itself: nothing left
    ("sign", "yellow", date(2026, 3, 3)),
    ("sign", "red", date(2026, 3, 4)),  # 2 working days late
    ("handle", "due_soon", date(2026, 2, 27)),
    ("handle", "yellow", date(2026, 3, 3)),
    ("handle", "red", date(2026, 3, 5)),
    ("review", "due_soon", date(2026, 3, 4)),
    ("review", "yellow", date(2026, 3, 6)),
    ("review", "red", date(2026, 3, 9)),
    ("visit", "due_soon", date(2026, 2, 28)),
    ("visit", "yellow", date(2026, 3, 4)),
    ("visit", "red", date(2026, 3, 10)),
    ("supervision", "due_soon", date(2026, 2, 28)),  # a 调休 Saturday: a working day
    ("supervision", "yellow", date(2026, 3, 3)),
    ("supervision", "red", date(2026, 3, 4)),
]


def _clock_on(kind, make_case, org):
    if kind == "sign":
        case = make_case(Status.DISPATCHED)
        Case.objects.filter(pk=case.pk).update(sign_due=at(2026, 3, 2, 23, 59, 59))
    elif kind == "handle":
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=DUE)
    elif kind == "review":
        case = make_case(Status.PENDING_REVIEW)
        Case.objects.filter(pk=case.pk).update(reported_at=at(2026, 3, 2, 10))
    elif kind == "visit":
        case = make_case(Status.EVALUATED)
        Case.objects.filter(pk=case.pk).update(closed_at=at(2026, 2, 1, 10))
    else:
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=date(2026, 9, 1))
        services.supervise_case(
            case=case, by=org["leader"], instruction="限期办结", due=timezone.localdate() + timedelta(days=3)
        )
        Supervision.objects.filter(case=case).update(due=DUE)
    return case


@pytest.mark.parametrize(("kind", "level", "day"), LEVELS)
def test_each_kind_reaches_each_level(org, make_case, kind, level, day):
    case = _clock_on(kind, make_case, org)

    def levels_on(when):
        return {(d.kind, d.level) for d in case_dues(early(when)) if d.subject == f"case:{case.pk}"}

    assert levels_on(day) == {(kind, level)}
    assert levels_on(day - timedelta(days=1)) != {(kind, level)}  # reached that very day
    result = run_overdue_scan(early(day))
    assert result.sent == {(kind, level): 1} and [(k, lv) for k, lv, _d in sent(case)] == [(kind, level)]


def test_a_county_row_of_the_matrix_decides_the_county_center_s_cases(org, make_case, head):
    """The county's own 红牌 after 1 working day: a case the county center took in turns red the
    day after its deadline; the same deadline of a township's case is only 黄牌."""
    rule = TimeLimitRule.objects.create(level=TimeLimitRule.Level.COUNTY)
    StageLimit.objects.create(rule=rule, stage="handle", amount=30, due_soon=2, yellow_after=0, red_after=1)
    county = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=county.pk).update(handle_due=DUE, intake_unit=org.county_center)
    township = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=township.pk).update(handle_due=DUE)

    run_overdue_scan(early(date(2026, 3, 3)))
    assert sent(county) == [("handle", "red", date(2026, 3, 3))]
    assert sent(township) == [("handle", "yellow", date(2026, 3, 3))]


def test_a_statute_of_a_sector_is_cited_to_the_units_of_that_sector(org, make_case, head):
    """An administrator's statute for the police sector: the police station's reminder cites it;
    a mediation committee's case of the same day cites its own (人民调解, by kind)."""
    StatutoryLimit.objects.create(
        code="police-mediation",
        name="治安调解期限",
        amount=30,
        unit="calendar_days",
        citation="《公安机关治安调解工作规范》第十二条",
        handled_by_sector="police",
    )
    police = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=police.pk).update(handle_due=DUE)
    mediated = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=mediated.pk).update(handle_due=DUE, lead_unit=org.mediation_a)

    run_overdue_scan(early(DUE))
    bodies = dict(Notification.objects.filter(title__startswith="【临期】").values_list("unit_id", "body"))
    assert bodies[org.police_a.pk].endswith("\n依据：《公安机关治安调解工作规范》第十二条")
    assert bodies[org.mediation_a.pk].endswith("\n依据：《人民调解工作若干规定》第三十六条")


def test_a_red_risk_case_counts_only_its_sign_in_hours(org, make_case):
    """The red-risk row counts 签收 in hours; its review and visit run on (working) days like any
    case's, whatever the sign deadline the case once had."""
    red = RiskLevel.objects.get(code="red")
    review = make_case(Status.PENDING_REVIEW, risk_level=red)
    Case.objects.filter(pk=review.pk).update(reported_at=at(2026, 3, 2, 10))
    visit = make_case(Status.EVALUATED, risk_level=red)
    Case.objects.filter(pk=visit.pk).update(closed_at=at(2026, 2, 1, 10))

    run_overdue_scan(early(date(2026, 3, 6)))
    assert [(kind, level) for kind, level, _day in sent(review)] == [("review", "yellow")]
    assert [(kind, level) for kind, level, _day in sent(visit)] == [("visit", "yellow")]


def test_a_matrix_without_limits_in_hours_still_scans(org, make_case, head):
    """An administrator turns every hour limit into days: no clock is counted in hours any more."""
    StageLimit.objects.filter(unit="hours").update(unit="working_days")
    StageLimit.objects.first().save()  # as the admin saves it
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=DUE)

    result = run_overdue_scan(early(date(2026, 3, 5)))
    assert result.sent == {("handle", "red"): 1} and sent(case) == [("handle", "red", date(2026, 3, 5))]


def test_a_township_row_counting_sign_in_hours_measures_from_the_sign_deadline(org, make_case):
    """甲镇's own row: neighbour disputes are signed for within 6 hours, 红牌 6 hours late (the
    default row counts 签收 in working days). 12:45 is 6¼ hours after a 06:30 deadline."""
    neighbours = Category.objects.get(code="neighbourhood")
    rule = TimeLimitRule.objects.create(level=TimeLimitRule.Level.TOWNSHIP, category=neighbours)
    StageLimit.objects.create(rule=rule, stage="sign", amount=6, unit="hours", due_soon=1, yellow_after=0, red_after=6)
    case = make_case(Status.DISPATCHED, category=neighbours)
    Case.objects.filter(pk=case.pk).update(sign_due=at(2026, 3, 4, 6, 30))

    run_overdue_scan(at(2026, 3, 4, 12, 45))
    assert sent(case) == [("sign", "red", date(2026, 3, 4))]


def test_only_open_listings_are_chased_each_one_whatever_the_order(org, make_case):
    """An answered listing is not chased; a newer listing not yet due does not hide an older one
    that is."""
    chased, answered, later = (make_case(Status.IN_PROGRESS) for _n in range(3))
    for case in (chased, answered, later):
        Case.objects.filter(pk=case.pk).update(handle_due=date(2026, 9, 1))
        services.supervise_case(
            case=case, by=org["leader"], instruction="限期办结", due=timezone.localdate() + timedelta(days=3)
        )
    services.answer_supervision(
        supervision=Supervision.objects.get(case=answered), by=org["police"], answer="已约双方调解"
    )
    Supervision.objects.filter(case__in=[chased, answered]).update(due=DUE)
    Supervision.objects.filter(case=later).update(due=date(2026, 3, 20))  # read (within 21 days), not due yet

    run_overdue_scan(early(date(2026, 3, 4)))
    assert sent(kind="supervision") == [("supervision", "red", date(2026, 3, 4))]
    assert Reminder.objects.get(kind="supervision").subject == f"case:{chased.pk}"
