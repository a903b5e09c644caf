"""The time-limit rules as the people who work the cases meet them: which units a statute
governs, the built-in limits when an administrator emptied the matrix or deleted a statute, and
the edges of a clock (the last minute of the due day, 今日到期, the badges, hour-based clocks)."""

import json
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services
from disputes.deadlines import add_months, forget_limit_book
from disputes.models import (
    Case,
    Category,
    Channel,
    LimitUnit,
    RiskLevel,
    StageLimit,
    Status,
    StatutoryLimit,
    TimeLimitRule,
)
from governance.models import Unit, User
from tests.disputes.conftest import intake


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def signed_in(org, login, persona: str = "township_officer"):
    """A persona signed in at the (travelled-to) present, their password not yet due for a change."""
    User.objects.filter(pk=org[persona].pk).update(password_changed_at=timezone.now())
    return login(org[persona])


def detail(client, case: Case) -> str:
    response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 200
    return response.content.decode()


def text_of(page: str, name: str) -> str:
    """The text of the element marked data-testid=name."""
    marker = f'data-testid="{name}"'
    start = page.index(">", page.index(marker)) + 1
    return page[start : page.index("<", start)]


def due_on(case: Case, due: date) -> Case:
    Case.objects.filter(pk=case.pk).update(handle_due=due)
    case.refresh_from_db()
    return case


# --- Which units a statute governs ---------------------------------------------------------------


def test_the_one_month_mediation_cap_does_not_bind_a_police_station(org, login, make_case):
    case = make_case(Status.REGISTERED)
    later_than_a_month = add_months(timezone.localdate(), 1) + timedelta(days=5)
    services.dispatch_case(
        case=case, by=org["township_officer"], lead_unit=org.police_a, due=later_than_a_month, version=case.version
    )
    case.refresh_from_db()
    assert (case.status, case.handle_due) == (Status.DISPATCHED, later_than_a_month)
    services.sign_case(case=case, by=org["police"], version=case.version)
    page = detail(login(org["township_officer"]), case)
    assert "人民调解工作若干规定" not in page
    assert 'data-testid="citation"' not in page


def test_a_unit_of_no_sector_is_not_held_to_a_statute_of_another(org, make_case):
    # A village committee has no sector, and the 信访 statute has no kind: neither matches by "".
    village = Unit.objects.get(code="A1-VC")
    case = make_case(Status.REGISTERED)
    later_than_a_month = add_months(timezone.localdate(), 1) + timedelta(days=5)
    services.dispatch_case(
        case=case, by=org["township_officer"], lead_unit=village, due=later_than_a_month, version=case.version
    )
    case.refresh_from_db()
    assert case.handle_due == later_than_a_month


def test_the_mediation_committee_is_held_to_one_month_with_the_message_a_person_sees(org, make_case):
    case = make_case(Status.REGISTERED)
    cap = add_months(timezone.localdate(), 1)
    with pytest.raises(ValidationError) as refused:
        services.dispatch_case(
            case=case,
            by=org["township_officer"],
            lead_unit=org.mediation_a,
            due=cap + timedelta(days=1),
            version=case.version,
        )
    assert refused.value.message_dict["due"] == [
        f"转办给甲镇人民调解委员会的，办理期限不得晚于 {cap}（《人民调解工作若干规定》第三十六条：人民调解期限）。"
    ]


def test_the_mediation_committee_case_page_cites_the_statute(org, login, make_case):
    case = make_case(Status.REGISTERED)
    case = services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.mediation_a,
        due=add_months(timezone.localdate(), 1),
        version=case.version,
    )
    services.sign_case(case=case, by=org["mediator"], version=case.version)
    page = detail(login(org["township_officer"]), case)
    assert text_of(page, "citation") == "依据《人民调解工作若干规定》第三十六条"


def test_the_dispatch_form_offers_the_statute_only_for_the_units_it_governs(org, login, make_case):
    case = make_case(Status.REGISTERED)
    page = detail(login(org["township_officer"]), case)
    start = page.index(">", page.index('id="dispatch-due-by-unit"')) + 1
    by_unit = json.loads(page[start : page.index("</script>", start)])
    assert "人民调解期限" in by_unit[str(org.mediation_a.pk)]["reason"]
    assert str(org.police_a.pk) not in by_unit
    assert "时限矩阵" in by_unit[""]["reason"]


# --- Built-in defaults ---------------------------------------------------------------------------


def test_an_emptied_matrix_still_gives_the_default_thirty_working_days(org, login, make_case):
    TimeLimitRule.objects.all().delete()
    case = make_case(Status.REGISTERED)
    page = detail(login(org["township_officer"]), case)
    assert "时限矩阵（邻里纠纷 · 蓝色）：办理 30 个工作日" in page


