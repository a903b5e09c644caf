"""Who takes the mediation steps (issue 18): the mediators of the organisation the case was
dispatched to, an outside expert while named on the case, nobody else; the subsidy rates are the
county justice bureau's (or the county center's on its behalf)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from disputes.models import Status
from disputes.services import TransitionRefused
from governance.models import Role, Unit
from mediation import services
from mediation.models import Session, SubsidyRate
from tests.factories import make_user
from tests.mediation.conftest import session_data

NOT_SIGNED_ON = "只有承办该案件的调解员可以记录调解笔录"
NO_RIGHT = "您无权对该案件进行此操作"


@pytest.fixture
def lawyer(org, med):
    """The county lawyers' studio's 李律师, with an account of her own."""
    user = make_user("lawyer", Role.MEDIATOR, med.county_org.unit)
    med.expert.user = user
    med.expert.save()
    return user


def test_a_police_station_leading_a_case_takes_no_mediation_step(org, med, make_case):
    case = make_case(Status.IN_PROGRESS)  # dispatched to 甲镇派出所, not to a mediation organisation
    with pytest.raises(TransitionRefused, match="只有受理该案件的调解组织的调解员可以指派调解员"):
        services.assign_mediators(case=case, by=org["police"], mediators=[med.zhao])
    with pytest.raises(TransitionRefused, match=NOT_SIGNED_ON):
        services.record_session(case=case, by=org["police"], data=session_data())
    assert not case.assignments.exists() and not Session.objects.exists()


def test_an_outside_expert_mediates_while_named_on_the_case(org, med, mediated_case, lawyer):
    case = mediated_case(assign=False)
    services.assign_mediators(case=case, by=org["mediator"], mediators=[med.zhao, med.expert], lead=med.expert)
    session = services.record_session(case=case, by=lawyer, data=session_data(mediators="李律师"))
    assert session.case == case
    assignment = case.assignments.get(mediator=med.expert)
    services.recuse_mediator(assignment=assignment, by=org["mediator"], party="李四", reason="与申请人相识")
    with pytest.raises(TransitionRefused, match=NOT_SIGNED_ON):
        services.record_session(case=case, by=lawyer, data=session_data(mediators="李律师"))
    assert Session.objects.count() == 1


def test_a_mediator_of_another_organisation_not_named_on_the_case_is_refused(org, med, mediated_case):
    case = mediated_case()  # 赵调解 of 甲镇 is named on it
    mediator_b = make_user("mediator_b", Role.MEDIATOR, med.org_b.unit)
    with pytest.raises(TransitionRefused, match=NOT_SIGNED_ON):
        services.record_session(case=case, by=mediator_b, data=session_data())
    with pytest.raises(TransitionRefused, match=NO_RIGHT):
        services.extend_mediation(
            case=case, by=mediator_b, until=timezone.localdate() + timedelta(days=60), both_agree=True, note="双方同意"
        )
    assert not Session.objects.exists()


def test_an_expert_whose_account_is_no_longer_a_mediator_is_refused(org, med, mediated_case, lawyer):
    case = mediated_case(assign=False)
    services.assign_mediators(case=case, by=org["mediator"], mediators=[med.zhao, med.expert], lead=med.zhao)
    lawyer.groups.clear()  # the role 人民调解员 was withdrawn; the assignment is still on the case
    lawyer = type(lawyer).objects.get(pk=lawyer.pk)
    with pytest.raises(TransitionRefused, match=NOT_SIGNED_ON):
        services.record_session(case=case, by=lawyer, data=session_data(mediators="李律师"))


def test_the_mediation_period_is_not_extended_before_the_organisation_signs_for_the_case(org, med, mediated_case):
    case = mediated_case(signed=False)  # mediators named while the case waits to be signed for
    assert case.status == Status.DISPATCHED
    with pytest.raises(TransitionRefused, match=NO_RIGHT):
        services.extend_mediation(
            case=case,
            by=org["mediator"],
            until=timezone.localdate() + timedelta(days=60),
            both_agree=True,
            note="双方同意",
        )
    assert not case.mediation.extended


def test_the_mediation_work_page_names_the_mediators_organisation(org, med, login):
    body = login(org["mediator"]).get("/mediation/").content.decode()
    assert "甲镇人民调解委员会" in body


# --- 一案一补: the rate table ---------------------------------------------------------------------


def set_rate(by) -> SubsidyRate:
    return services.set_subsidy_rate(
        by=by, difficulty="ordinary", category=None, amount=Decimal("200"), valid_from=timezone.localdate()
    )


@pytest.fixture
def bureau(org):
    return Unit.objects.create(
        code="C-JUSTICE", name="示范县司法局", kind=Unit.Kind.DEPARTMENT, sector=Unit.Sector.JUSTICE, region=org.county
    )


def test_the_county_justice_bureau_and_the_county_center_set_the_rates(org, bureau):
    assert set_rate(make_user("bureau_clerk", Role.HANDLER, bureau)).amount == Decimal("200")
    assert set_rate(org["county_officer"]).set_by == org["county_officer"]


def test_a_justice_office_under_the_bureau_and_other_handlers_do_not(org, bureau):
    office = Unit.objects.create(
        code="A-JUSTICE",
        name="甲镇司法所",
        kind=Unit.Kind.DEPARTMENT,
        sector=Unit.Sector.JUSTICE,
        region=org.town_a,
        parent=bureau,
    )
    for person in (
        make_user("office_clerk", Role.HANDLER, office),
        org["police"],
        org["township_officer"],
        make_user("handler_without_unit", Role.HANDLER, None),
    ):
        with pytest.raises(TransitionRefused, match="补贴标准由县司法局确定，您无权设定"):
            set_rate(person)
    assert not SubsidyRate.objects.exists()


# --- 网上调解: who reads a case's thread -----------------------------------------------------------


def test_the_thread_is_read_by_the_centers_the_organisation_and_the_named_expert(
    org, med, mediated_case, lawyer, login
):
    case = mediated_case(assign=False)
    services.assign_mediators(case=case, by=org["mediator"], mediators=[med.zhao, med.expert], lead=med.zhao)
    url = f"/mediation/cases/{case.number}/online/"
    for person in (org["county_officer"], org["township_officer"], org["mediator"], lawyer):
        assert login(person).get(url).status_code == 200, person
    assert login(org["township_leader"]).get(url).status_code == 404  # sees the case, not the thread
    assignment = case.assignments.get(mediator=med.expert)
    services.recuse_mediator(assignment=assignment, by=org["mediator"], party="李四", reason="与申请人相识")
    assert login(lawyer).get(url).status_code == 404
