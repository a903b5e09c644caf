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
from governance import throttle
from governance.models import AuditEvent, Notification, PublicAttempt
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


# --- What the mutants of mediation/online.py showed untested ---------------------------------------


def _final(org, case):
    from tests.mediation.conftest import final_agreement

    return final_agreement(org, case)


def test_the_exact_refusals_of_switching_inviting_and_confirming(org, mediated_case, online_case, rf, sms):
    with pytest.raises(TransitionRefused) as refused:
        online.switch_to_online(case=online_case, by=org["mediator"])
    assert str(refused.value) == "该案件已是网上调解。"
    offline = mediated_case()
    with pytest.raises(TransitionRefused) as refused:
        online.invite_party(case=offline, party=_applicant(offline), by=org["mediator"])
    assert str(refused.value) == "该案件不是网上调解，请先改为网上调解。"
    with pytest.raises(TransitionRefused) as refused:
        online.invite_party(case=online_case, party=_applicant(offline), by=org["mediator"])
    assert str(refused.value) == "该当事人不属于本案件。"
    li = online_case.parties.get(role="respondent")
    li.set_identifiers(id_number="", phone="")
    li.save()
    with pytest.raises(ValidationError) as refused:
        online.invite_party(case=online_case, party=li, by=org["mediator"])
    assert refused.value.message_dict == {"party": ["该当事人未登记手机号码，无法发送邀请短信。"]}

    agreement = _final(org, online_case)
    invitation, _token = online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    request = rf.post("/m/", REMOTE_ADDR="10.6.0.1")
    send_code(phone="13800138000", purpose=Purpose.CONFIRM, request=request)
    code = sms.last_code()
    with pytest.raises(ValidationError) as refused:
        online.confirm_agreement(invitation=invitation, agreement=agreement, code="12345", request=request)
    assert refused.value.message_dict == {"sms_code": ["验证码不正确或已过期，请重新获取。"]}
    online.confirm_agreement(invitation=invitation, agreement=agreement, code=code, request=request)
    with pytest.raises(TransitionRefused) as refused:
        online.confirm_agreement(invitation=invitation, agreement=agreement, code=code, request=request)
    assert str(refused.value) == "您已确认过该协议书。"
    from mediation import services

    services.correct_agreement(agreement=agreement, by=org["mediator"], reason="笔误")
    with pytest.raises(TransitionRefused) as refused:
        online.confirm_agreement(invitation=invitation, agreement=agreement, code=code, request=request)
    assert str(refused.value) == "该协议书不能确认，请刷新页面查看最新的协议书。"
    # The refused confirmation of a corrected agreement is counted against the address and audited.
    assert PublicAttempt.objects.filter(action=throttle.FAIL, address="10.6.0.1").count() == 2  # + the short code
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PUBLIC_REFUSED, detail=f"mediation confirm: agreement {agreement.pk} not open"
    ).exists()


def test_a_confirmation_is_a_progress_entry_of_the_case_and_a_notice_to_the_mediator(
    org, online_case, rf, sms, django_capture_on_commit_callbacks
):
    zhang = _applicant(online_case)
    agreement = _final(org, online_case)
    invitation, _token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    request = rf.post("/m/", REMOTE_ADDR="10.6.0.2")
    send_code(phone="13800138000", purpose=Purpose.CONFIRM, request=request)
    with django_capture_on_commit_callbacks(execute=True):
        online.confirm_agreement(invitation=invitation, agreement=agreement, code=sms.last_code(), request=request)
    event = CaseEvent.objects.get(case=online_case, data__mediation="signature")
    assert event.action == CaseEvent.Action.PROGRESS
    assert event.data == {"mediation": "signature", "agreement": agreement.pk, "party": zhang.pk}
    notice = Notification.objects.get(user=org["mediator"])
    assert notice.title == f"网上调解：申请人已通过短信验证确认调解协议书（{agreement.number}）"


def test_an_invitation_closes_only_the_party_s_open_link_and_its_link_is_on_the_site(org, online_case, sms, settings):
    settings.SITE_URL = "https://zz.example.cn/"
    zhang = _applicant(online_case)
    with time_machine.travel(T0, tick=False):
        first, _ = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        second, _ = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        _third, token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.revoked_at, second.revoked_at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    # 24 random bytes: 32 characters of the URL-safe alphabet.
    assert len(token) == 32 and set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert f"打开 https://zz.example.cn/m/mediation/{token}/ ，" in sms.texts[-1]
    events = CaseEvent.objects.filter(case=online_case, data__mediation="invite")
    assert [e.data for e in events] == [{"mediation": "invite", "party": zhang.pk}] * 3


