"""当场化解 (issue 15, finding 4): a walk-in settled at the desk goes from intake to closure in one
step with its result recorded, is still evaluated and visited, and counts as a closure at the
center's level; refused for the wrong channel, state, person, township or a stale page."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services
from disputes.models import Case, Category, Channel, RiskLevel, Status, UnitMonth
from disputes.stats import metric_records
from governance.models import DailyStat
from governance.stats import day_bounds, fill_day
from tests.disputes.conftest import advance, intake

DAY = date(2026, 3, 4)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


SETTLED = services.SettleData("resolved", "经窗口调解，双方当场达成一致，已当面兑现。")


def refused(call, match: str):
    with pytest.raises(services.TransitionRefused, match=match):
        call()


def test_a_walk_in_settled_at_the_desk_is_closed_at_intake_and_then_evaluated_and_visited(org):
    case = intake(org, channel=Channel.VISIT, settle=SETTLED)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == "resolved" and case.lead_unit is None
    assert case.outcome_summary == SETTLED.summary and case.closed_at is not None and case.reported_at is not None
    register, settle = case.events.order_by("at", "id")
    assert register.action == "register" and (settle.from_status, settle.to_status) == ("registered", "closed")
    assert settle.action == "settle" and settle.actor_unit == org["township_officer"].unit
    assert settle.details == ["化解结果：调解成功"]
    # Still rated and visited, then archived.
    officer = org["township_officer"]
    case = services.evaluate_case(case=case, by=officer, satisfaction="satisfied", version=case.version)
    case = services.record_visit(
        case=case,
        by=officer,
        method="phone",
        visited_on=timezone.localdate(),
        visitor="王回访",
        came_back=False,
        note="未复发",
        version=case.version,
    )
    archived = services.archive_case(case=case, by=officer, version=case.version)
    assert list(archived.events.values_list("action", flat=True)) == [
        "register",
        "settle",
        "evaluate",
        "visit",
        "archive",
    ]


def test_a_partial_settlement_names_the_routes_and_bad_input_saves_nothing(org):
    before = Case.objects.count()
    with pytest.raises(ValidationError) as error:
        intake(org, settle=services.SettleData("partial", "部分达成"))
    assert "routes" in error.value.message_dict
    with pytest.raises(ValidationError):
        intake(org, settle=services.SettleData("failed", "没谈拢", ["litigation"]))  # not settled: dispatch it
    with pytest.raises(ValidationError):
        intake(org, settle=services.SettleData("resolved", "  "))
    assert Case.objects.count() == before  # nothing half-saved
    case = intake(org, channel=Channel.PHONE, settle=services.SettleData("partial", "部分达成", ["litigation"]))
    assert case.status == Status.CLOSED and case.routes == "litigation"
    assert case.events.get(action="settle").details == ["化解结果：部分成功；引导途径：引导诉讼"]


def test_settling_is_refused_when_its_guard_fails(org):
    before = Case.objects.count()
    # A hotline order waits for acceptance; a letter is not settled at the desk.
    for channel in (Channel.HOTLINE_12345, Channel.LETTER, Channel.PETITION):
        with pytest.raises(ValidationError, match="只有来访、来电可以当场化解"):
            intake(org, channel=channel, settle=SETTLED)
    assert Case.objects.count() == before
    letter = intake(org, channel=Channel.LETTER)
    refused(
        lambda: services.settle_case(
            case=letter, by=org["township_officer"], summary="x", outcome="resolved", version=letter.version
        ),
        "来访、来电",
    )

    case = intake(org)

    def settle(by, version=None):
        return services.settle_case(
            case=case, by=by, outcome="resolved", summary="当场化解", version=version or case.version
        )

    refused(lambda: settle(org["police"]), "无权")
    refused(lambda: settle(org["outsider"]), "无权")  # another township's center
    stale = case.version
    dispatched = advance(org, case, Status.DISPATCHED)
    refused(lambda: settle(org["township_officer"], stale), "已被他人处理")
    refused(lambda: settle(org["township_officer"], dispatched.version), "当前状态为“已分流待签收”")


def test_a_registered_walk_in_can_be_settled_from_its_page(org, login):
    case = intake(org)
    client = login(org["township_officer"])
    assert 'data-testid="action-settle"' in client.get(f"/cases/{case.number}/").content.decode()
    response = client.post(
        f"/cases/{case.number}/act/settle/",
        {"settle-version": case.version, "settle-outcome": "resolved", "settle-summary": "双方当场和解"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    hotline = intake(org, channel=Channel.HOTLINE_12345)
    services.accept_case(
        case=hotline,
        by=org["township_officer"],
        category=hotline.category,
        risk_level=hotline.risk_level,
        version=hotline.version,
    )
    assert 'data-testid="action-settle"' not in client.get(f"/cases/{hotline.number}/").content.decode()


def test_the_intake_form_settles_in_one_step(org, login):
    client = login(org["township_officer"])
    form = client.get("/cases/new/").content.decode()
    assert 'data-testid="intake-settle"' in form
    token = form.split('name="submission" value="')[1].split('"')[0]
    data = {
        "submission": token,
        "channel": "visit",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "township": org.town_a.pk,
        "village": org.village_a1.pk,
        "category": Category.objects.get(code="neighbourhood").pk,
        "risk_level": RiskLevel.objects.get(code="blue").pk,
        "people_involved": 2,
        "summary": "两户因晾晒衣物争执",
        "party-TOTAL_FORMS": 1,
        "party-INITIAL_FORMS": 0,
        "party-MIN_NUM_FORMS": 0,
        "party-MAX_NUM_FORMS": 1000,
        "party-0-role": "applicant",
        "party-0-kind": "person",
        "party-0-name": "张三",
        "settled": "on",
    }
    missing = client.post("/cases/new/", data)
    assert missing.status_code == 200 and "当场化解的，请填写化解情况" in missing.content.decode()
    hotline = client.post(
        "/cases/new/",
        {**data, "channel": "hotline_12345", "settle_outcome": "resolved", "settle_summary": "当场说和"},
    )
    assert hotline.status_code == 200 and "只有来访、来电可以当场化解" in hotline.content.decode()
    assert not Case.objects.exists()
    response = client.post("/cases/new/", {**data, "settle_outcome": "resolved", "settle_summary": "当场说和"})
    assert response.status_code == 302
    case = Case.objects.get(summary="两户因晾晒衣物争执")
    assert case.status == Status.CLOSED and case.outcome_summary == "当场说和"


def test_the_statistics_count_a_desk_settlement_as_a_closure_at_the_centers_level(org):
    with time_machine.travel(at(DAY), tick=False):
        settled = intake(org, settle=SETTLED)
        intake(org)  # registered, still open
    with time_machine.travel(at(DAY, 23), tick=False):
        fill_day(DAY)

    def total(metric: str, **dims) -> int:
        return sum(DailyStat.objects.filter(day=DAY, metric=metric, **dims).values_list("value", flat=True))

    assert total("received") == 2 and total("accepted") == 2
    assert total("closed", level="township") == 1 and total("closed_resolved", level="township") == 1
    assert total("settled", level="township") == 1
    assert total("closed_on_time") == total("closed_late") == 0  # no handling deadline to be late against
    assert total("open_end") == 1  # the settled one went in and out on the same day
    assert not UnitMonth.objects.exclude(dispatched=0, on_time=0, late=0, reported=0).exists()
    # The dashboard's drill-down lists the same closure the number counted.
    start, end = day_bounds(DAY)
    closed = metric_records("closed_resolved", start, end)
    assert list(closed.values_list("case_ref", "stat_level")) == [(settled.pk, "township")]
    assert list(metric_records("settled", start, end).values_list("case_ref", flat=True)) == [settled.pk]
