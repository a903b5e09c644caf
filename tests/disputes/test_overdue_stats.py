"""在办超期 and 红牌 at a day's end (disputes.stats.overdue_at_end), counted from the timeline: each
case with the status, handling deadline and clock it had at that moment, so a past day recounts
exactly as it stood. Numbers worked out by hand on a small county in March 2026 (no holidays;
working days Monday to Friday)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine
from django.utils import timezone

from disputes import services
from disputes.deadlines import DEADLINE_STEPS, handle_due_from_events
from disputes.models import Case, CaseEvent, Hold, RiskLevel
from governance.indicators import Window, evaluate
from governance.models import DailyStat, Indicator
from governance.stats import check_day, fill_day, refresh_stats
from tests.disputes.conftest import intake

FRI, MON, TUE, WED, THU = date(2026, 2, 27), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)
D, NEXT = THU, date(2026, 3, 6)  # the day looked at, and the Friday after it


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def total(day: date, metric: str, **dims) -> int:
    return sum(DailyStat.objects.filter(day=day, metric=metric, **dims).values_list("value", flat=True))


def dispatch(org, case: Case, due: date) -> Case:
    """Dispatched now to 甲镇派出所 with `due` to handle, and signed for."""
    case = services.dispatch_case(
        case=case, by=org["township_officer"], lead_unit=org.police_a, due=due, version=case.version
    )
    return services.sign_case(case=case, by=org["police"], version=case.version)


def close_each_day_after_midnight(*days: date) -> None:
    """The beat's 00:02 run: each day filled once it is over."""
    for day in days:
        with time_machine.travel(at(day + timedelta(days=1), 0, 30), tick=False):
            fill_day(day)


def build_county(org) -> dict[str, Case]:
    """Six cases of 甲镇一村, blue unless said (handle limit: red from 3 working days late; a red
    case: from 2):

    - A: due Thu 5 — overdue from the end of Thu 5, not before;
    - B: due Wed 4, an extension of 5 working days approved on Fri 6 (to Wed 11);
    - C: due Tue 3 — red at the end of Thu 5 (late Wed 4, Thu 5, Fri 6: 3 working days);
    - R: a red case due Wed 4 — red at the end of Thu 5 (2 working days);
    - P: dispatched on Fri 27 February, due Mon 2, paused (待补充材料) on Mon 2 before its deadline
      passed, resumed on Fri 6;
    - X: due Tue 3, reported and approved on Tue 3: closed, never counted;
    - O: due Tue 3, its dispatch written before the deadline was kept on the step: not counted.
    """
    police, center = org["police"], org["township_officer"]
    with time_machine.travel(at(FRI), tick=False):
        p = dispatch(org, intake(org), MON)
    with time_machine.travel(at(MON), tick=False):
        a, b, c, x, o = (intake(org) for _ in range(5))
        r = intake(org, risk_level=RiskLevel.objects.get(code="red"))
        a, b, c, x, o, r = (
            dispatch(org, a, THU),
            dispatch(org, b, WED),
            dispatch(org, c, TUE),
            dispatch(org, x, TUE),
            dispatch(org, o, TUE),
            dispatch(org, r, WED),
        )
        p.refresh_from_db()
        p = services.pause_clock(case=p, by=police, reason=Hold.MATERIALS, note="待申请人补充票据", version=p.version)
    step = CaseEvent.objects.get(case=o, action=CaseEvent.Action.DISPATCH)
    step.data.pop("handle_due")
    step.save(update_fields=["data"])
    with time_machine.travel(at(TUE, 16), tick=False):
        x = services.report_case(case=x, by=police, outcome="resolved", routes=[], summary="已化解", version=x.version)
        x = services.approve_case(case=x, by=center, version=x.version)
    close_each_day_after_midnight(MON, TUE, WED, THU)
    with time_machine.travel(at(NEXT), tick=False):
        extension = services.request_extension(case=b, by=police, days=5, reason="需等待鉴定结果")
        services.decide_extension(extension=extension, by=center, approve=True, days=5)
        p.refresh_from_db()
        services.resume_clock(case=p, by=police, version=p.version)
    close_each_day_after_midnight(NEXT)
    return {"A": a, "B": b, "C": c, "R": r, "P": p, "X": x, "O": o}


