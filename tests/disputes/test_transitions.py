"""Every step of the workflow: it happens (state, fields, timeline event), and it is refused
when its guard fails (wrong state, wrong person, missing condition or input)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services
from disputes.models import CaseEvent, Status
from tests.disputes.conftest import intake


def later(days: int = 10):
    return timezone.localdate() + timedelta(days=days)


def last_event(case):
    return case.events.order_by("-at", "-id").first()


def refused(call, match: str):
    with pytest.raises(services.TransitionRefused, match=match):
        call()


def test_walk_in_is_registered_at_once_and_online_waits(org):
    walk_in = intake(org, channel="visit")
    assert walk_in.status == Status.REGISTERED
    assert last_event(walk_in).action == CaseEvent.Action.REGISTER
    online = intake(org, channel="online")
    assert online.status == Status.SUBMITTED
    assert (last_event(online).action, last_event(online).to_status) == (CaseEvent.Action.SUBMIT, "submitted")


def test_accept_happens_and_is_refused_to_others(org, make_case):
    case = make_case(Status.SUBMITTED)
    refused(
        lambda: services.accept_case(
            case=case, by=org["outsider"], category=case.category, risk_level=case.risk_level, version=case.version
        ),
        "无权",
    )
    refused(
        lambda: services.accept_case(
            case=case, by=org["police"], category=case.category, risk_level=case.risk_level, version=case.version
        ),
        "无权",
    )
    case = services.accept_case(
        case=case, by=org["township_officer"], category=case.category, risk_level=case.risk_level, version=case.version
    )
    case.refresh_from_db()
    assert case.status == Status.REGISTERED
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "accept",
        "submitted",
        "registered",
        org["township_officer"],
    )
    # Accepting twice: the state has moved on.
    refused(
        lambda: services.accept_case(
            case=case, by=org["county_officer"], category=case.category, risk_level=case.risk_level, version=None
        ),
        "当前状态",
    )


def test_reject_needs_reason_and_route(org, make_case):
    case = make_case(Status.SUBMITTED)
    with pytest.raises(ValidationError):
        services.reject_case(case=case, by=org["township_officer"], reason="in_court", route=" ", version=case.version)
    with pytest.raises(ValidationError):
        services.reject_case(case=case, by=org["township_officer"], reason="bogus", route="起诉", version=case.version)
    case = services.reject_case(
        case=case, by=org["county_officer"], reason="specialised", route="向劳动仲裁委申请仲裁", version=case.version
    )
    case.refresh_from_db()
    assert (case.status, case.reject_reason, case.reject_route) == ("rejected", "specialised", "向劳动仲裁委申请仲裁")
    refused(
        lambda: services.reject_case(case=case, by=org["county_officer"], reason="police", route="x", version=None),
        "当前状态",
    )


def test_dispatch_sets_units_deadline_and_notifies(org, make_case, django_capture_on_commit_callbacks):
    from governance.models import Notification

    case = make_case(Status.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.dispatch_case(
            case=case,
            by=org["township_officer"],
            lead_unit=org.police_a,
            co_units=[org.mediation_a],
            due=later(7),
            note="请尽快核实",
            version=case.version,
        )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.lead_unit == org.police_a and case.handle_due == later(7)
    assert list(case.co_units.all()) == [org.mediation_a]
    assert last_event(case).data["lead_unit"] == "甲镇派出所"
    assert Notification.objects.filter(unit=org.police_a, url__contains=case.number).exists()


@pytest.mark.parametrize(
    ("due_days", "field"),
    [(0, "due"), (-3, "due")],
)
def test_dispatch_refuses_a_deadline_not_in_the_future(org, make_case, due_days, field):
    case = make_case(Status.REGISTERED)
    with pytest.raises(ValidationError) as error:
        services.dispatch_case(
            case=case, by=org["township_officer"], lead_unit=org.police_a, due=later(due_days), version=case.version
        )
    assert field in error.value.error_dict
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.lead_unit is None


def test_dispatch_refused_without_category_or_by_others(org, make_case):
    case = make_case(Status.REGISTERED)
    refused(
        lambda: services.dispatch_case(
            case=case, by=org["police"], lead_unit=org.police_a, due=later(), version=case.version
        ),
        "无权",
    )
    refused(
        lambda: services.dispatch_case(
            case=case, by=org["outsider"], lead_unit=org.police_a, due=later(), version=case.version
        ),
        "无权",
    )
    with pytest.raises(ValidationError):
        services.dispatch_case(
            case=case,
            by=org["township_officer"],
            lead_unit=org.police_a,
            co_units=[org.police_a],
            due=later(),
            version=case.version,
        )
    from disputes.models import Case

    Case.objects.filter(pk=case.pk).update(category=None)  # an online submission accepted without a category
    case.refresh_from_db()
    refused(
        lambda: services.dispatch_case(
            case=case, by=org["township_officer"], lead_unit=org.police_a, due=later(), version=case.version
        ),
        "纠纷类别和风险等级",
    )


def test_sign_only_by_the_lead_unit(org, make_case):
    case = make_case(Status.DISPATCHED)
    refused(lambda: services.sign_case(case=case, by=org["mediator"], version=case.version), "无权")
    refused(lambda: services.sign_case(case=case, by=org["township_officer"], version=case.version), "无权")
    case = services.sign_case(case=case, by=org["police"], version=case.version)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.signed_at is not None
    refused(lambda: services.sign_case(case=case, by=org["police"], version=None), "当前状态")


@pytest.mark.parametrize("start", [Status.DISPATCHED, Status.IN_PROGRESS])
def test_lead_unit_returns_the_case_with_a_reason(org, make_case, start):
    case = make_case(start)
    with pytest.raises(ValidationError):
        services.return_case(case=case, by=org["police"], reason="", version=case.version)
    refused(
        lambda: services.return_case(case=case, by=org["mediator"], reason="不归我管", version=case.version), "无权"
    )
    case = services.return_case(case=case, by=org["police"], reason="属于民事纠纷，非警务事项", version=case.version)
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.lead_unit is None and case.handle_due is None
    assert last_event(case).note == "属于民事纠纷，非警务事项"


def test_progress_notes_by_handling_units_only(org, make_case):
    case = make_case(Status.DISPATCHED)
    refused(lambda: services.add_progress(case=case, by=org["police"], note="已联系双方"), "签收")
    case = services.sign_case(case=case, by=org["police"], version=case.version)
    event = services.add_progress(case=case, by=org["police"], note="已联系双方")
    assert event.action == CaseEvent.Action.PROGRESS
    refused(lambda: services.add_progress(case=case, by=org["mediator"], note="x"), "无权")
    with pytest.raises(ValidationError):
        services.add_progress(case=case, by=org["police"], note="  ")


def test_report_requires_routes_when_not_resolved(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as error:
        services.report_case(
            case=case, by=org["police"], outcome="failed", routes=[], summary="未达成", version=case.version
        )
    assert "routes" in error.value.error_dict
    refused(
        lambda: services.report_case(
            case=case, by=org["township_officer"], outcome="resolved", routes=[], summary="x", version=case.version
        ),
        "无权",
    )
    case = services.report_case(
        case=case,
        by=org["police"],
        outcome="failed",
        routes=["litigation", "arbitration"],
        summary="调解不成，已告知诉讼、仲裁途径",
        version=case.version,
    )
    case.refresh_from_db()
    assert case.status == Status.PENDING_REVIEW
    assert case.route_labels == "引导诉讼、引导仲裁"


def test_center_approves_or_sends_back(org, make_case):
    case = make_case(Status.PENDING_REVIEW)
    refused(lambda: services.approve_case(case=case, by=org["police"], version=case.version), "无权")
    with pytest.raises(ValidationError):
        services.send_back_case(case=case, by=org["township_officer"], reason="", version=case.version)
    case = services.send_back_case(case=case, by=org["township_officer"], reason="协议未附", version=case.version)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    case = services.report_case(
        case=case, by=org["police"], outcome="resolved", routes=[], summary="已补协议", version=case.version
    )
    case = services.approve_case(case=case, by=org["county_officer"], note="同意办结", version=case.version)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None
    refused(lambda: services.approve_case(case=case, by=org["county_officer"], version=None), "当前状态")


def test_evaluation_then_archive(org, make_case):
    case = make_case(Status.CLOSED)
    with pytest.raises(ValidationError):
        services.evaluate_case(case=case, by=org["township_officer"], satisfaction="great", version=case.version)
    refused(
        lambda: services.evaluate_case(case=case, by=org["leader"], satisfaction="satisfied", version=case.version),
        "无权",
    )
    case = services.evaluate_case(case=case, by=org["township_officer"], satisfaction="basically", version=case.version)
    assert case.status == Status.EVALUATED
    # 归档 only after the return visit is recorded (issue 15, finding 3).
    refused(lambda: services.archive_case(case=case, by=org["township_officer"], version=case.version), "先记录回访")
    case = services.record_visit(
        case=case,
        by=org["township_officer"],
        method="visit",
        visited_on=timezone.localdate(),
        visitor="王回访",
        came_back=False,
        note="上门回访，未再发生",
        version=case.version,
    )
    case = services.archive_case(case=case, by=org["township_officer"], version=case.version)
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED and case.archived_at is not None and case.visited_at is not None


def test_dissatisfied_case_cannot_be_archived_and_is_reopened(org, make_case):
    case = make_case(Status.CLOSED)
    case = services.evaluate_case(
        case=case, by=org["township_officer"], satisfaction="dissatisfied", version=case.version
    )
    refused(lambda: services.archive_case(case=case, by=org["township_officer"], version=case.version), "先记录回访")
    with pytest.raises(ValidationError):
        services.reopen_case(case=case, by=org["township_officer"], reason="", version=case.version)
    refused(lambda: services.reopen_case(case=case, by=org["police"], reason="x", version=case.version), "无权")
    case = services.reopen_case(
        case=case, by=org["township_officer"], reason="当事人不满意赔偿数额", version=case.version
    )
    case.refresh_from_db()
    assert case.status == Status.REGISTERED
    assert case.reopen_count == 1 and case.lead_unit is None and case.satisfaction == ""
    assert case.outcome_summary == "" and case.dispatched_at is None and case.closed_at is None
    # Reopened, it goes round again.
    from tests.disputes.conftest import advance

    assert advance(org, case, Status.ARCHIVED).status == Status.ARCHIVED


def test_stale_version_is_refused(org, make_case):
    case = make_case(Status.REGISTERED)
    stale = case.version
    services.dispatch_case(case=case, by=org["township_officer"], lead_unit=org.police_a, due=later(), version=stale)
    refused(lambda: services.sign_case(case=case, by=org["police"], version=stale), "已被他人处理")


def test_every_state_change_is_in_history(org, make_case):
    case = make_case(Status.ARCHIVED)
    statuses = list(case.history.order_by("history_date").values_list("status", flat=True))
    for state in ("registered", "dispatched", "in_progress", "pending_review", "closed", "evaluated", "archived"):
        assert state in statuses
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["register", "dispatch", "sign", "report", "approve", "evaluate", "visit", "archive"]
