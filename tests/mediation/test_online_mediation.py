"""网上调解, the mediator's side and the rules: the thread on the case, inviting a party by SMS,
the switch to online mediation, a session held online, and the parties' confirmations shown on the
agreement (page and .docx) — only for the parties who confirmed."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes.citizen import case_code
from disputes.models import CaseCode, CaseEvent, Party
from disputes.services import TransitionRefused
from governance.models import Role
from governance.phone_codes import Purpose, send_code
from mediation import online
from mediation.documents import agreement_docx, signature_lines
from mediation.models import Invitation, Message, Signature
from tests.factories import make_user
from tests.mediation.conftest import final_agreement

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LINK = re.compile(r"/m/mediation/([\w-]+)/")


@pytest.fixture
def online_case(mediated_case):
    case = mediated_case()
    case_code(case, mediation=CaseCode.Mediation.ONLINE)
    return case


def parties(case) -> tuple[Party, Party]:
    return case.parties.get(role="applicant"), case.parties.get(role="respondent")


def confirm(rf, sms, invitation, agreement, *, address="10.1.0.1"):
    request = rf.post("/m/", REMOTE_ADDR=address)
    phone = online.party_phone(invitation.party)
    send_code(phone=phone, purpose=Purpose.CONFIRM, request=request, context=agreement.number)
    return online.confirm_agreement(invitation=invitation, agreement=agreement, code=sms.last_code(), request=request)


# --- Invitations and the thread ---------------------------------------------------------------------


def test_a_mediator_invites_both_parties_by_sms_and_a_new_invitation_closes_the_old_link(org, online_case, sms):
    zhang, li = parties(online_case)
    first, token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    online.invite_party(case=online_case, party=li, by=org["mediator"])
    assert len(sms.texts) == 2
    assert "138****8000" in sms.texts[0] and "139****9000" in sms.texts[1]
    assert f"/m/mediation/{token}/" in sms.texts[0] and "甲镇人民调解委员会邀请您参加网上调解" in sms.texts[0]
    assert token not in first.token_hash  # only a hash of the token is kept
    assert online.invitation_for(token) == first
    again, new_token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    with pytest.raises(online.InvalidLink):
        online.invitation_for(token)
    assert online.invitation_for(new_token) == again
    assert Invitation.objects.filter(party=zhang, revoked_at__isnull=True).count() == 1
    assert CaseEvent.objects.filter(case=online_case, data__mediation="invite").count() == 3


def test_an_invitation_needs_an_online_case_a_phone_and_the_case_s_mediator(org, med, mediated_case, sms):
    case = mediated_case()
    zhang, li = parties(case)
    with pytest.raises(TransitionRefused, match="不是网上调解"):
        online.invite_party(case=case, party=zhang, by=org["mediator"])
    online.switch_to_online(case=case, by=org["mediator"])
    assert case.public_code.mediation == "online"
    with pytest.raises(TransitionRefused, match="已是网上调解"):
        online.switch_to_online(case=case, by=org["mediator"])
    with pytest.raises(TransitionRefused):
        online.invite_party(case=case, party=zhang, by=org["township_officer"])  # the center reads only
    li.set_identifiers(id_number="", phone="")
    li.save()
    with pytest.raises(ValidationError, match="未登记手机号码"):
        online.invite_party(case=case, party=li, by=org["mediator"])
    other = mediated_case()
    with pytest.raises(TransitionRefused, match="不属于本案件"):
        online.invite_party(case=case, party=other.parties.first(), by=org["mediator"])
    assert sms.texts == []


def test_an_expired_link_or_a_changed_phone_opens_nothing(org, online_case, sms):
    zhang, _li = parties(online_case)
    invitation, token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(online.InvalidLink):
        online.invitation_for(token)
    invitation, token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    zhang.set_identifiers(id_number="", phone="13700137000")
    zhang.save()
    with pytest.raises(online.InvalidLink):
        online.invitation_for(token)
    for odd in ("", "x" * 300, "../../admin"):
        with pytest.raises(online.InvalidLink):
            online.invitation_for(odd)


def test_the_mediator_s_page_shows_the_thread_and_posts_text_and_a_photo(
    org, online_case, login, sms, django_assert_max_num_queries
):
    mediator = login(org["mediator"])
    zhang, li = parties(online_case)
    Message.objects.create(case=online_case, party=zhang, text="我要求对方清理排水沟")
    url = f"/mediation/cases/{online_case.number}/online/"
    answer = mediator.post(url, {"text": "请双方陈述意见。", "photo": SimpleUploadedFile("现场.png", PNG)})
    assert answer.status_code == 302
    message = Message.objects.get(author=org["mediator"])
    assert message.photo.content_type == "image/png" and message.photo.uploaded_by == org["mediator"]
    with django_assert_max_num_queries(14):  # constant: the thread, parties, invitations, agreement
        page = mediator.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "请双方陈述意见。" in html and "申请人：张三" in html
    assert "调解员 赵调解" in html and 'data-testid="invite-form"' in html
    answer = mediator.post(f"{url}invite/", {"party": li.pk})
    assert answer.status_code == 302 and len(sms.texts) == 1


def test_xss_oversize_and_a_renamed_program_are_refused_in_a_message(org, online_case, login, settings):
    mediator = login(org["mediator"])
    url = f"/mediation/cases/{online_case.number}/online/"
    assert mediator.post(url, {"text": "<script>alert('x')</script>"}).status_code == 302
    html = mediator.get(url).content.decode()
    assert "<script>alert('x')</script>" not in html and "&lt;script&gt;" in html
    too_long = mediator.post(url, {"text": "字" * (settings.MEDIATION_MESSAGE_MAX_CHARS + 1)})
    assert too_long.status_code == 400 and "消息不能超过 1000 字" in too_long.content.decode()
    empty = mediator.post(url, {"text": "   "})
    assert empty.status_code == 400 and "请输入消息内容" in empty.content.decode()
    exe = mediator.post(url, {"photo": SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 64)})
    assert exe.status_code == 400 and "不是照片" in exe.content.decode()
    settings.CITIZEN_PHOTO_MAX_BYTES = 32
    big = mediator.post(url, {"photo": SimpleUploadedFile("big.png", PNG)})
    assert big.status_code == 400 and "超过" in big.content.decode()
    assert Message.objects.count() == 1


def test_who_reads_the_thread_and_who_writes_in_it(org, med, online_case, login, mediated_case):
    url = f"/mediation/cases/{online_case.number}/online/"
    # The center reads, without the forms; a leader who sees the case does not read the thread.
    clerk = login(org["township_officer"])
    center = clerk.get(url)
    assert center.status_code == 200 and 'data-testid="message-form"' not in center.content.decode()
    assert clerk.post(url, {"text": "中心发言"}).status_code == 302
    assert not Message.objects.exists()
    assert login(org["leader"]).get(url).status_code == 404
    # A mediator of another organisation: the case is not in their scope.
    other = login(make_user("mediator_b", Role.MEDIATOR, med.org_b.unit))
    assert other.get(url).status_code == 404
    assert other.post(f"{url}invite/", {"party": online_case.parties.first().pk}).status_code == 404
    # Not online yet: the page offers the switch, and a message is refused.
    case = mediated_case()
    mediator = login(org["mediator"])
    page = mediator.get(f"/mediation/cases/{case.number}/online/")
    assert 'data-testid="switch-online"' in page.content.decode()
    refused = mediator.post(f"/mediation/cases/{case.number}/online/", {"text": "你好"}, follow=True)
    assert "不是网上调解" in refused.content.decode()
    switched = mediator.post(f"/mediation/cases/{case.number}/online/switch/", follow=True)
    assert "已改为网上调解" in switched.content.decode()


def test_a_session_held_online_says_so_as_its_venue(org, online_case, login):
    page = login(org["mediator"]).get(f"/mediation/cases/{online_case.number}/sessions/new/?online=1")
    assert page.status_code == 200 and 'value="网上调解"' in page.content.decode()


# --- Confirmation of the agreement --------------------------------------------------------------------


def test_both_parties_confirm_and_both_are_shown_signed(org, online_case, rf, sms, login):
    zhang, li = parties(online_case)
    agreement = final_agreement(org, online_case)
    for party in (zhang, li):
        invitation, _token = online.invite_party(case=online_case, party=party, by=org["mediator"])
        confirm(rf, sms, invitation, agreement)
    assert f"确认调解协议（{agreement.number}）" in sms.texts[-1]
    rows = Signature.objects.filter(agreement=agreement)
    assert {s.party_id for s in rows} == {zhang.pk, li.pk}
    assert all(s.code_hash and s.phone_code_id and s.ip_address == "10.1.0.1" for s in rows)
    assert {s.phone_masked for s in rows} == {"138****8000", "139****9000"}
    lines = signature_lines(agreement)
    assert sum("签字确认（短信验证" in line for line in lines) == 2
    page = login(org["mediator"]).get(f"/mediation/cases/{online_case.number}/").content.decode()
    assert page.count("签字确认（短信验证") == 2


def test_a_party_who_did_not_confirm_is_not_shown_as_signed(org, online_case, rf, sms, login):
    from docx import Document

    zhang, li = parties(online_case)
    agreement = final_agreement(org, online_case)
    invitation, _token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    confirm(rf, sms, invitation, agreement)
    lines = signature_lines(agreement)
    assert any("张三  签字确认（短信验证" in line for line in lines)
    assert not any("李四" in line and "签字确认" in line for line in lines)
    assert any(line.startswith("当事人（签名、盖章或按指印）：李四 ____") for line in lines)
    text = "\n".join(p.text for p in Document(BytesIO(agreement_docx(agreement))).paragraphs)
    assert "张三  签字确认（短信验证" in text and "李四  签字确认" not in text
    staff = login(org["mediator"]).get(f"/mediation/cases/{online_case.number}/online/").content.decode()
    assert f'data-testid="signing-{li.pk}"' in staff
    assert staff.count("签字确认（短信验证") == 1 and "未确认" in staff


def test_a_wrong_code_a_second_confirmation_or_a_corrected_agreement_is_refused(org, online_case, rf, sms, settings):
    from mediation import services

    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "sms": {"phone": [(10, 60)]}}
    zhang, _li = parties(online_case)
    agreement = final_agreement(org, online_case)
    invitation, _token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    request = rf.post("/m/", REMOTE_ADDR="10.1.0.2")
    send_code(phone="13800138000", purpose=Purpose.CONFIRM, request=request)
    code = sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError, match="验证码不正确"):
        online.confirm_agreement(invitation=invitation, agreement=agreement, code=wrong, request=request)
    # A code sent to join the thread does not confirm an agreement.
    send_code(phone="13800138000", purpose=Purpose.MEDIATION, request=rf.post("/m/", REMOTE_ADDR="10.1.0.3"))
    with pytest.raises(ValidationError):
        online.confirm_agreement(invitation=invitation, agreement=agreement, code=sms.last_code(), request=request)
    assert not Signature.objects.exists()
    online.confirm_agreement(invitation=invitation, agreement=agreement, code=code, request=request)
    with pytest.raises(TransitionRefused, match="已确认"):
        online.confirm_agreement(invitation=invitation, agreement=agreement, code=code, request=request)
    correction = services.correct_agreement(agreement=agreement, by=org["mediator"], reason="笔误")
    with pytest.raises(TransitionRefused, match="不能确认"):
        online.confirm_agreement(invitation=invitation, agreement=agreement, code=code, request=request)
    with pytest.raises(TransitionRefused, match="不能确认"):
        online.confirm_agreement(invitation=invitation, agreement=correction, code=code, request=request)  # a draft
    assert Signature.objects.count() == 1


def test_the_mediators_are_told_of_new_messages_once_while_unread_and_of_each_confirmation(
    org, online_case, rf, sms, django_capture_on_commit_callbacks
):
    from governance.models import Notification, NotificationRead

    zhang, _li = parties(online_case)
    invitation, _token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    request = rf.post("/m/", REMOTE_ADDR="10.1.0.5")
    notices = Notification.objects.filter(user=org["mediator"], url=f"/mediation/cases/{online_case.number}/online/")
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("第一条", "第二条", "第三条"):
            online.post_party_message(invitation=invitation, text=text, photo=None, request=request)
    assert notices.count() == 1 and "申请人发来新消息" in notices.get().title
    NotificationRead.objects.create(notification=notices.get(), user=org["mediator"])
    with django_capture_on_commit_callbacks(execute=True):
        online.post_party_message(invitation=invitation, text="第四条", photo=None, request=request)
    assert notices.count() == 2
    agreement = final_agreement(org, online_case)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(rf, sms, invitation, agreement)
    assert notices.filter(title__contains="已通过短信验证确认调解协议书").count() == 1
    assert Message.objects.filter(party=zhang).count() == 4