def test_overdue_and_red_at_each_days_end_as_worked_out_by_hand(org):
    cases = build_county(org)
    b = cases["B"]
    b.refresh_from_db()
    assert b.handle_due == date(2026, 3, 11)  # Wed 4 + 5 working days
    # End of Mon 2: P late, paused (it stays 超期 as the lists show it, but a paused clock has no card).
    assert (total(MON, "overdue_end"), total(MON, "red_end")) == (1, 0)
    # End of Tue 3: P and C; X was due then too but closed on its last day, O recorded no deadline.
    assert (total(TUE, "overdue_end"), total(TUE, "red_end")) == (2, 0)
    # End of Wed 4: B and R join (1 working day late), C is 2 late: below every red threshold.
    assert (total(WED, "overdue_end"), total(WED, "red_end")) == (4, 0)
    # End of Thu 5: A joins; C reaches the blue threshold (3), R the red one (2); P still paused.
    assert (total(THU, "overdue_end"), total(THU, "red_end")) == (5, 2)
    assert total(THU, "red_end", colour="red") == 1 and total(THU, "red_end", colour="blue") == 1
    # End of Fri 6: B's extension took it out; P resumed, its deadline moved by the 4 working days
    # it waited (Mon 2 → Fri 6), so it is late again but by 1 day only.
    assert (total(NEXT, "overdue_end"), total(NEXT, "red_end")) == (4, 2)
    # Keyed by the case's place like 在办, level blank.
    assert set(DailyStat.objects.filter(metric="overdue_end").values_list("region_code", "level")) == {
        (org.village_a1.code, "")
    }
    # The extension approved on Fri 6 does not rewrite Thu 5: B was late then, as stored and as recounted.
    for day in (MON, TUE, WED, THU, NEXT):
        assert check_day(day, now=at(NEXT + timedelta(days=1), 9)) == []

    indicators = Indicator.objects.filter(code__in=["overdue", "red_cards"])
    on_thursday = {r.indicator.code: r.value for r in evaluate(indicators, Window(MON, THU), prefix="")}
    assert on_thursday == {"overdue": 5, "red_cards": 2}
    on_friday = {r.indicator.code: r for r in evaluate(indicators, Window(NEXT, NEXT), prefix="")}
    assert {code: r.value for code, r in on_friday.items()} == {"overdue": 4, "red_cards": 2}
    assert on_friday["red_cards"].status == "warn"  # green at 0, yellow up to 2
    assert evaluate(indicators, Window(NEXT, NEXT), prefix=org.town_b.prefix)[0].value == 0


def test_today_counts_what_the_lists_show_now(org):
    """Today is not over: its figure is the count at this moment, the one the case list's 仅看逾期
    shows (a case due today is not late yet)."""
    with time_machine.travel(at(MON), tick=False):
        late, due_today = intake(org), intake(org)
        dispatch(org, late, TUE)
        dispatch(org, due_today, WED)
    with time_machine.travel(at(WED, 15), tick=False):
        fill_day(WED)
        assert total(WED, "overdue_end") == Case.objects.overdue().count() == 1
    with time_machine.travel(at(THU, 0, 2), tick=False):
        refresh_stats()  # closes Wednesday: now both were late at its end
    assert total(WED, "overdue_end") == 2


def test_a_deadline_step_dated_in_the_past_refills_every_day_since(org):
    """A step written today but dated two days ago (a correction, an import) changes the stock of
    each day from then to now: all of them are re-filled, not only the day it is dated on."""
    cases = build_county(org)
    c = cases["C"]
    assert (total(WED, "overdue_end"), total(THU, "overdue_end")) == (4, 5)
    with time_machine.travel(at(NEXT, 11), tick=False):
        refresh_stats()
    with time_machine.travel(at(NEXT, 23), tick=False):
        # C's extension to Tue 10, recorded now but dated on Wednesday morning.
        CaseEvent.objects.create(
            case=c,
            action=CaseEvent.Action.EXTENSION_APPROVE,
            actor=org["township_officer"],
            at=at(WED, 9),
            data={"days": 5, "handle_due": "2026-03-10"},
        )
        assert check_day(THU) != []  # stale until the refresh
        filled = refresh_stats().filled
    assert {WED, THU} <= set(filled)
    assert (total(WED, "overdue_end"), total(THU, "overdue_end"), total(THU, "red_end")) == (3, 4, 1)
    for day in (MON, TUE, WED, THU, NEXT):
        assert check_day(day, now=at(NEXT, 23, 30)) == []


