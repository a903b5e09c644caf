"""延期申请: the lead unit asks, the center decides; the deadline moves only on approval."""

import pytest
from django.core.exceptions import ValidationError

from disputes import services
from disputes.models import Case, ExtensionRequest, Status
from governance.workdays import add_working_days


def ask(org, case, days=5, reason="需等待司法鉴定结果"):
    return services.request_extension(case=case, by=org["police"], days=days, reason=reason)


def test_approval_moves_the_deadline_by_working_days(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    old_due = case.handle_due
    extension = ask(org, case, days=5)
    case.refresh_from_db()
    assert case.handle_due == old_due  # nothing moves on the request
    extension = services.decide_extension(extension=extension, by=org["township_officer"], approve=True, days=3)
    case.refresh_from_db()
    assert extension.decision == "approved" and extension.approved_days == 3
    assert case.handle_due == extension.new_due == add_working_days(old_due, 3)
    assert set(case.events.values_list("action", flat=True)) >= {"extension_request", "extension_approve"}


def test_refusal_keeps_the_deadline_and_needs_a_reason(org, make_case):
    case = make_case(Status.DISPATCHED)
    extension = ask(org, case)
    with pytest.raises(ValidationError):
        services.decide_extension(extension=extension, by=org["township_officer"], approve=False, note="")
    services.decide_extension(extension=extension, by=org["township_officer"], approve=False, note="理由不充分")
    case.refresh_from_db()
    extension.refresh_from_db()
    assert extension.decision == "refused" and case.handle_due == extension.old_due
    # Once decided, a second decision is refused.
    with pytest.raises(services.TransitionRefused, match="已审批"):
        services.decide_extension(extension=extension, by=org["county_officer"], approve=True, days=2)


def test_request_is_refused_to_others_and_when_one_waits(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    with pytest.raises(services.TransitionRefused):
        services.request_extension(case=case, by=org["township_officer"], days=3, reason="x")
    with pytest.raises(ValidationError):
        ask(org, case, days=0)
    with pytest.raises(ValidationError):
        ask(org, case, reason=" ")
    ask(org, case)
    with pytest.raises(services.TransitionRefused, match="待审批"):
        ask(org, case)
    assert ExtensionRequest.objects.count() == 1


def test_request_refused_for_closed_cases(org, make_case):
    case = make_case(Status.CLOSED)
    with pytest.raises(services.TransitionRefused):
        ask(org, case)


def test_decision_refused_to_non_center(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    extension = ask(org, case)
    for persona in ("police", "leader", "outsider"):
        with pytest.raises(services.TransitionRefused, match="无权"):
            services.decide_extension(extension=extension, by=org[persona], approve=True, days=2)
    assert Case.objects.get(pk=case.pk).handle_due == extension.old_due


def test_through_the_pages(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    police = login(org["police"])
    assert "申请延期" in police.get(f"/cases/{case.number}/").content.decode()
    response = police.post(f"/cases/{case.number}/extension/", {"extension-days": "0", "extension-reason": ""})
    assert response.status_code == 400 and "此项为必填项" in response.content.decode()
    police.post(f"/cases/{case.number}/extension/", {"extension-days": "4", "extension-reason": "等待鉴定"})
    extension = ExtensionRequest.objects.get()
    clerk = login(org["township_officer"])
    page = clerk.get(f"/cases/{case.number}/").content.decode()
    assert "审批延期申请" in page and "等待鉴定" in page
    outsider = login(org["outsider"])
    assert outsider.post(f"/cases/{case.number}/extension/{extension.pk}/decide/").status_code == 404
    clerk.post(
        f"/cases/{case.number}/extension/{extension.pk}/decide/",
        {"decision-approve": "1", "decision-days": "4", "decision-note": "同意"},
    )
    case.refresh_from_db()
    assert case.handle_due == add_working_days(extension.old_due, 4)
