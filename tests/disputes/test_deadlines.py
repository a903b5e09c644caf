from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from disputes.deadlines import (
    Limit,
    LimitBook,
    add_months,
    default_handle_due,
    handle_due_from_events,
    limit_for,
    measure,
    standing,
)
from disputes.models import (
    Case,
    CaseEvent,
    Category,
    Hold,
    RiskLevel,
    StageLimit,
    Status,
    StatutoryLimit,
    TimeLimitRule,
)
from governance.services import record_official_schedule
from tests.factories import PERSONAS

A = CaseEvent.Action


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def handling(org, due=date(2026, 2, 24), **fields) -> Case:
    return Case(status=Status.IN_PROGRESS, handle_due=due, intake_unit=org.center_a, township=org.town_a, **fields)


@pytest.mark.parametrize(
    ("today", "state", "left", "level"),
    [
        (date(2026, 2, 5), "ok", 8, ""),  # 6, 9-13, Sat 14 (调休), Tue 24
        (date(2026, 2, 12), "ok", 3, ""),  # 13, Sat 14 (调休), then Tue 24 after the Spring Festival
        (date(2026, 2, 13), "due_soon", 2, "due_soon"),
        (date(2026, 2, 24), "due_soon", 0, "due_soon"),
        (date(2026, 2, 25), "overdue", 1, "yellow"),
        (date(2026, 2, 27), "overdue", 3, "red"),  # 25, 26, 27: the default red threshold is 3 working days
        (date(2026, 3, 2), "overdue", 5, "red"),  # 25, 26, 27, Sat 28 (调休), Mon 2 March
    ],
)
def test_handling_clock_counts_working_days(org, today, state, left, level):
    clock = standing(handling(org), at(today.year, today.month, today.day, 10))
    assert (clock.stage, clock.state, clock.left, clock.level) == ("handle", state, left, level)


def test_levels_are_keyed_on_the_day_they_were_reached(org):
    case = handling(org)
    # 临期 began 2 working days before the deadline: Fri 13 Feb (Sat 14 and Tue 24 are left).
    assert standing(case, at(2026, 2, 14, 9)).crossed == date(2026, 2, 13)
    # 黄牌 on the first day after the deadline, 红牌 on the third working day past it.
    assert standing(case, at(2026, 2, 26, 9)).crossed == date(2026, 2, 25)
    assert standing(case, at(2026, 3, 5, 9)).crossed == date(2026, 2, 27)


def test_red_cases_must_be_signed_within_two_hours(org):
    red = RiskLevel.objects.get(code="red")
    limit = limit_for(Case(intake_unit=org.center_a, risk_level=red), "sign")
    assert (limit.amount, limit.unit) == (2, "hours")
    case = Case(status=Status.DISPATCHED, intake_unit=org.center_a, township=org.town_a, risk_level=red)
    case.sign_due = limit.deadline(at(2026, 11, 23, 10, 0))
    assert case.sign_due == at(2026, 11, 23, 12, 0)
    assert standing(case, at(2026, 11, 23, 10, 30)).state == "ok"
    soon = standing(case, at(2026, 11, 23, 11, 30))
    assert (soon.state, soon.level, soon.left) == ("due_soon", "due_soon", 0)
    assert standing(case, at(2026, 11, 23, 13, 0)).level == "yellow"
    assert standing(case, at(2026, 11, 23, 14, 5)).level == "red"


def test_the_most_specific_matrix_row_wins(org):
    red = RiskLevel.objects.get(code="red")
    family = Category.objects.get(code="marriage_family")
    case = Case(intake_unit=org.county_center, category=family, risk_level=red)
    assert limit_for(case, "handle").amount == 7  # the red row
    rule = TimeLimitRule.objects.create(level="county", category=family, risk_level=None)
    StageLimit.objects.create(rule=rule, stage="handle", amount=5, due_soon=1, yellow_after=0, red_after=1)
    # Two fields (county, family) beat one (red); the saved rule cleared the cached book.
    assert limit_for(case, "handle").amount == 5
    book = LimitBook.load()
    assert book.limit("handle", level="county", category_id=family.pk, risk_level_id=red.pk).amount == 5
    assert limit_for(case, "sign").unit == "hours"  # no sign limit in the new row: the red row's
    township_case = Case(intake_unit=org.center_a, category=family, risk_level=red)
    assert limit_for(township_case, "handle").amount == 7


def test_a_statute_caps_the_default_deadline_and_is_cited(org):
    mediation = org.mediation_a
    blue = RiskLevel.objects.get(code="blue")
    case = Case(intake_unit=org.center_a, risk_level=blue, township=org.town_a)
    start = date(2026, 3, 2)
    assert default_handle_due(case, start) == date(2026, 4, 14)  # 30 working days (清明 on 6 April)
    assert default_handle_due(case, start, mediation) == date(2026, 4, 2)  # one month: 人民调解工作若干规定 Art. 36
    case = handling(org, due=date(2026, 4, 2), lead_unit=mediation, risk_level=blue)
    assert standing(case, at(2026, 3, 10, 9)).citation == "《人民调解工作若干规定》第三十六条"
    assert StatutoryLimit.objects.get(code="judicial_confirmation").citation == "《中华人民共和国人民调解法》第三十三条"


