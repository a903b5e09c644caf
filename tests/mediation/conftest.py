"""Mediation fixtures: 甲镇人民调解委员会 with its mediators, and cases dispatched to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services as case_services
from disputes.models import Case, Category
from governance.models import Unit
from mediation import services
from mediation.models import Mediator, Membership, Organisation
from tests.disputes.conftest import intake, make_case  # noqa: F401  (fixture)
from tests.factories import Org


@dataclass
class Mediation:
    org_a: Organisation
    org_b: Organisation
    county_org: Organisation
    zhao: Mediator  # the `mediator` persona's profile, neighbourhood disputes
    qian: Mediator  # part-time, neighbourhood and family
    sun: Mediator  # family only
    expert: Mediator  # county-wide lawyer, neighbourhood


def mediator(name: str, org: Organisation, *categories: str, user=None, role="mediator", **extra) -> Mediator:
    m = Mediator.objects.create(name=name, user=user, **extra)
    m.specialties.set(Category.objects.filter(code__in=categories))
    Membership.objects.create(organisation=org, mediator=m, role=role)
    return m


@pytest.fixture
def med(org: Org) -> Mediation:
    org_a = Organisation.objects.create(unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a)
    unit_b = Unit.objects.create(code="B-MED", name="乙镇人民调解委员会", kind=Unit.Kind.MEDIATION, region=org.town_b)
    org_b = Organisation.objects.create(unit=unit_b, kind=Organisation.Kind.TOWNSHIP, region=org.town_b)
    unit_c = Unit.objects.create(code="C-LAWYER", name="县律师调解工作室", kind=Unit.Kind.MEDIATION, region=org.county)
    county_org = Organisation.objects.create(unit=unit_c, kind=Organisation.Kind.LAWYER, region=org.county)
    return Mediation(
        org_a,
        org_b,
        county_org,
        mediator("赵调解", org_a, "neighbourhood", user=org["mediator"], role="director", employment="full"),
        mediator("钱调解", org_a, "neighbourhood", "marriage_family"),
        mediator("孙调解", org_a, "marriage_family"),
        mediator("李律师", county_org, "neighbourhood", background="lawyer"),
    )


def dispatch_to_mediation(org: Org, case: Case, unit: Unit | None = None) -> Case:
    return case_services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=unit or org.mediation_a,
        due=timezone.localdate() + timedelta(days=20),
        version=case.version,
    )


@pytest.fixture
def mediated_case(org, med):
    """mediated_case(signed=True, assign=True) → a 甲镇 case at 甲镇人民调解委员会."""

    def _make(*, signed: bool = True, assign: bool = True, **extra) -> Case:
        case = dispatch_to_mediation(org, intake(org, **extra))
        if signed:
            case = case_services.sign_case(case=case, by=org["mediator"], version=case.version)
        if assign:
            services.assign_mediators(case=case, by=org["mediator"], mediators=[med.zhao], lead=med.zhao)
        case.refresh_from_db()
        return case

    return _make


def session_data(**overrides) -> services.SessionData:
    data = {
        "held_at": timezone.now() - timedelta(hours=1),
        "place": "甲镇人民调解委员会调解室",
        "mediators": "赵调解",
        "participants": "张三、李四",
        "rights_notified": True,
        "statements": [("张三", "排水沟被堵，雨天积水进屋。"), ("李四", "愿意清理。")],
        "process": "释法明理",
        "result": "agreed",
    }
    data.update(overrides)
    return services.SessionData(**data)


def agreement_data(**overrides) -> services.AgreementData:
    data = {
        "facts": "张三与李四因排水沟堵塞发生纠纷。",
        "issues": "排水沟疏通费用由谁承担。",
        "responsibility": "李四堆放杂物致排水沟堵塞，负主要责任。",
        "terms": "李四于七日内清理杂物并支付张三疏通费用人民币八百元。",
        "performance_manner": "银行转账",
        "performance_place": "甲镇人民调解委员会",
        "mediator_names": "赵调解",
        "obligations": [
            services.ObligationData("李四", "支付疏通费用八百元", timezone.localdate() + timedelta(days=7))
        ],
    }
    data.update(overrides)
    return services.AgreementData(**data)


def final_agreement(org, case: Case, signed_on=None):
    agreement = services.draft_agreement(case=case, by=org["mediator"])
    agreement = services.update_agreement(agreement=agreement, by=org["mediator"], data=agreement_data())
    return services.finalize_agreement(
        agreement=agreement, by=org["mediator"], signed_on=signed_on or timezone.localdate()
    )
