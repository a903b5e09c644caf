"""挂牌督办 end to end, and the supervision list's sections."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services
from disputes.models import Case, Status, Supervision
from governance.models import Notification


def later(days=5):
    return timezone.localdate() + timedelta(days=days)


def test_leader_lists_unit_answers_leader_lifts(org, make_case, django_capture_on_commit_callbacks):
    case = make_case(Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        supervision = services.supervise_case(
            case=case, by=org["leader"], instruction="三日内化解，防止激化", due=later()
        )
    assert Notification.objects.filter(unit=org.police_a, title__contains="挂牌督办").exists()
    with pytest.raises(services.TransitionRefused, match="只有承办单位"):
        services.answer_supervision(supervision=supervision, by=org["township_officer"], answer="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_supervision(supervision=supervision, by=org["police"], answer="已约双方明日调解")
    supervision.refresh_from_db()
    assert supervision.state == "answered" and supervision.answered_by == org["police"]
    assert Notification.objects.filter(user=org["leader"], title__contains="督办已回复").exists()
    with pytest.raises(services.TransitionRefused, match="只有督办领导"):
        services.lift_supervision(supervision=supervision, by=org["police"])
    services.lift_supervision(supervision=supervision, by=org["leader"])
    supervision.refresh_from_db()
    assert supervision.state == "lifted"
    actions = list(case.events.values_list("action", flat=True))
    assert {"supervise", "supervision_answer", "supervision_lift"} <= set(actions)


def test_listing_is_refused_outside_the_rules(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    for persona in ("township_officer", "police"):
        with pytest.raises(services.TransitionRefused):
            services.supervise_case(case=case, by=org[persona], instruction="x", due=later())
    with pytest.raises(ValidationError):
        services.supervise_case(case=case, by=org["leader"], instruction="", due=later())
    with pytest.raises(ValidationError):
        services.supervise_case(case=case, by=org["leader"], instruction="x", due=timezone.localdate())
    services.supervise_case(case=case, by=org["township_leader"], instruction="限期办结", due=later())
    with pytest.raises(services.TransitionRefused, match="已在挂牌督办中"):
        services.supervise_case(case=case, by=org["leader"], instruction="again", due=later())
    closed = make_case(Status.CLOSED)
    with pytest.raises(services.TransitionRefused):
        services.supervise_case(case=closed, by=org["leader"], instruction="x", due=later())
    assert Supervision.objects.count() == 1


def test_supervision_list_sections(org, login, make_case):
    overdue = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=overdue.pk).update(handle_due=timezone.localdate() - timedelta(days=10))
    stale = make_case(Status.SUBMITTED)
    Case.objects.filter(pk=stale.pk).update(received_at=timezone.now() - timedelta(days=10))
    unsigned = make_case(Status.DISPATCHED)
    Case.objects.filter(pk=unsigned.pk).update(sign_due=timezone.now() - timedelta(days=9))
    fresh = make_case(Status.DISPATCHED)
    services.supervise_case(case=overdue, by=org["leader"], instruction="尽快", due=later())
    body = login(org["leader"]).get("/cases/supervision/").content.decode()
    for case in (overdue, stale, unsigned):
        assert case.number in body
    assert fresh.number not in body
    assert "挂牌" in body and "逾期" in body
    assert overdue.number not in login(org["outsider"]).get("/cases/supervision/").content.decode()
    assert login(org["police"]).get("/cases/supervision/").status_code == 403


def test_listing_through_the_pages(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    leader = login(org["leader"])
    assert "挂牌督办" in leader.get(f"/cases/{case.number}/").content.decode()
    bad = leader.post(f"/cases/{case.number}/supervise/", {"supervise-instruction": "", "supervise-due": ""})
    assert bad.status_code == 400 and "此项为必填项" in bad.content.decode()
    leader.post(
        f"/cases/{case.number}/supervise/", {"supervise-instruction": "本周内办结", "supervise-due": str(later())}
    )
    supervision = Supervision.objects.get()
    police = login(org["police"])
    page = police.get(f"/cases/{case.number}/").content.decode()
    assert "本周内办结" in page and "回复督办" in page
    police.post(f"/cases/{case.number}/supervision/{supervision.pk}/answer/", {"answer-answer": "已处理"})
    supervision.refresh_from_db()
    assert supervision.state == "answered"
    assert "挂牌" in police.get("/cases/").content.decode()


def test_supervision_list_queries_are_fixed(org, login, make_case, django_assert_max_num_queries):
    leader = login(org["leader"])
    make_case(Status.IN_PROGRESS)
    with django_assert_max_num_queries(40) as small:
        leader.get("/cases/supervision/")
    for _n in range(8):
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=timezone.localdate() - timedelta(days=3))
        services.supervise_case(case=case, by=org["leader"], instruction="x", due=later())
    with django_assert_max_num_queries(len(small.captured_queries)):
        leader.get("/cases/supervision/")