def test_one_month_ends_on_the_last_day_of_a_short_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def event(action, when, **data):
    return CaseEvent(action=action, at=at(*when), data=data)


def test_the_deadline_follows_the_recorded_transitions(db):
    events = [
        event(A.DISPATCH, (2026, 3, 2, 9), due="2026-03-20"),
        event(A.SIGN, (2026, 3, 2, 10)),
        # Waiting for materials Mon 9 to Mon 16 March: five working days are added.
        event(A.PAUSE, (2026, 3, 9, 9), reason="materials"),
        event(A.RESUME, (2026, 3, 16, 9)),
        event(A.EXTENSION_APPROVE, (2026, 3, 20, 9), days=3),
    ]
    assert handle_due_from_events(events[:3]) == date(2026, 3, 20)
    assert handle_due_from_events(events[:4]) == date(2026, 3, 27)
    assert handle_due_from_events(events) == date(2026, 4, 1)
    # A return clears it; the next dispatch starts afresh.
    again = [*events, event(A.RETURN, (2026, 3, 23, 9)), event(A.DISPATCH, (2026, 3, 24, 9), due="2026-04-30")]
    assert handle_due_from_events(again[:-1]) is None
    assert handle_due_from_events(again) == date(2026, 4, 30)


def test_a_paused_clock_shows_paused_and_owes_nothing(org):
    case = handling(org, hold=Hold.APPRAISAL)
    clock = standing(case, at(2026, 3, 30, 9))
    assert (clock.state, clock.level) == ("paused", "")
    assert "鉴定中" in clock.label


def test_no_clock_once_archived_or_before_dispatch(org):
    assert standing(handling(org, due=None), at(2026, 3, 1, 9)) is None
    assert standing(Case(status=Status.ARCHIVED), at(2026, 3, 1, 9)) is None
    assert standing(Case(status=Status.REGISTERED), at(2026, 3, 1, 9)) is None


def test_measure_below_the_yellow_threshold_stays_due_soon(db):
    limit = Limit("handle", 10, "working_days", due_soon=2, yellow_after=2, red_after=4)
    clock = measure("handle", at(2026, 11, 20, 23, 59, 59), limit, at(2026, 11, 23, 9))
    assert (clock.state, clock.left, clock.level) == ("overdue", 1, "due_soon")


def test_the_clock_shows_in_the_list(org, login, make_case):
    made = make_case(Status.IN_PROGRESS)
    body = login(org["township_officer"]).get("/cases/").content.decode()
    assert "个工作日" in body and made.number in body


def test_dispatch_to_a_mediation_committee_is_held_to_one_month(org, make_case):
    from django.core.exceptions import ValidationError

    from disputes import services
    from disputes.deadlines import add_months

    case = make_case(Status.REGISTERED)
    too_late = add_months(timezone.localdate(), 1) + timedelta(days=1)
    with pytest.raises(ValidationError, match="人民调解工作若干规定"):
        services.dispatch_case(
            case=case, by=org["township_officer"], lead_unit=org.mediation_a, due=too_late, version=case.version
        )
    case.refresh_from_db()
    assert case.status == Status.REGISTERED
    case = services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.mediation_a,
        due=add_months(timezone.localdate(), 1),
        version=case.version,
    )
    assert case.status == Status.DISPATCHED and case.sign_due is not None


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_time_limit_page_answers_every_role(org, login, persona, django_assert_max_num_queries):
    client = login(org[persona])
    with django_assert_max_num_queries(12):
        response = client.get("/cases/time-limits/")
    allowed = {"county_officer", "township_officer", "leader", "township_leader", "outsider"}
    assert response.status_code == (200 if persona in allowed else 403)
    if response.status_code == 200:
        body = response.content.decode()
        assert "《人民调解工作若干规定》第三十六条" in body and "2 小时" in body and "各类别" in body


def test_a_deadline_in_a_year_nobody_has_published_is_marked_estimated(org):
    # 2027 is in no library release and not entered: counted on the statutory holidays only.
    assert standing(handling(org, due=date(2027, 1, 20)), at(2026, 12, 1, 10)).estimated
    assert not standing(handling(org, due=date(2026, 12, 20)), at(2026, 12, 1, 10)).estimated
    # Overdue into 2027: the count of working days past runs through the estimated year.
    assert standing(handling(org, due=date(2026, 12, 20)), at(2027, 1, 6, 10)).estimated
    record_official_schedule(
        year=2027, source="测试", holidays=[("元旦", date(2027, 1, 1), date(2027, 1, 1))], working_days=[], by=None
    )
    assert not standing(handling(org, due=date(2027, 1, 20)), at(2026, 12, 1, 10)).estimated


