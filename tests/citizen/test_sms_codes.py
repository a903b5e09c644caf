"""SMS codes as the citizen's phone receives them and the public pages check them: the text of
the message, how long a code lives, which code of several works, and what a typed code may look
like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from governance.crypto import blind_index
from governance.models import AuditEvent, PhoneCode, PublicAttempt
from governance.phone_codes import Purpose, check_code, send_code

PHONE = "13800138000"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _request(rf, address="10.0.0.8"):
    return rf.post("/m/sms/", REMOTE_ADDR=address)


@pytest.mark.parametrize(
    ("purpose", "words"),
    [
        (Purpose.REPORT, "反映矛盾纠纷"),
        (Purpose.FOLLOW, "查询办理进度"),
        (Purpose.CONSULT, "网上咨询"),
        (Purpose.MEDIATION, "参加网上调解"),
        (Purpose.CONFIRM, "确认调解协议"),
    ],
)
def test_the_message_names_the_site_what_the_code_is_for_and_how_long_it_lives(rf, sms, settings, purpose, words):
    settings.SITE_TITLE = "示范县综治中心"
    settings.CITIZEN_CODE_MINUTES = 7
    send_code(phone=PHONE, purpose=purpose, request=_request(rf))
    code = sms.last_code()
    assert sms.texts[-1] == (
        f"SMS to 138****8000: 【示范县综治中心】您正在{words}，验证码 {code}，7 分钟内有效。"
        "请勿告诉他人；如非本人操作请忽略。"
    )


def test_a_confirmation_code_names_the_agreement(rf, sms):
    send_code(phone=PHONE, purpose=Purpose.CONFIRM, request=_request(rf), context="调协〔2026〕12号")
    assert "您正在确认调解协议（调协〔2026〕12号），验证码" in sms.texts[-1]


def test_a_code_works_until_its_minutes_are_up(rf, sms, settings):
    settings.CITIZEN_CODE_MINUTES = 10
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        first = sms.last_code()
    assert PhoneCode.objects.get().expires_at == T0 + timedelta(minutes=10)
    with time_machine.travel(T0 + timedelta(minutes=9, seconds=59), tick=False):
        assert check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=first, request=_request(rf))
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        second = sms.last_code()
    with time_machine.travel(T0 + timedelta(minutes=12), tick=False):
        assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=second, request=_request(rf))


def test_only_the_latest_code_works_and_a_wrong_try_counts_against_it(rf, sms, settings):
    settings.CITIZEN_LIMITS = {}
    settings.CITIZEN_CODE_TRIES = 2
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        older = sms.last_code()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        latest = sms.last_code()
        if older != latest:
            assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=older, request=_request(rf))
            assert list(PhoneCode.objects.order_by("created_at").values_list("attempts", flat=True)) == [0, 1]
        # One try is left: the right code still works, and only once.
        assert check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=latest, request=_request(rf))
        assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=latest, request=_request(rf))
    used = PhoneCode.objects.order_by("created_at").last()
    assert used.used_at == T0 + timedelta(minutes=1)


@pytest.mark.parametrize("latest_is", ["used", "expired"])
def test_an_earlier_code_does_not_come_back_once_the_latest_is_used_or_expired(rf, sms, settings, latest_is):
    settings.CITIZEN_LIMITS = {}
    settings.CITIZEN_CODE_MINUTES = 10
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        older = sms.last_code()  # lives until T0 + 10 minutes
    settings.CITIZEN_CODE_MINUTES = 5
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        latest = sms.last_code()  # lives until T0 + 6 minutes
        if latest_is == "used":
            assert check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=latest, request=_request(rf))
    with time_machine.travel(T0 + timedelta(minutes=8), tick=False):
        assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=older, request=_request(rf))
    assert PhoneCode.objects.filter(used_at__isnull=False).count() == (1 if latest_is == "used" else 0)


def test_a_code_typed_with_spaces_works_and_a_blank_or_short_one_does_not(rf, sms, settings):
    settings.CITIZEN_LIMITS = {}
    send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
    code = sms.last_code()
    assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=None, request=_request(rf))
    assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=code[:5], request=_request(rf))
    assert check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=f" {code} ", request=_request(rf))


def test_a_wrong_code_is_counted_as_a_failure_of_the_phone_and_audited(rf, sms):
    send_code(phone=PHONE, purpose=Purpose.CONSULT, request=_request(rf))
    wrong = "000000" if sms.last_code() != "000000" else "111111"
    assert not check_code(phone=PHONE, purpose=Purpose.CONSULT, code=wrong, request=_request(rf))
    failure = PublicAttempt.objects.get(action="fail")
    assert (failure.phone_index, failure.address) == (blind_index(PHONE), "10.0.0.8")
    audit = AuditEvent.objects.get(action=AuditEvent.Action.PUBLIC_REFUSED)
    assert audit.detail == "wrong sms code/consult 138****8000"
    assert PhoneCode.objects.get().attempts == 1


def test_codes_use_all_six_digits(rf, sms, settings):
    settings.CITIZEN_LIMITS = {}
    codes = set()
    for _n in range(20):
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
        codes.add(int(sms.last_code()))
    # Twenty draws all under 1,000 would happen once in 10^40 tries with six random digits.
    assert max(codes) >= 1000 and len(codes) > 1


def test_of_two_codes_sent_in_the_same_second_the_second_works(rf, sms, settings):
    settings.CITIZEN_LIMITS = {}
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        first = sms.last_code()
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        second = sms.last_code()
        assert check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=second, request=_request(rf))
    assert first == second or PhoneCode.objects.filter(used_at__isnull=True).count() == 1


def test_a_later_code_for_another_phone_or_purpose_leaves_a_code_working(rf, sms, settings):
    settings.CITIZEN_LIMITS = {}
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
        mine = sms.last_code()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        send_code(phone="13900139000", purpose=Purpose.FOLLOW, request=_request(rf))
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
        assert check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=mine, request=_request(rf))