def test_a_deleted_statute_row_still_gives_a_petition_its_fifteen_days(org, login):
    StatutoryLimit.objects.filter(code="petition_acceptance").delete()
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        case = intake(org, channel=Channel.PETITION)
        page = detail(signed_in(org, login), case)
    assert text_of(page, "clock") == "受理告知正常，剩 15 天"
    assert text_of(page, "citation") == "依据《信访工作条例》"


@pytest.mark.parametrize(
    ("unit", "due_soon", "shown"),
    [
        (LimitUnit.WORKING_DAYS, 4, "临期（4 个工作日内到期）"),
        (LimitUnit.CALENDAR_DAYS, 5, "临期（2 个工作日内到期）"),  # not in working days: the built-in two
    ],
)
def test_the_unit_table_says_how_near_due_soon_is(org, login, unit, due_soon, shown):
    StageLimit.objects.filter(rule__risk_level=None, rule__category=None, rule__level="", stage="handle").update(
        unit=unit, due_soon=due_soon
    )
    forget_limit_book()  # a bulk update sends no signal
    page = login(org["county_officer"]).get("/cases/performance/").content.decode()
    assert shown in page


# --- The edges of a clock ------------------------------------------------------------------------


def test_the_due_day_is_on_time_to_its_last_minute_and_overdue_after_midnight(org, login, make_case):
    case = due_on(make_case(Status.IN_PROGRESS), date(2026, 3, 2))  # a Monday
    with time_machine.travel(at(2026, 3, 2, 8), tick=False):
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "办理今日到期"
        assert 'data-testid="card"' not in page
    with time_machine.travel(at(2026, 3, 2, 23, 59), tick=False):
        assert text_of(detail(signed_in(org, login), case), "clock") == "办理今日到期"
    with time_machine.travel(at(2026, 3, 3, 0, 1), tick=False):
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "办理逾期 1 个工作日"
        assert text_of(page, "card") == "黄牌"
    with time_machine.travel(at(2026, 3, 5, 9), tick=False):  # three working days past: the default red
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "办理逾期 3 个工作日"
        assert text_of(page, "card") == "红牌"


def test_due_soon_counts_down_in_working_days_before_the_due_day(org, login, make_case):
    case = due_on(make_case(Status.IN_PROGRESS), date(2026, 3, 4))  # a Wednesday
    with time_machine.travel(at(2026, 2, 27, 9), tick=False):  # Fri: Sat 28 (调休), 2, 3, 4 left
        assert text_of(detail(signed_in(org, login), case), "clock") == "办理正常，剩 4 个工作日"
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        assert text_of(detail(signed_in(org, login), case), "clock") == "办理临期，剩 2 个工作日"


def red_unsigned(org, make_case, signed_by: datetime) -> Case:
    """A red-risk case dispatched and not yet signed for: the 2-hour 签收 clock (临期 1 hour before)."""
    case = make_case(Status.DISPATCHED, risk_level=RiskLevel.objects.get(code="red"))
    Case.objects.filter(pk=case.pk).update(sign_due=signed_by)
    case.refresh_from_db()
    return case


def test_an_hour_clock_shows_hours_and_its_due_minute_on_the_page(org, login, make_case):
    case = red_unsigned(org, make_case, at(2026, 3, 2, 12, 0))
    with time_machine.travel(at(2026, 3, 2, 10, 30), tick=False):
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "签收正常，剩 1 小时"
        assert "03-02 12:00" in page
    with time_machine.travel(at(2026, 3, 2, 11, 30), tick=False):
        assert text_of(detail(signed_in(org, login), case), "clock") == "签收即将到期"
    with time_machine.travel(at(2026, 3, 2, 12, 30), tick=False):  # the yellow threshold is 0 hours
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "签收逾期 0 小时"
        assert text_of(page, "card") == "黄牌"
    with time_machine.travel(at(2026, 3, 2, 14, 0), tick=False):
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "签收逾期 2 小时"
        assert text_of(page, "card") == "红牌"


def test_an_hour_clock_at_its_due_minute_is_not_yet_late(org, login, make_case):
    case = red_unsigned(org, make_case, at(2026, 3, 2, 12, 0))
    with time_machine.travel(at(2026, 3, 2, 12, 0), tick=False):
        page = detail(signed_in(org, login), case)
    assert text_of(page, "clock") == "签收即将到期"
    assert 'data-testid="card"' not in page


