"""调解员名册: the center of the organisation's jurisdiction adds mediators, edits them and records
their training; everyone else is refused (403) or does not see the organisation (404)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes.models import Category
from disputes.services import TransitionRefused
from mediation import services
from mediation.models import Mediator, Membership, Training
from tests.factories import PERSONAS

# 甲镇人民调解委员会: the county center and 甲镇's center keep its roster; mediators and leaders
# see it; 乙镇's center does not see it at all.
ROSTER = {"county_officer", "township_officer"}
SEES = ROSTER | {"mediator", "leader", "township_leader"}


def expected(persona: str) -> int:
    return 200 if persona in ROSTER else 404 if persona == "outsider" else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_roster_pages_answer_every_role(org, med, login, persona):
    client = login(org[persona])
    base = f"/mediation/organisations/{med.org_a.pk}/mediators"
    assert client.get(f"{base}/new/").status_code == expected(persona)
    assert client.get(f"{base}/{med.qian.pk}/").status_code == expected(persona)
    response = client.post(f"{base}/{med.qian.pk}/trainings/", {"training-date": "2026-01-05", "training-title": "x"})
    assert response.status_code == (302 if persona in ROSTER else expected(persona))
    detail = client.get(f"/mediation/organisations/{med.org_a.pk}/")
    assert detail.status_code == (200 if persona in SEES else 404 if persona == "outsider" else 403)
    assert ('data-testid="add-mediator"' in detail.content.decode()) == (persona in ROSTER)


def test_a_township_center_keeps_only_its_own_organisations(org, med, login):
    client = login(org["township_officer"])
    # The county-level lawyers' studio serves 甲镇 too, so 甲镇 sees it, but its roster is the county's.
    assert client.get(f"/mediation/organisations/{med.county_org.pk}/mediators/new/").status_code == 403
    assert client.get(f"/mediation/organisations/{med.org_b.pk}/mediators/new/").status_code == 404
    assert (
        login(org["county_officer"]).get(f"/mediation/organisations/{med.county_org.pk}/mediators/new/").status_code
        == 200
    )


def test_adding_a_mediator(org, med, login):
    client = login(org["township_officer"])
    family = Category.objects.get(code="marriage_family")
    response = client.post(
        f"/mediation/organisations/{med.org_a.pk}/mediators/new/",
        {
            "name": "周调解",
            "role": "member",
            "phone": "13900001111",
            "employment": "full",
            "background": "five_elders",
            "specialties": [family.pk],
            "certificate_no": "调证2026-001",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    added = Mediator.objects.get(name="周调解")
    assert list(added.specialties.all()) == [family]
    assert Membership.objects.get(mediator=added).role == "member"
    assert added.history.first().history_user == org["township_officer"]
    # The new mediator is offered for family cases of 甲镇 at once.
    page = client.get(f"/mediation/organisations/{med.org_a.pk}/").content.decode()
    assert "周调解" in page and "调证2026-001" in page


def test_bad_roster_input_is_answered_in_chinese_and_nothing_saved(org, med, login):
    client = login(org["township_officer"])
    before = Mediator.objects.count()
    response = client.post(
        f"/mediation/organisations/{med.org_a.pk}/mediators/new/",
        {"name": "", "role": "chief", "phone": "12345", "employment": "full", "background": "other"},
    )
    body = response.content.decode()
    assert response.status_code == 400 and Mediator.objects.count() == before
    assert "请输入11位手机号码" in body and "此项为必填项" in body and "所选项不存在" in body
    future = timezone.localdate() + timedelta(days=3)
    response = client.post(
        f"/mediation/organisations/{med.org_a.pk}/mediators/{med.qian.pk}/trainings/",
        {"training-date": future.isoformat(), "training-title": "人民调解业务培训", "training-hours": "8"},
    )
    assert response.status_code == 400 and "培训日期不能晚于今天" in response.content.decode()
    assert not Training.objects.exists()


def test_editing_and_training(org, med, login):
    client = login(org["county_officer"])
    base = f"/mediation/organisations/{med.org_a.pk}/mediators/{med.sun.pk}"
    response = client.post(
        f"{base}/",
        {"name": "孙调解", "role": "director", "employment": "part", "background": "lawyer", "is_active": ""},
    )
    assert response.status_code == 302
    med.sun.refresh_from_db()
    assert (med.sun.is_active, med.sun.background) == (False, "lawyer")
    assert Membership.objects.get(mediator=med.sun).role == "director"
    response = client.post(
        f"{base}/trainings/",
        {"training-date": "2026-03-10", "training-title": "县司法局人民调解员培训", "training-hours": "16"},
    )
    assert response.status_code == 302
    assert Training.objects.get(mediator=med.sun).hours == 16
    assert "县司法局人民调解员培训" in client.get(f"{base}/").content.decode()


def test_the_services_refuse_outside_the_jurisdiction(org, med):
    data = services.MediatorData(name="吴调解")
    with pytest.raises(TransitionRefused):
        services.add_mediator(org=med.org_a, by=org["outsider"], data=data, role="mediator")
    with pytest.raises(TransitionRefused):
        services.add_mediator(org=med.org_a, by=org["mediator"], data=data, role="mediator")
    with pytest.raises(ValidationError):
        services.add_mediator(org=med.org_a, by=org["township_officer"], data=data, role="boss")
    services.add_mediator(org=med.org_a, by=org["township_officer"], data=data, role="mediator")
    assert Membership.objects.filter(organisation=med.org_a, mediator__name="吴调解").exists()
