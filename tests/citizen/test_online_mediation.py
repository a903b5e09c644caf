"""网上调解, the party's side (/m/mediation/<token>/): joining by the SMS link and a code sent to the
invited phone, the thread as a party reads it, posting text and photos, and confirming the final
agreement with an SMS code — and every refusal: a wrong phone, a wrong code, an unknown, expired
or replaced link, another case's objects, oversize or disguised input, too many messages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from disputes import services as case_services
from disputes.citizen import case_code
from disputes.models import Party
from governance.models import AuditEvent
from mediation import online
from mediation import services as med_services
from mediation.models import Invitation, Message, Organisation, Signature
from tests.disputes.conftest import intake
from tests.mediation.conftest import dispatch_to_mediation, final_agreement, mediator

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ZHANG, LI = "13800138000", "13900139000"


@pytest.fixture
def relaxed(settings):
    """A party joins and then confirms within a minute here: one SMS code a minute per phone is
    the real limit, tested in test_foundation.py."""
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "sms": {"phone": [(20, 60)], "address": [(50, 3600)]}}
    settings.CITIZEN_CHALLENGE_AFTER = 50


def make_online_case(org, **extra):
    organisation = Organisation.objects.filter(unit=org.mediation_a).first() or Organisation.objects.create(
        unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a
    )
    zhao = organisation.memberships.filter(mediator__name="赵调解").first()
    zhao = zhao.mediator if zhao else mediator("赵调解", organisation, "neighbourhood", user=org["mediator"])
    case = dispatch_to_mediation(org, intake(org, **extra))
    case = case_services.sign_case(case=case, by=org["mediator"], version=case.version)
    med_services.assign_mediators(case=case, by=org["mediator"], mediators=[zhao], lead=zhao)
    case_code(case, mediation="online")
    case.refresh_from_db()
    return case


@pytest.fixture
def online_case(org):
    return make_online_case(org)


def invite(org, case, role: str = "applicant") -> str:
    party = case.parties.get(role=role)
    _invitation, token = online.invite_party(case=case, party=party, by=org["mediator"])
    return token


def join(sms, token: str, phone: str, address: str = "10.3.0.1") -> Client:
    browser = Client(REMOTE_ADDR=address)
    url = f"/m/mediation/{token}/"
    first = browser.get(url)
    assert first.status_code == 200 and 'data-testid="join-form"' in first.content.decode()
    sent = browser.post(url, {"phone": phone, "send_code": "1"})
    assert sent.status_code == 200 and "验证码已发送" in sent.content.decode()
    joined = browser.post(url, {"phone": phone, "sms_code": sms.last_code()})
    assert joined.status_code == 302, joined.content.decode()[:400]
    return browser


def test_a_party_joins_by_link_and_code_and_reads_the_thread_in_plain_roles(
    org, online_case, sms, django_assert_max_num_queries
):
    token = invite(org, online_case)
    zhang, li = online_case.parties.get(role="applicant"), online_case.parties.get(role="respondent")
    online.post_message(case=online_case, by=org["mediator"], text="请双方说明情况。")
    Message.objects.create(case=online_case, party=li, text="排水沟不是我堵的")
    browser = join(sms, token, ZHANG)
    assert Invitation.objects.get(party=zhang).joined_at is not None
    with django_assert_max_num_queries(12):
        page = browser.get(f"/m/mediation/{token}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="party-thread"' in html
    assert "调解员 赵调解" in html and "被申请人" in html and "排水沟不是我堵的" in html
    # Never the other party's name or phone, nor a staff account's name.
    for hidden in ("李四", LI, "139****9000", org["township_officer"].full_name):
        assert hidden not in html
    browser.post(f"/m/mediation/{token}/messages/", {"text": "我要求对方清理"})
    assert "我要求对方清理" in browser.get(f"/m/mediation/{token}/").content.decode()


def test_the_mediator_s_name_is_hidden_when_the_county_says_so(org, online_case, sms, settings):
    settings.MEDIATION_SHOW_MEDIATOR_NAME = False
    token = invite(org, online_case)
    online.post_message(case=online_case, by=org["mediator"], text="你好")
    html = join(sms, token, ZHANG).get(f"/m/mediation/{token}/").content.decode()
    assert "调解员" in html and "赵调解" not in html


def test_a_phone_that_is_not_the_invited_party_s_gets_no_code_and_is_audited(org, online_case, sms):
    token = invite(org, online_case)
    browser = Client(REMOTE_ADDR="10.3.0.2")
    for data in ({"phone": LI, "send_code": "1"}, {"phone": LI, "sms_code": "123456"}):
        answer = browser.post(f"/m/mediation/{token}/", data)
        assert answer.status_code == 400 and "不是本次受邀当事人的手机号" in answer.content.decode()
    assert len(sms.texts) == 1  # the invitation only
    refusals = AuditEvent.objects.filter(action=AuditEvent.Action.PUBLIC_REFUSED, detail__contains="not the invited")
    assert refusals.count() == 2 and refusals.first().ip_address == "10.3.0.2"
    bad = browser.post(f"/m/mediation/{token}/", {"phone": "12345", "sms_code": "x" * 50})
    assert bad.status_code == 400


def test_a_wrong_code_is_refused_and_then_throttled(org, online_case, sms, settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "fail": {"phone": [(3, 3600)], "address": [(3, 3600)]}}
    token = invite(org, online_case)
    browser = Client(REMOTE_ADDR="10.3.0.3")
    browser.post(f"/m/mediation/{token}/", {"phone": ZHANG, "send_code": "1"})
    code = sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _n in range(3):
        answer = browser.post(f"/m/mediation/{token}/", {"phone": ZHANG, "sms_code": wrong})
        assert answer.status_code == 400 and "验证码不正确" in answer.content.decode()
    locked = browser.post(f"/m/mediation/{token}/", {"phone": ZHANG, "sms_code": code})
    assert locked.status_code == 429 and "错误次数过多" in locked.content.decode()
    assert 'data-testid="party-thread"' not in browser.get(f"/m/mediation/{token}/").content.decode()


def test_an_unknown_expired_or_replaced_link_is_refused_audited_and_throttled(org, online_case, sms, settings):
    browser = Client(REMOTE_ADDR="10.3.0.4")
    unknown = browser.get("/m/mediation/not-a-real-token/")
    assert unknown.status_code == 404 and "链接无效或已过期" in unknown.content.decode()
    old = invite(org, online_case)
    invite(org, online_case)  # sent again: the first link stops working
    assert browser.get(f"/m/mediation/{old}/").status_code == 404
    expired = invite(org, online_case, "respondent")
    Invitation.objects.filter(party__role="respondent").update(expires_at=timezone.now())
    assert browser.get(f"/m/mediation/{expired}/").status_code == 404
    assert AuditEvent.objects.filter(detail__contains="mediation link: unknown or expired").count() == 3
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "fail": {"address": [(3, 3600)]}}
    throttled = browser.get("/m/mediation/another-guess/")
    assert throttled.status_code == 429 and "错误次数过多" in throttled.content.decode()


def test_another_case_s_link_or_photo_opens_nothing_of_this_case(org, online_case, sms):
    token = invite(org, online_case)
    browser = join(sms, token, ZHANG, "10.3.0.5")
    other = make_online_case(
        org,
        parties=[
            case_services.PartyData(role=Party.Role.APPLICANT, name="王五", phone="13700137000"),
            case_services.PartyData(role=Party.Role.RESPONDENT, name="赵六", phone="13600136000"),
        ],
    )
    other_token = invite(org, other)
    other_photo = online.post_message(
        case=other, by=org["mediator"], text="", photo=SimpleUploadedFile("p.png", PNG, "image/png")
    ).photo
    # This browser proved 张三's phone: another case's link still asks for that case's party's phone.
    page = browser.get(f"/m/mediation/{other_token}/").content.decode()
    assert 'data-testid="join-form"' in page and "王五" not in page
    assert browser.get(f"/m/mediation/{other_token}/photos/{other_photo.pk}/").status_code == 302
    assert browser.get(f"/m/mediation/{token}/photos/{other_photo.pk}/").status_code == 404
    assert AuditEvent.objects.filter(detail__contains="mediation photo: not of this case").exists()
    own = online.post_message(case=online_case, by=org["mediator"], text="", photo=SimpleUploadedFile("a.png", PNG))
    served = browser.get(f"/m/mediation/{token}/photos/{own.photo_id}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert Client().get(f"/m/mediation/{token}/photos/{own.photo_id}/").status_code == 302  # not proved


def test_a_party_s_messages_are_bounded_sniffed_escaped_and_throttled(org, online_case, sms, settings):
    token = invite(org, online_case)
    browser = join(sms, token, ZHANG, "10.3.0.6")
    post = f"/m/mediation/{token}/messages/"
    assert browser.post(post, {"text": '<img src=x onerror="alert(1)">'}).status_code == 302
    html = browser.get(f"/m/mediation/{token}/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in html and "&lt;img src=x" in html
    long = browser.post(post, {"text": "字" * (settings.MEDIATION_MESSAGE_MAX_CHARS + 1)})
    assert long.status_code == 400 and "消息不能超过" in long.content.decode()
    exe = browser.post(post, {"photo": SimpleUploadedFile("照片.jpg", b"MZ\x90\x00" + b"\x00" * 200)})
    assert exe.status_code == 400 and "不是照片" in exe.content.decode()
    assert browser.post(post, {"text": "", "photo": SimpleUploadedFile("现场.png", PNG)}).status_code == 302
    message = Message.objects.filter(party__isnull=False, photo__isnull=False).get()
    assert message.photo.uploaded_by is None and message.photo.kind == "photo"
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "mediation": {"phone": [(2, 3600)]}}
    limited = browser.post(post, {"text": "第三条"})
    assert limited.status_code == 429 and "操作太频繁" in limited.content.decode()
    assert Message.objects.filter(party__isnull=False).count() == 2
    assert AuditEvent.objects.filter(detail__contains="limit mediation/phone").exists()


def test_both_parties_confirm_the_agreement_by_sms_code_and_both_are_shown_signed(
    org, online_case, sms, relaxed, login
):
    zhang_token = invite(org, online_case)
    zhang_browser = join(sms, zhang_token, ZHANG, "10.3.0.7")
    li_token = invite(org, online_case, "respondent")
    li_browser = join(sms, li_token, LI, "10.3.0.8")
    agreement = final_agreement(org, online_case)
    for browser, token in ((zhang_browser, zhang_token), (li_browser, li_token)):
        url = f"/m/mediation/{token}/"
        page = browser.get(url).content.decode()
        assert 'data-testid="confirm-form"' in page and agreement.terms in page
        sent = browser.post(f"{url}confirm/", {"agreement": agreement.pk, "send_code": "1"})
        assert sent.status_code == 200 and "验证码已发送" in sent.content.decode()
        assert f"确认调解协议（{agreement.number}）" in sms.texts[-1]
        done = browser.post(f"{url}confirm/", {"agreement": agreement.pk, "sms_code": sms.last_code()})
        assert done.status_code == 302
        assert 'data-testid="signed"' in browser.get(url).content.decode()
    assert Signature.objects.filter(agreement=agreement).count() == 2
    staff = login(org["mediator"]).get(f"/mediation/cases/{online_case.number}/").content.decode()
    assert staff.count("签字确认（短信验证") == 2


def test_only_the_party_who_confirmed_is_shown_signed_and_a_wrong_code_signs_nothing(
    org, online_case, sms, relaxed, login
):
    token = invite(org, online_case)
    browser = join(sms, token, ZHANG, "10.3.0.9")
    agreement = final_agreement(org, online_case)
    url = f"/m/mediation/{token}/confirm/"
    browser.post(url, {"agreement": agreement.pk, "send_code": "1"})
    code = sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    refused = browser.post(url, {"agreement": agreement.pk, "sms_code": wrong})
    assert refused.status_code == 400 and "验证码不正确" in refused.content.decode()
    empty = browser.post(url, {"agreement": agreement.pk, "sms_code": ""})
    assert empty.status_code == 400 and "请输入短信验证码" in empty.content.decode()
    stale = browser.post(url, {"agreement": agreement.pk + 999, "sms_code": code})
    assert stale.status_code == 400 and "不能确认" in stale.content.decode()
    assert AuditEvent.objects.filter(detail__contains="mediation confirm: not the case's open agreement").exists()
    assert not Signature.objects.exists()
    assert browser.post(url, {"agreement": agreement.pk, "sms_code": code}).status_code == 302
    (signature,) = Signature.objects.all()
    assert signature.party.role == "applicant" and signature.phone_masked == "138****8000"
    staff = login(org["mediator"]).get(f"/mediation/cases/{online_case.number}/").content.decode()
    assert staff.count("签字确认（短信验证") == 1 and "未在线确认" in staff