def test_a_weekend_after_the_due_day_is_already_one_day_late(org, login, make_case):
    case = due_on(make_case(Status.IN_PROGRESS), date(2026, 3, 6))  # a Friday
    with time_machine.travel(at(2026, 3, 7, 10), tick=False):  # Saturday: no working day has passed yet
        page = detail(signed_in(org, login), case)
    assert text_of(page, "clock") == "办理逾期 1 个工作日"
    assert text_of(page, "card") == "黄牌"


def test_a_statute_edited_by_the_administrator_is_what_the_clock_follows(org, login):
    statute = StatutoryLimit.objects.get(code="petition_acceptance")
    statute.amount = 10
    statute.save()
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        case = intake(org, channel=Channel.PETITION)
        assert text_of(detail(signed_in(org, login), case), "clock") == "受理告知正常，剩 10 天"


# --- The other stages' clocks: 审核 from the report, 回访 from the closure -------------------------


def test_the_review_clock_runs_three_working_days_from_the_report(org, login, make_case):
    case = make_case(Status.PENDING_REVIEW)
    Case.objects.filter(pk=case.pk).update(reported_at=at(2026, 3, 6, 16))  # a Friday: due Wednesday 11
    with time_machine.travel(at(2026, 3, 9, 9), tick=False):
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "审核正常，剩 2 个工作日"
        assert "2026-03-11" in page
    with time_machine.travel(at(2026, 3, 11, 23, 59), tick=False):
        assert text_of(detail(signed_in(org, login), case), "clock") == "审核今日到期"


def test_the_return_visit_clock_runs_thirty_days_from_the_closure_until_the_visit(org, login, make_case):
    case = make_case(Status.EVALUATED)
    Case.objects.filter(pk=case.pk).update(closed_at=at(2026, 3, 2, 10))  # due 1 April
    case.refresh_from_db()
    with time_machine.travel(at(2026, 3, 20, 9), tick=False):
        page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == "回访正常，剩 12 天"
        assert "2026-04-01" in page
        services.record_visit(
            case=case,
            by=org["township_officer"],
            method="phone",
            visited_on=timezone.localdate(),
            visitor="王回访",
            came_back=False,
            note="回访未复发",
            version=case.version,
        )
        assert 'data-testid="clock"' not in detail(signed_in(org, login), case)


# --- A statute's row deleted by an administrator: the shipped statute still applies ---------------


def test_a_deleted_mediation_row_still_gives_a_mediation_one_month(db):
    from mediation.models import mediation_due

    StatutoryLimit.objects.filter(code="mediation").delete()
    assert mediation_due(date(2026, 1, 31)) == date(2026, 2, 28)  # one month, to the end of a short one


def test_a_deleted_petition_row_still_holds_a_petition_to_60_days_and_30_more(org):
    StatutoryLimit.objects.filter(code="petition_handling").delete()
    day = date(2026, 3, 2)
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        case = intake(org, channel=Channel.PETITION)
        case = services.accept_case(
            case=case,
            by=org["township_officer"],
            category=case.category,
            risk_level=case.risk_level,
            version=case.version,
        )
        with pytest.raises(ValidationError) as refused:
            services.dispatch_case(
                case=case,
                by=org["township_officer"],
                lead_unit=org.police_a,
                due=day + timedelta(days=61),
                version=case.version,
            )
        assert refused.value.message_dict["due"] == [
            "信访事项应自受理之日起60日内办结，办理期限不得晚于 2026-05-01（《信访工作条例》）。"
        ]
        case = services.dispatch_case(
            case=case,
            by=org["township_officer"],
            lead_unit=org.police_a,
            due=day + timedelta(days=55),
            version=case.version,
        )
        case = services.sign_case(case=case, by=org["police"], version=case.version)
        extension = services.request_extension(case=case, by=org["police"], days=40, reason="需多部门会商")
        with pytest.raises(ValidationError, match="不得超过30日"):
            services.decide_extension(extension=extension, by=org["township_officer"], approve=True, days=40)


def test_a_deleted_petition_row_still_names_the_statute_on_the_dispatch_form(org, login):
    StatutoryLimit.objects.filter(code="petition_handling").delete()
    # The matrix's handling limit made longer than the statute's 60 days: the statute caps it.
    StageLimit.objects.filter(rule__risk_level=None, rule__category=None, rule__level="", stage="handle").update(
        amount=3, unit=LimitUnit.MONTHS
    )
    forget_limit_book()  # a bulk update sends no signal
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        case = intake(org, channel=Channel.PETITION)
        case = services.accept_case(
            case=case,
            by=org["township_officer"],
            category=case.category,
            risk_level=case.risk_level,
            version=case.version,
        )
        page = detail(signed_in(org, login), case)
    assert text_of(page, "due-reason").startswith(
        "信访事项办理期限：法定 60 天（《信访工作条例》），期限至 2026-05-01；时限矩阵（邻里纠纷 · 蓝色）：办理 3 个月"
    )