def test_the_case_page_and_list_show_estimated_beside_the_deadline(org, login, make_case):
    into_2027, in_2026 = make_case(Status.IN_PROGRESS), make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=into_2027.pk).update(handle_due=date(2027, 1, 20))
    Case.objects.filter(pk=in_2026.pk).update(handle_due=date(2026, 12, 20))
    with time_machine.travel(at(2026, 12, 1, 10), tick=False):
        client = login(org["township_officer"])
        detail = client.get(f"/cases/{into_2027.number}/").content.decode()
        assert 'data-testid="estimated"' in detail and "（预估）" in detail
        assert 'data-testid="estimated"' not in client.get(f"/cases/{in_2026.number}/").content.decode()
        listing = client.get("/cases/").content.decode()
        assert listing.count('data-testid="estimated"') == 1


# --- What the mutants of disputes/deadlines.py showed untested ----------------------------------


def test_an_emptied_matrix_falls_back_to_the_design_s_limits(org):
    """An administrator deleted every row: each stage still has the limits and thresholds of
    DESIGN.md, not no clock."""
    TimeLimitRule.objects.all().delete()
    book = LimitBook.from_database()
    found = {
        stage: book.limit(stage, level="township", category_id=None, risk_level_id=None)
        for stage in ("sign", "handle", "review", "visit")
    }
    assert found == {
        "sign": Limit("sign", 1, "working_days", 0, 0, 2),
        "handle": Limit("handle", 30, "working_days", 2, 0, 3),
        "review": Limit("review", 3, "working_days", 1, 0, 2),
        "visit": Limit("visit", 30, "calendar_days", 3, 0, 7),
    }


def test_a_paused_clock_keeps_its_unit_citation_and_whether_it_is_estimated(org):
    """Paused under a mediation committee: no time left is shown, the statute is still cited, and a
    deadline in a year nobody has published is still marked estimated."""
    committee = {"lead_unit": org.mediation_a, "hold": Hold.MATERIALS}
    clock = standing(handling(org, due=date(2027, 1, 20), **committee), at(2026, 12, 1, 10))
    assert (clock.state, clock.left, clock.unit, clock.level) == ("paused", 0, "working_days", "")
    assert clock.citation == "《人民调解工作若干规定》第三十六条" and clock.estimated is True
    assert standing(handling(org, due=date(2026, 12, 20), **committee), at(2026, 12, 1, 10)).estimated is False


def test_a_clock_in_calendar_days_is_never_estimated(db):
    """Calendar days need no holiday calendar: a visit due in 2027 is exact."""
    limit = Limit("visit", 30, "calendar_days", due_soon=3, yellow_after=0, red_after=7)
    clock = measure("visit", at(2027, 1, 20, 23, 59, 59), limit, at(2026, 12, 30, 10))
    assert (clock.state, clock.left, clock.estimated) == ("ok", 21, False)


def test_an_hour_clock_counts_whole_hours_and_dates_a_level_on_the_day_it_was_reached(db):
    limit = Limit("sign", 6, "hours", due_soon=3, yellow_after=0, red_after=2)
    due = at(2026, 11, 23, 23, 0)
    exactly_three = measure("sign", due, limit, at(2026, 11, 23, 20, 0))
    assert (exactly_three.state, exactly_three.left) == ("ok", 3)
    assert measure("sign", due, limit, at(2026, 11, 23, 20, 0, 1)).level == "due_soon"
    # 红牌 two hours late is 01:00 the next day: reached on the 24th, 黄牌 on the 23rd.
    red = measure("sign", due, limit, at(2026, 11, 24, 2, 0))
    assert (red.level, red.left, red.crossed) == ("red", 3, date(2026, 11, 24))
    yellow = measure("sign", due, limit, at(2026, 11, 24, 0, 30))
    assert (yellow.level, yellow.crossed) == ("yellow", date(2026, 11, 23))


def test_a_row_without_stage_limits_yet_leaves_the_next_row_in_force(org):
    """An administrator saved a county row before adding its stages: the default row still decides."""
    TimeLimitRule.objects.create(level="county")
    book = LimitBook.from_database()
    limit = book.limit("handle", level="county", category_id=None, risk_level_id=None)
    assert (limit.amount, limit.unit, limit.red_after) == (30, "working_days", 3)


def test_a_clock_without_a_citation_cites_nothing_and_calendar_days_near_the_end_are_exact(db):
    limit = Limit("visit", 30, "calendar_days", due_soon=3, yellow_after=0, red_after=7)
    clock = measure("visit", at(2027, 1, 2, 23, 59, 59), limit, at(2026, 12, 31, 10))
    assert (clock.state, clock.left, clock.citation, clock.estimated) == ("due_soon", 2, "", False)


def test_another_process_reads_the_matrix_from_the_shared_cache(org, django_assert_num_queries):
    """One process reads the matrix and shares it; another (here: this one once its own copy of a
    few seconds has lapsed) takes it from the cache without a query."""
    from disputes.deadlines import _LOCAL

    first = LimitBook.load()
    _LOCAL.forget()
    with django_assert_num_queries(0):
        again = LimitBook.load()
    assert again == first and again.limit("handle", level="township", category_id=None, risk_level_id=None).amount == 30
