"""挂牌督办 within a leader's jurisdiction only (issue 18): a township leader lists the cases of
his township, the county leader those of every township; who answers a case not yet dispatched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import Status, Supervision
from governance.models import Role, Unit
from tests.disputes.conftest import intake
from tests.factories import make_user

OUTSIDE = "只能对本辖区在办的案件挂牌督办"


def later(days: int = 5):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def leader_b(org):
    """The township leader of 乙镇."""
    unit = Unit.objects.create(code="B-LEAD", name="乙镇党委政府", kind=Unit.Kind.LEADERSHIP, region=org.town_b)
    return make_user("leader_b", Role.LEADER, unit)


def test_a_leader_of_another_township_is_refused_by_the_service(org, make_case, leader_b):
    case = make_case(Status.IN_PROGRESS)  # a case of 甲镇
    with pytest.raises(services.TransitionRefused, match=OUTSIDE):
        services.supervise_case(case=case, by=leader_b, instruction="限期办结", due=later())
    assert not Supervision.objects.exists()
    assert not case.events.filter(action="supervise").exists()


def test_a_leader_of_another_township_cannot_reach_the_case_page(org, make_case, leader_b, login):
    case = make_case(Status.IN_PROGRESS)
    client = login(leader_b)
    assert client.get(f"/cases/{case.number}/").status_code == 404
    response = client.post(
        f"/cases/{case.number}/supervise/", {"supervise-instruction": "限期办结", "supervise-due": str(later())}
    )
    assert response.status_code == 404
    assert not Supervision.objects.exists()


def test_the_township_leader_lists_a_case_of_his_township_on_its_page(org, make_case, login):
    case = make_case(Status.IN_PROGRESS)
    client = login(org["township_leader"])
    assert 'data-testid="action-supervise"' in client.get(f"/cases/{case.number}/").content.decode()
    response = client.post(
        f"/cases/{case.number}/supervise/",
        {"supervise-instruction": "三日内化解", "supervise-due": str(later())},
        follow=True,
    )
    assert response.status_code == 200 and "三日内化解" in response.content.decode()
    assert Supervision.objects.get().leader == org["township_leader"]


def test_the_county_leader_lists_a_case_of_any_township(org, leader_b):
    data = services.IntakeData(
        channel="visit",
        township=org.town_b,
        village=org.village_b1,
        summary="乙镇一村两户因用水发生争执",
        parties=[services.PartyData(role="applicant", name="钱七", phone="13600136000")],
    )
    case_b = services.intake_case(by=org["county_officer"], data=data)
    with pytest.raises(services.TransitionRefused, match=OUTSIDE):
        services.supervise_case(case=case_b, by=org["township_leader"], instruction="x", due=later())
    supervision = services.supervise_case(case=case_b, by=org["leader"], instruction="县领导督办", due=later())
    assert supervision.state == Supervision.State.OPEN and supervision.leader == org["leader"]


def test_only_the_listing_leader_or_one_over_the_case_lifts_it(org, make_case, leader_b):
    case = make_case(Status.IN_PROGRESS)
    supervision = services.supervise_case(case=case, by=org["township_leader"], instruction="限期", due=later())
    with pytest.raises(services.TransitionRefused, match="只有督办领导可以撤牌"):
        services.lift_supervision(supervision=supervision, by=leader_b)
    supervision.refresh_from_db()
    assert supervision.state != Supervision.State.LIFTED
    services.lift_supervision(supervision=supervision, by=org["leader"])  # the county leader is over 甲镇 too
    supervision.refresh_from_db()
    assert supervision.state == Supervision.State.LIFTED


def test_a_case_not_yet_dispatched_is_answered_by_its_center(org, make_case, login):
    case = make_case(Status.REGISTERED)
    supervision = services.supervise_case(case=case, by=org["leader"], instruction="尽快分流", due=later())
    with pytest.raises(services.TransitionRefused, match="只有承办单位可以回复督办"):
        services.answer_supervision(supervision=supervision, by=org["police"], answer="x")
    with pytest.raises(services.TransitionRefused, match="只有承办单位可以回复督办"):
        services.answer_supervision(supervision=supervision, by=org["outsider"], answer="x")
    client = login(org["township_officer"])
    assert "回复督办" in client.get(f"/cases/{case.number}/").content.decode()
    client.post(f"/cases/{case.number}/supervision/{supervision.pk}/answer/", {"answer-answer": "今日分流派出所"})
    supervision.refresh_from_db()
    assert (supervision.state, supervision.answered_by) == ("answered", org["township_officer"])


def test_the_county_center_answers_too_before_the_dispatch(org):
    case = intake(org)
    supervision = services.supervise_case(case=case, by=org["township_leader"], instruction="尽快", due=later())
    services.answer_supervision(supervision=supervision, by=org["county_officer"], answer="县中心已过问")
    supervision.refresh_from_db()
    assert supervision.answered_by == org["county_officer"]