# --- The citation stays beside the countdown whatever the clock's state ---------------------------


def test_a_mediation_committee_case_cites_its_statute_when_due_soon_and_when_late(org, login, make_case):
    case = make_case(Status.REGISTERED)
    case = services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.mediation_a,
        due=add_months(timezone.localdate(), 1),
        version=case.version,
    )
    services.sign_case(case=case, by=org["mediator"], version=case.version)
    due_on(case, date(2026, 3, 2))
    for moment, clock in ((at(2026, 2, 27, 9), "办理临期，剩 2 个工作日"), (at(2026, 3, 3, 9), "办理逾期 1 个工作日")):
        with time_machine.travel(moment, tick=False):
            page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == clock
        assert text_of(page, "citation") == "依据《人民调解工作若干规定》第三十六条"


def test_a_stage_limit_the_administrator_tied_to_a_rule_is_cited_on_an_hour_clock(org, login, make_case):
    rule = StatutoryLimit.objects.create(
        code="red_sign",
        name="红色风险签收时限",
        amount=2,
        unit=LimitUnit.HOURS,
        citation="《示范县矛盾纠纷排查化解办法》第十条",
    )
    StageLimit.objects.filter(rule__risk_level__code="red", stage="sign").update(statute=rule)
    forget_limit_book()  # a bulk update sends no signal
    case = red_unsigned(org, make_case, at(2026, 3, 2, 12, 0))
    for moment, clock in (
        (at(2026, 3, 2, 10, 30), "签收正常，剩 1 小时"),
        (at(2026, 3, 2, 11, 30), "签收即将到期"),
        (at(2026, 3, 2, 12, 30), "签收逾期 0 小时"),
    ):
        with time_machine.travel(moment, tick=False):
            page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == clock
        assert text_of(page, "citation") == "依据《示范县矛盾纠纷排查化解办法》第十条"


def test_an_acceptance_limit_set_in_working_days_counts_working_days(org, login):
    statute = StatutoryLimit.objects.get(code="petition_acceptance")
    statute.amount, statute.unit = 5, LimitUnit.WORKING_DAYS
    statute.save()
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):  # a Monday: due Monday 9 March
        case = intake(org, channel=Channel.PETITION)
        page = detail(signed_in(org, login), case)
    assert text_of(page, "clock") == "受理告知正常，剩 5 个工作日"
    assert "2026-03-09" in page


def test_a_handling_limit_in_hours_is_said_in_hours_on_the_dispatch_form(org, login, make_case):
    StageLimit.objects.filter(rule__risk_level=None, rule__category=None, rule__level="", stage="handle").update(
        amount=48, unit=LimitUnit.HOURS, due_soon=4
    )
    forget_limit_book()  # a bulk update sends no signal
    case = make_case(Status.REGISTERED)
    assert "时限矩阵（邻里纠纷 · 蓝色）：办理 48 小时" in text_of(
        detail(login(org["township_officer"]), case), "due-reason"
    )


def test_a_row_for_another_category_leaves_a_case_to_the_next_matching_row(org, login, make_case):
    red = RiskLevel.objects.get(code="red")
    labour = TimeLimitRule.objects.create(level="", category=Category.objects.get(code="labour"), risk_level=red)
    StageLimit.objects.create(rule=labour, stage="handle", amount=10, due_soon=2, yellow_after=0, red_after=3)
    case = make_case(Status.REGISTERED, risk_level=red)  # a red 邻里纠纷: the red row's 7 working days
    reason = text_of(detail(login(org["township_officer"]), case), "due-reason")
    assert "时限矩阵（邻里纠纷 · 红色）：办理 7 个工作日" in reason


def test_a_petition_awaiting_acceptance_turns_due_soon_three_days_before_and_yellow_the_day_after(org, login):
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        case = intake(org, channel=Channel.PETITION)  # to be accepted or refused by 17 March
    for moment, clock, card in (
        (at(2026, 3, 13, 9), "受理告知正常，剩 4 天", None),
        (at(2026, 3, 14, 9), "受理告知临期，剩 3 天", None),
        (at(2026, 3, 18, 9), "受理告知逾期 1 天", "黄牌"),
    ):
        with time_machine.travel(moment, tick=False):
            page = detail(signed_in(org, login), case)
        assert text_of(page, "clock") == clock
        assert (text_of(page, "card") if 'data-testid="card"' in page else None) == card
