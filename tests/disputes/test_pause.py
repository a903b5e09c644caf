"""计时暂停: the handling clock stops while the unit waits for materials or an appraisal, and the
deadline moves by the working days it waited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from disputes import services
from disputes.models import Case, CaseEvent, Hold, Status
from governance.workdays import add_working_days, working_days_between
from tests.disputes.test_permissions import CASE_ROLES, SEES_A
from tests.factories import PERSONAS


def pause(case, by, reason=Hold.MATERIALS, note="待申请人补充医疗费票据"):
    return services.pause_clock(case=case, by=by, reason=reason, note=note, version=case.version)


def test_pausing_and_resuming_moves_the_deadline(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    due = case.handle_due
    case = pause(case, org["police"])
    assert case.hold == Hold.MATERIALS
    # Seven days later the materials arrive: the working days waited are added.
    CaseEvent.objects.filter(case=case).exclude(action=CaseEvent.Action.PAUSE).update(at=F("at") - timedelta(days=8))
    CaseEvent.objects.filter(case=case, action=CaseEvent.Action.PAUSE).update(at=timezone.now() - timedelta(days=7))
    waited = working_days_between(timezone.localdate() - timedelta(days=7), timezone.localdate())
    case = services.resume_clock(case=case, by=org["police"], version=case.version)
    assert case.hold == Hold.RUNNING
    assert case.handle_due == add_working_days(due, waited) and waited >= 4
    assert [e.action for e in case.events.order_by("at", "id")][-2:] == ["pause", "resume"]


def test_pausing_is_refused_outside_its_rules(org, make_case):
    dispatched = make_case(Status.DISPATCHED)
    with pytest.raises(services.TransitionRefused, match="只有办理中的案件才能暂停计时"):
        pause(dispatched, org["police"])
    case = make_case(Status.IN_PROGRESS)
    for persona in ("township_officer", "outsider", "leader"):
        with pytest.raises(services.TransitionRefused):
            pause(case, org[persona])
    with pytest.raises(ValidationError):
        pause(case, org["police"], reason="holiday")
    with pytest.raises(ValidationError):
        pause(case, org["police"], note=" ")
    case = pause(case, org["police"], reason=Hold.APPRAISAL)
    with pytest.raises(services.TransitionRefused, match="鉴定中"):
        pause(case, org["police"])
    with pytest.raises(services.TransitionRefused):
        services.resume_clock(case=case, by=org["outsider"], version=case.version)
    running = make_case(Status.IN_PROGRESS)
    with pytest.raises(services.TransitionRefused, match="正常计时"):
        services.resume_clock(case=running, by=org["police"], version=running.version)


def test_the_center_may_resume_and_a_report_ends_the_pause(org, make_case):
    case = pause(make_case(Status.IN_PROGRESS), org["police"])
    case = services.resume_clock(case=case, by=org["township_officer"], version=case.version)
    assert case.hold == Hold.RUNNING
    case = pause(case, org["police"])
    case = services.report_case(
        case=case, by=org["police"], outcome="resolved", routes=[], summary="补充材料后调解成功", version=case.version
    )
    assert (case.status, case.hold) == (Status.PENDING_REVIEW, Hold.RUNNING)


def test_two_people_pausing_at_once_one_wins(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    seen = case.version
    services.pause_clock(case=case, by=org["police"], reason=Hold.MATERIALS, note="待补充", version=seen)
    with pytest.raises(services.TransitionRefused, match="已被他人处理"):
        services.pause_clock(case=case, by=org["police"], reason=Hold.APPRAISAL, note="鉴定", version=seen)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_pause_button_answers_every_role(org, login, make_case, persona):
    case = make_case(Status.IN_PROGRESS)
    client = login(org[persona])
    response = client.post(
        f"/cases/{case.number}/act/pause/",
        {"pause-version": case.version, "pause-reason": "appraisal", "pause-note": "已委托伤情鉴定"},
    )
    case.refresh_from_db()
    if persona == "police":
        assert response.status_code == 302 and case.hold == Hold.APPRAISAL
        page = client.get(f"/cases/{case.number}/").content.decode()
        assert "办理计时暂停（鉴定中）" in page and "恢复计时" in page
    else:
        assert case.hold == Hold.RUNNING
        expected = 403 if persona not in CASE_ROLES else 302 if persona in SEES_A else 404
        assert response.status_code == expected


def test_a_pause_without_a_note_is_shown_on_the_form(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    response = login(org["police"]).post(
        f"/cases/{case.number}/act/pause/", {"pause-version": case.version, "pause-reason": "materials"}
    )
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert Case.objects.get(pk=case.pk).hold == Hold.RUNNING
