"""网上调解 at its edges: the exact refusals a mediator and a party read, the longest message, who
is told of a party's message when no mediator has an account, the link's lifetime, a failed
invitation SMS, joining once, and how each side sees who wrote a message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from disputes.citizen import case_code
from disputes.models import CaseCode, CaseEvent
from disputes.services import TransitionRefused
from governance.models import Notification
from governance.phone_codes import Purpose, send_code
from mediation import online
from mediation.models import Assignment, Invitation, Message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


class FailingGateway:
    def send(self, phone: str, text: str) -> str:
        raise ConnectionError("gateway down")


@pytest.fixture
def online_case(mediated_case):
    case = mediated_case()
    case_code(case, mediation=CaseCode.Mediation.ONLINE)
    return case


def _applicant(case):
    return case.parties.get(role="applicant")


def test_the_switch_is_refused_to_the_center_with_the_reason_and_recorded_for_the_mediator(org, mediated_case):
    case = mediated_case()
    with pytest.raises(TransitionRefused) as refused:
        online.switch_to_online(case=case, by=org["township_officer"])
    assert str(refused.value) == "只有承办该案件的调解员可以改为网上调解（案件须在办理中）。"
    online.switch_to_online(case=case, by=org["mediator"])
    event = CaseEvent.objects.filter(case=case, data__mediation="online").get()
    assert event.note == "改为网上调解" and event.actor == org["mediator"]


def test_the_refusals_a_mediator_reads(org, mediated_case, online_case):
    with pytest.raises(TransitionRefused) as refused:
        online.post_message(case=online_case, by=org["township_officer"], text="中心发言")
    assert str(refused.value) == "只有承办该案件的调解员可以在网上调解中发言（案件须在办理中）。"
    with pytest.raises(TransitionRefused) as refused:
        online.invite_party(case=online_case, party=_applicant(online_case), by=org["township_officer"])
    assert str(refused.value) == "只有承办该案件的调解员可以邀请当事人（案件须在办理中）。"
    offline = mediated_case()
    with pytest.raises(TransitionRefused) as refused:
        online.post_message(case=offline, by=org["mediator"], text="你好")
    assert str(refused.value) == "该案件不是网上调解，请先改为网上调解。"
    assert not Message.objects.exists()


def test_a_message_of_exactly_the_longest_length_is_kept_without_its_nul_and_spaces(org, online_case, settings):
    settings.MEDIATION_MESSAGE_MAX_CHARS = 10
    message = online.post_message(case=online_case, by=org["mediator"], text="  一二三四五\x00六七八九十  ")
    assert message.text == "一二三四五六七八九十"
    with pytest.raises(ValidationError) as refused:
        online.post_message(case=online_case, by=org["mediator"], text="一二三四五六七八九十一")
    assert refused.value.message_dict == {"text": ["消息不能超过 10 字，请分几条发送。"]}
    with pytest.raises(ValidationError) as refused:
        online.post_message(case=online_case, by=org["mediator"], text="\x00 ")
    assert refused.value.message_dict == {"text": ["请输入消息内容或选择一张照片。"]}


def test_a_party_cannot_write_once_the_case_is_no_longer_online(org, online_case, rf, sms):
    invitation, _token = online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    CaseCode.objects.filter(case=online_case).update(mediation=CaseCode.Mediation.IN_PERSON)
    invitation = Invitation.objects.select_related("case__public_code", "party").get(pk=invitation.pk)
    with pytest.raises(TransitionRefused) as refused:
        online.post_party_message(invitation=invitation, text="还在吗", photo=None, request=rf.post("/m/"))
    assert str(refused.value) == "调解已结束，不能再发送消息。"
    assert not Message.objects.exists()


def test_without_mediator_accounts_the_lead_unit_is_told_of_a_party_s_message(
    org, online_case, rf, sms, django_capture_on_commit_callbacks
):
    invitation, _token = online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    Assignment.objects.filter(case=online_case).update(withdrawn_at=T0)
    with django_capture_on_commit_callbacks(execute=True):
        online.post_party_message(invitation=invitation, text="我同意调解", photo=None, request=rf.post("/m/"))
    notice = Notification.objects.get(unit=online_case.lead_unit)
    assert notice.title == f"网上调解：申请人发来新消息（{online_case.number}）"
    assert notice.url == f"/mediation/cases/{online_case.number}/online/"
    assert not Notification.objects.filter(user=org["mediator"]).exists()


def test_the_link_lives_the_configured_days_and_the_sms_says_so(org, online_case, sms, settings):
    settings.MEDIATION_LINK_DAYS = 3
    settings.SITE_TITLE = "示范县综治中心"
    with time_machine.travel(T0, tick=False):
        invitation, token = online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    assert (invitation.sent_at, invitation.expires_at) == (T0, T0 + timedelta(days=3))
    assert invitation.sent_by == org["mediator"]
    assert sms.texts[-1].startswith(
        "SMS to 138****8000: 【示范县综治中心】甲镇人民调解委员会邀请您参加网上调解。请在 3 天内打开 "
    )
    assert sms.texts[-1].endswith(f"/m/mediation/{token}/ ，用本手机号接收验证码后进入。")
    event = CaseEvent.objects.get(case=online_case, data__mediation="invite")
    assert event.note == "邀请申请人张三参加网上调解（短信发至 138****8000）"
    with time_machine.travel(T0 + timedelta(days=3, seconds=-1), tick=False):
        assert online.invitation_for(f" {token} ") == invitation
    with time_machine.travel(T0 + timedelta(days=3), tick=False), pytest.raises(online.InvalidLink):
        online.invitation_for(token)


def test_a_token_of_a_hundred_characters_is_looked_up_and_longer_ones_are_not(org, online_case):
    with pytest.raises(online.InvalidLink):
        online.invitation_for("a" * 100)
    with pytest.raises(online.InvalidLink):
        online.invitation_for(None)


def test_a_failed_invitation_sms_keeps_no_invitation_and_tells_the_mediator(org, online_case, settings):
    settings.SMS_GATEWAY = "tests.mediation.test_online_edges.FailingGateway"
    with pytest.raises(TransitionRefused) as refused:
        online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    assert str(refused.value) == "邀请短信发送失败，请稍后再试。"
    assert not Invitation.objects.exists()
    assert not CaseEvent.objects.filter(case=online_case, data__mediation="invite").exists()


def test_a_party_joins_once_and_the_first_time_is_kept(org, online_case, rf, sms, settings):
    settings.CITIZEN_LIMITS = {}
    invitation, _token = online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    request = rf.post("/m/", REMOTE_ADDR="10.4.0.1")
    with pytest.raises(ValidationError) as refused:
        online.join(invitation=invitation, phone="13900139000", code="123456", request=request)
    assert refused.value.message_dict == {"phone": ["该手机号不是本次受邀当事人的手机号，请用收到邀请短信的手机号。"]}
    with time_machine.travel(T0, tick=False):
        send_code(phone="13800138000", purpose=Purpose.MEDIATION, request=request)
        online.join(invitation=invitation, phone="13800138000", code=sms.last_code(), request=request)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        send_code(phone="13800138000", purpose=Purpose.MEDIATION, request=request)
        fresh = Invitation.objects.get(pk=invitation.pk)
        online.join(invitation=fresh, phone="13800138000", code=sms.last_code(), request=request)
    assert Invitation.objects.get(pk=invitation.pk).joined_at == T0
    with pytest.raises(ValidationError) as refused:
        online.join(invitation=fresh, phone="13800138000", code="000000", request=request)
    assert refused.value.message_dict == {"sms_code": ["验证码不正确或已过期，请重新获取。"]}


def test_each_side_reads_who_wrote_a_message(org, online_case, settings):
    zhang = _applicant(online_case)
    li = online_case.parties.get(role="respondent")
    by_mediator = online.post_message(case=online_case, by=org["mediator"], text="请说明")
    by_zhang = Message.objects.create(case=online_case, party=zhang, text="我说")
    by_li = Message.objects.create(case=online_case, party=li, text="他说")
    assert [m.pk for m in online.thread(online_case)] == [by_mediator.pk, by_zhang.pk, by_li.pk]
    assert [online.public_author(m, zhang) for m in (by_mediator, by_zhang, by_li)] == [
        "调解员 赵调解",
        "我",
        "被申请人",
    ]
    assert [online.staff_author(m) for m in (by_mediator, by_zhang, by_li)] == [
        "调解员 赵调解",
        "申请人：张三",
        "被申请人：李四",
    ]
    clerk_message = Message.objects.create(case=online_case, author=org["township_officer"], text="中心补充")
    assert online.public_author(clerk_message, zhang) == "调解员"
    assert online.staff_author(clerk_message) == "调解员 township_officer"  # no name: the account