def test_the_thread_is_in_time_order_and_read_in_one_query(org, online_case, settings, django_assert_num_queries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    zhang = _applicant(online_case)
    li = online_case.parties.get(role="respondent")
    late = Message.objects.create(case=online_case, party=zhang, text="后说的", at=T0 + timedelta(minutes=2))
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    early = online.post_message(case=online_case, by=org["mediator"], text="先说的", photo=photo)
    Message.objects.filter(pk=early.pk).update(at=T0 + timedelta(minutes=1))
    Message.objects.create(case=online_case, party=li, text="最后", at=T0 + timedelta(minutes=3))
    with django_assert_num_queries(1):
        messages = online.thread(online_case)
        seen = [
            (online.public_author(m, zhang), online.staff_author(m), m.photo and m.photo.content_type) for m in messages
        ]
    assert [m.text for m in messages] == ["先说的", "后说的", "最后"] and late in messages
    assert seen == [
        ("调解员 赵调解", "调解员 赵调解", "image/png"),
        ("我", "申请人：张三", None),
        ("被申请人", "被申请人：李四", None),
    ]
    settings.MEDIATION_SHOW_MEDIATOR_NAME = False
    assert online.public_author(messages[0], zhang) == "调解员"


def test_an_open_link_is_read_with_its_case_and_party_in_one_query(org, online_case, sms, django_assert_num_queries):
    _invitation, token = online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    with django_assert_num_queries(1):
        invitation = online.invitation_for(token)
        seen = (invitation.case.lead_unit.name, invitation.case.public_code.mediation, invitation.party.name)
    assert seen == ("甲镇人民调解委员会", "online", "张三")


def test_the_open_agreement_is_this_case_s_newest_final_one(org, mediated_case, online_case, django_assert_num_queries):
    from mediation import services

    other = mediated_case()
    _final(org, other)
    assert online.open_agreement(online_case) is None  # another case's agreement is not this one's
    agreement = _final(org, online_case)
    with django_assert_num_queries(3):  # read twice (the page and the document): still prefetched
        opened = online.open_agreement(online_case)
        parts = [(len(opened.obligations.all()), len(opened.signatures.all())) for _n in range(2)][-1]
    assert opened == agreement and parts[1] == 0 and parts[0] >= 1
    draft = services.correct_agreement(agreement=agreement, by=org["mediator"], reason="笔误")
    assert online.open_agreement(online_case) is None  # the corrected one is closed, its draft not final
    corrected = services.finalize_agreement(agreement=draft, by=org["mediator"], signed_on=agreement.signed_on)
    assert online.open_agreement(online_case) == corrected


def test_each_mediator_is_told_until_they_read_their_own_notice(
    org, med, online_case, rf, sms, django_capture_on_commit_callbacks
):
    from governance.models import NotificationRead, Role
    from tests.factories import make_user

    med.qian.user = make_user("qian", Role.MEDIATOR, org.mediation_a)
    med.qian.save()
    Assignment.objects.create(case=online_case, mediator=med.qian)
    zhao, qian = org["mediator"], med.qian.user
    url = f"/mediation/cases/{online_case.number}/online/"
    Notification.objects.create(user=zhao, title="另一案件的消息", url="/mediation/cases/X/online/")
    invitation, _token = online.invite_party(case=online_case, party=_applicant(online_case), by=zhao)
    request = rf.post("/m/", REMOTE_ADDR="10.6.0.3")
    with django_capture_on_commit_callbacks(execute=True):
        online.post_party_message(invitation=invitation, text="第一条", photo=None, request=request)
    assert Notification.objects.filter(url=url).count() == 2  # an unread notice of another thread holds nothing back
    NotificationRead.objects.create(notification=Notification.objects.get(user=zhao, url=url), user=zhao)
    with django_capture_on_commit_callbacks(execute=True):
        online.post_party_message(invitation=invitation, text="第二条", photo=None, request=request)
    assert Notification.objects.filter(user=zhao, url=url).count() == 2  # read: told again
    assert Notification.objects.filter(user=qian, url=url).count() == 1  # unread: not again


def test_joining_from_two_tabs_keeps_the_first_time_and_touches_no_other_link(org, online_case, rf, sms, settings):
    settings.CITIZEN_LIMITS = {}
    zhang, li = _applicant(online_case), online_case.parties.get(role="respondent")
    invitation, _token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    li_invitation, _token = online.invite_party(case=online_case, party=li, by=org["mediator"])
    tab_one, tab_two = Invitation.objects.get(pk=invitation.pk), Invitation.objects.get(pk=invitation.pk)
    request = rf.post("/m/", REMOTE_ADDR="10.6.0.4")
    for tab, moment in ((tab_one, T0), (tab_two, T0 + timedelta(minutes=5))):
        with time_machine.travel(moment, tick=False):
            send_code(phone="13800138000", purpose=Purpose.MEDIATION, request=request)
            online.join(invitation=tab, phone="13800138000", code=sms.last_code(), request=request)
    assert Invitation.objects.get(pk=invitation.pk).joined_at == T0
    assert Invitation.objects.get(pk=li_invitation.pk).joined_at is None


def test_wrong_phones_lock_the_address_and_a_phone_tried_everywhere_is_locked(org, online_case, rf, sms, settings):
    settings.CITIZEN_LIMITS = {"fail": {"phone": [(10, 3600)], "address": [(2, 3600)]}}
    invitation, _token = online.invite_party(case=online_case, party=_applicant(online_case), by=org["mediator"])
    one_address = rf.post("/m/", REMOTE_ADDR="10.6.1.1")
    for stranger in ("13900139001", "13900139002"):
        with pytest.raises(ValidationError):
            online.join(invitation=invitation, phone=stranger, code="123456", request=one_address)
    with pytest.raises(throttle.Throttled):  # even the right phone, from that address, asking for a code
        online.check_party_phone(invitation=invitation, phone="13800138000", request=one_address)
    with pytest.raises(throttle.Throttled):
        online.join(invitation=invitation, phone="13800138000", code="123456", request=one_address)
    assert AuditEvent.objects.filter(detail="mediation link: not the invited party's phone 139****9001").exists()

    PublicAttempt.objects.all().delete()
    settings.CITIZEN_LIMITS = {"fail": {"phone": [(2, 3600)], "address": [(10, 3600)]}}
    for address in ("10.6.2.1", "10.6.2.2"):
        with pytest.raises(ValidationError):
            online.join(
                invitation=invitation, phone="13900139003", code="123456", request=rf.post("/m/", REMOTE_ADDR=address)
            )
    with pytest.raises(throttle.Throttled):  # the same stranger's phone from a third address
        online.join(
            invitation=invitation, phone="13900139003", code="123456", request=rf.post("/m/", REMOTE_ADDR="10.6.2.3")
        )


def test_wrong_codes_count_against_the_address_they_came_from(org, online_case, rf, sms, settings):
    settings.CITIZEN_LIMITS = {"fail": {"phone": [(10, 3600)], "address": [(2, 3600)]}}
    zhang = _applicant(online_case)
    invitation, _token = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    agreement = _final(org, online_case)
    for purpose, attempt in (
        (
            Purpose.MEDIATION,
            lambda request: online.join(invitation=invitation, phone="13800138000", code="000000", request=request),
        ),
        (
            Purpose.CONFIRM,
            lambda request: online.confirm_agreement(
                invitation=invitation, agreement=agreement, code="000000", request=request
            ),
        ),
    ):
        PublicAttempt.objects.all().delete()
        request = rf.post("/m/", REMOTE_ADDR="10.6.3.1")
        for _n in range(2):
            with pytest.raises(ValidationError):
                attempt(request)
        with pytest.raises(throttle.Throttled):
            attempt(request)
        assert PublicAttempt.objects.filter(action=throttle.FAIL, address="10.6.3.1", allowed=True).count() == 2, (
            purpose
        )


def test_a_party_s_messages_count_against_the_address_too(org, online_case, rf, sms, settings):
    settings.CITIZEN_LIMITS = {"mediation": {"phone": [(30, 3600)], "address": [(2, 3600)]}}
    zhang, li = _applicant(online_case), online_case.parties.get(role="respondent")
    zhang_invitation, _ = online.invite_party(case=online_case, party=zhang, by=org["mediator"])
    li_invitation, _ = online.invite_party(case=online_case, party=li, by=org["mediator"])
    shared = rf.post("/m/", REMOTE_ADDR="10.6.4.1")
    online.post_party_message(invitation=zhang_invitation, text="一", photo=None, request=shared)
    online.post_party_message(invitation=li_invitation, text="二", photo=None, request=shared)
    with pytest.raises(throttle.Throttled) as refused:
        online.post_party_message(invitation=zhang_invitation, text="三", photo=None, request=shared)
    assert str(refused.value).startswith("操作太频繁")
    assert Message.objects.count() == 2