def test_every_step_that_moves_the_deadline_records_it(org):
    """Dispatch, return, resume, approved extension and reopen each record the deadline in effect
    after them (`handle_due`, "" when none): what the case holds, and what the timeline gives."""
    police, center = org["police"], org["township_officer"]
    with time_machine.travel(at(MON), tick=False):
        case = intake(org)
        case = services.dispatch_case(case=case, by=center, lead_unit=org.police_a, due=THU, version=case.version)
        case = services.return_case(case=case, by=police, reason="不属本单位职责", version=case.version)
        case = dispatch(org, case, THU)
        case = services.pause_clock(case=case, by=police, reason=Hold.APPRAISAL, note="伤情鉴定", version=case.version)
    with time_machine.travel(at(WED), tick=False):
        case = services.resume_clock(case=case, by=police, version=case.version)
        extension = services.request_extension(case=case, by=police, days=2, reason="鉴定后需再次调解")
        services.decide_extension(extension=extension, by=center, approve=True, days=2)
        case.refresh_from_db()
        case = services.report_case(
            case=case, by=police, outcome="resolved", routes=[], summary="已化解", version=case.version
        )
        case = services.approve_case(case=case, by=center, version=case.version)
        case = services.evaluate_case(case=case, by=center, satisfaction="dissatisfied", version=case.version)
        case = services.reopen_case(case=case, by=center, reason="群众不满意", version=case.version)
    steps = list(case.events.filter(action__in=DEADLINE_STEPS).order_by("at", "id"))
    assert [(s.action, s.data["handle_due"]) for s in steps] == [
        ("dispatch", "2026-03-05"),
        ("return", ""),
        ("dispatch", "2026-03-05"),
        ("resume", "2026-03-09"),  # paused Mon 2 to Wed 4: 2 working days more
        ("extension_approve", "2026-03-11"),
        ("reopen", ""),
    ]
    for step in steps:
        due = handle_due_from_events(case.events.filter(at__lte=step.at, id__lte=step.id).order_by("at", "id"))
        assert step.data["handle_due"] == (due.isoformat() if due else "")
    assert case.handle_due is None


def drilled_numbers(client, metric: str, day: date, prefix: str) -> tuple[int, set[str], str]:
    """The case list behind one day's stock: the records it counts, the cases it shows, its banner."""
    response = client.get(f"/cases/?stat={metric}&from={day}&to={day}&in={prefix}")
    assert response.status_code == 200
    drilled = response.context["drilled"]
    assert drilled.error == ""
    numbers = {c.number for c in response.context["page"].object_list}
    return drilled.records, numbers, response.content.decode()


def test_the_case_list_behind_overdue_and_red_is_the_cases_counted(org, login):
    """在办超期 and 红牌 drill to the case list: the same cases, selected by the same rule the
    count uses, so the list's count equals the card on every day, past (as it stood) or today."""
    cases = build_county(org)
    number = {name: case.number for name, case in cases.items()}
    client = login(org["county_officer"])
    county = org.county.prefix
    expected = {
        MON: ({"P"}, set()),
        WED: ({"P", "C", "B", "R"}, set()),
        THU: ({"A", "B", "C", "R", "P"}, {"C", "R"}),
        NEXT: ({"A", "C", "R", "P"}, {"C", "R"}),
    }
    for day, (overdue, red) in expected.items():
        records, shown, body = drilled_numbers(client, "overdue_end", day, county)
        assert records == total(day, "overdue_end") == len(overdue)
        assert shown == {number[n] for n in overdue}, day
        assert 'data-testid="drill-banner"' in body
        records, shown, _body = drilled_numbers(client, "red_end", day, county)
        assert records == total(day, "red_end") == len(red)
        assert shown == {number[n] for n in red}, day
    # A colour filter, as the card of a red case would carry it, and a place with none.
    response = client.get(f"/cases/?stat=red_end&from={THU}&to={THU}&in={county}&d_colour=red")
    assert response.context["drilled"].records == total(THU, "red_end", colour="red") == 1
    assert drilled_numbers(client, "overdue_end", THU, org.town_b.prefix)[0] == 0
    # A window of days: a stock is read on its last day, as the card shows it.
    response = client.get(f"/cases/?stat=overdue_end&from={MON}&to={THU}&in={county}")
    assert response.context["drilled"].records == 5


def test_the_overdue_list_today_is_the_lists_own_overdue_filter(org, login):
    """Today the drill counts at this moment: the same cases as the list's 仅看逾期."""
    with time_machine.travel(at(MON), tick=False):
        late, due_today = intake(org), intake(org)
        dispatch(org, late, TUE)
        dispatch(org, due_today, WED)
    with time_machine.travel(at(WED, 15), tick=False):
        fill_day(WED)
        client = login(org["county_officer"])
        records, shown, _body = drilled_numbers(client, "overdue_end", WED, org.county.prefix)
        assert records == total(WED, "overdue_end") == 1
        assert shown == {late.number} == set(Case.objects.overdue().values_list("number", flat=True))


def test_the_overdue_cards_link_to_their_case_lists(org):
    from governance.dashboard import build

    build_county(org)
    board, _problem = build(org["leader"], {"w": "custom", "start": MON.isoformat(), "end": THU.isoformat()})
    links = {c.indicator.code: c.numerator_url for c in board.cards}
    assert "stat=overdue_end" in links["overdue"] and "stat=red_end" in links["red_cards"]
    assert links["overdue"].startswith("/cases/?")
