"""A party's SMS confirmation of the agreement as the case keeps it: a party who confirmed the first
agreement confirms its correction again, the case's history says who confirmed which agreement, and
the signature row holds the confirmation code that party used, not another phone's or purpose's."""

from __future__ import annotations

import pytest
from django.utils import timezone

from disputes.citizen import case_code
from disputes.models import CaseCode, CaseEvent
from governance.models import PhoneCode
from governance.phone_codes import Purpose, send_code
from mediation import online, services
from mediation.models import Signature
from tests.mediation.conftest import final_agreement
from tests.mediation.test_online_mediation import confirm, parties

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _codes_a_minute_apart_are_allowed(settings):
    # One SMS a minute per phone would stop a party asking a second code within the test.
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "sms": {"phone": [(10, 60)]}}


@pytest.fixture
def online_case(mediated_case):
    case = mediated_case()
    case_code(case, mediation=CaseCode.Mediation.ONLINE)
    return case


def test_a_party_who_confirmed_the_first_agreement_confirms_its_correction_again(org, online_case, rf, sms, login):
    zhang, _li = parties(online_case)
    first = final_agreement(org, online_case)
    invitation, _token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    confirm(rf, sms, invitation, first)
    draft = services.correct_agreement(agreement=first, by=org["mediator"], reason="金额笔误")
    corrected = services.finalize_agreement(agreement=draft, by=org["mediator"], signed_on=timezone.localdate())

    confirm(rf, sms, invitation, corrected)

    assert set(Signature.objects.filter(party=zhang).values_list("agreement_id", flat=True)) == {first.pk, corrected.pk}
    notes = list(
        CaseEvent.objects.filter(case=online_case, data__mediation="signature")
        .order_by("id")
        .values_list("note", flat=True)
    )
    assert notes == [
        f"申请人张三通过短信验证确认调解协议书（{first.number}）",
        f"申请人张三通过短信验证确认调解协议书（{corrected.number}）",
    ]
    page = login(org["mediator"]).get(f"/mediation/cases/{online_case.number}/online/").content.decode()
    assert "签字确认（短信验证" in page


def test_the_signature_keeps_the_confirmation_code_this_party_used(org, online_case, rf, sms):
    zhang, li = parties(online_case)
    agreement = final_agreement(org, online_case)
    zhang_invitation, _ = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    li_invitation, _ = online.invite_party(case=online_case, party=li, by=org["mediator"])
    request = rf.post("/m/", REMOTE_ADDR="10.1.0.9")
    send_code(phone=online.party_phone(zhang), purpose=Purpose.CONFIRM, request=request, context=agreement.number)
    zhang_code = sms.last_code()
    # Later codes: 李四's own confirmation, and a code 张三 asked for to join the thread.
    confirm(rf, sms, li_invitation, agreement, address="10.1.0.8")
    send_code(phone=online.party_phone(zhang), purpose=Purpose.MEDIATION, request=request)
    online.join(invitation=zhang_invitation, phone=online.party_phone(zhang), code=sms.last_code(), request=request)

    signature = online.confirm_agreement(
        invitation=zhang_invitation, agreement=agreement, code=zhang_code, request=request
    )

    used = PhoneCode.objects.get(pk=signature.phone_code_id)
    assert (used.phone_index, used.purpose) == (zhang.phone_index, Purpose.CONFIRM)
    assert signature.code_hash == used.code_hash and signature.code_hash
    assert signature.ip_address == "10.1.0.9"
