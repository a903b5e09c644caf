"""The limits of the public pages as a citizen meets them: how long the refusal says to wait,
when a window has passed, which scope counts whom, what the audit log and the kept attempts say,
when the challenge is asked, and what the nightly clean-up forgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from governance import throttle
from governance.crypto import blind_index
from governance.models import AuditEvent, PhoneCode, PublicAttempt
from governance.phone_codes import Purpose, check_code, send_code
from governance.tasks import forget_public_attempts

PHONE = "13800138000"
OTHER_PHONE = "13900139000"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _request(rf, address="10.0.0.8"):
    return rf.post("/m/sms/", REMOTE_ADDR=address)


def _refusal_after_one_sms(rf, settings, window: int) -> str:
    settings.CITIZEN_LIMITS = {"sms": {"phone": [(1, window)]}}
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
        with pytest.raises(throttle.Throttled) as refused:
            send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
    return str(refused.value)


@pytest.mark.parametrize(
    ("window", "words"),
    [
        (90, "1 分钟"),
        (91, "2 分钟"),
        (121, "3 分钟"),
        (3600, "60 分钟"),
        (5399, "90 分钟"),
        (5400, "2 小时"),
        (7201, "3 小时"),
    ],
)
def test_the_refusal_says_how_long_to_wait_in_minutes_or_hours(rf, sms, settings, window, words):
    assert _refusal_after_one_sms(rf, settings, window) == f"操作太频繁，请 {words}后再试。"


def test_the_wait_counts_from_the_oldest_attempt_of_the_window(rf, sms, settings):
    settings.CITIZEN_LIMITS = {"sms": {"phone": [(2, 600)]}}
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
    with time_machine.travel(T0 + timedelta(seconds=300), tick=False):
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
        with pytest.raises(throttle.Throttled, match="请 5 分钟后再试"):
            send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))


def test_a_phone_gets_another_code_once_the_window_has_passed(rf, sms, settings):
    settings.CITIZEN_LIMITS = {"sms": {"phone": [(1, 60)]}}
    with time_machine.travel(T0, tick=False):
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
    assert len(sms.texts) == 2


def test_an_action_without_configured_limits_is_counted_and_never_refused(rf, settings):
    settings.CITIZEN_LIMITS = {"sms": {"phone": [(1, 60)]}}
    for _n in range(5):
        throttle.take("mediation", request=_request(rf), phone=PHONE)
    assert PublicAttempt.objects.filter(action="mediation", allowed=True).count() == 5


def test_a_request_without_a_phone_is_limited_by_its_address_not_by_a_phone(rf, settings):
    # The phone scope comes first and does not apply; the address scope after it still does.
    settings.CITIZEN_LIMITS = {"lookup": {"phone": [(1, 3600)], "address": [(2, 3600)]}}
    throttle.take("lookup", request=_request(rf), phone="")
    throttle.take("lookup", request=_request(rf), phone="")
    with pytest.raises(throttle.Throttled):
        throttle.take("lookup", request=_request(rf), phone="")
    throttle.take("lookup", request=_request(rf, "10.0.0.9"), phone="")


def test_steps_without_a_client_address_are_not_limited_per_address(settings):
    settings.CITIZEN_LIMITS = {"consult": {"address": [(1, 3600)]}}
    throttle.take("consult", request=None, phone=PHONE)
    throttle.take("consult", request=None, phone=OTHER_PHONE)
    assert PublicAttempt.objects.filter(action="consult", allowed=True, address=None).count() == 2


def test_a_refusal_is_kept_with_the_phone_and_address_and_audited_as_the_public(rf, sms, settings):
    settings.CITIZEN_LIMITS = {"sms": {"phone": [(1, 60)]}}
    send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
    with pytest.raises(throttle.Throttled):
        send_code(phone=PHONE, purpose=Purpose.REPORT, request=_request(rf))
    kept = PublicAttempt.objects.get(allowed=False)
    assert (kept.action, kept.phone_index, kept.address) == ("sms", blind_index(PHONE), "10.0.0.8")
    audit = AuditEvent.objects.get(action=AuditEvent.Action.PUBLIC_REFUSED)
    assert (audit.username, audit.ip_address, audit.detail) == ("公众", "10.0.0.8", "limit sms/phone 138****8000")


def test_a_refusal_without_a_phone_names_no_phone(rf, settings):
    settings.CITIZEN_LIMITS = {"lookup": {"address": [(1, 3600)]}}
    throttle.take("lookup", request=_request(rf), phone="")
    with pytest.raises(throttle.Throttled):
        throttle.take("lookup", request=_request(rf), phone="")
    assert PublicAttempt.objects.get(allowed=False).phone_index == ""
    assert AuditEvent.objects.get(action=AuditEvent.Action.PUBLIC_REFUSED).detail == "limit lookup/address"


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_wrong_codes_from_several_addresses_lock_the_phone_and_the_refusal_is_audited(rf, sms, settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "fail": {"phone": [(3, 3600)]}}
    send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
    code = sms.last_code()
    for n in range(3):
        assert not check_code(
            phone=PHONE, purpose=Purpose.FOLLOW, code=_wrong(code), request=_request(rf, f"10.0.1.{n}")
        )
    failures = AuditEvent.objects.filter(detail__startswith="wrong sms code")
    assert failures.count() == 3
    assert {(a.username, a.ip_address, a.detail) for a in failures} == {
        ("公众", f"10.0.1.{n}", "wrong sms code/follow 138****8000") for n in range(3)
    }
    assert set(PublicAttempt.objects.filter(action=throttle.FAIL).values_list("phone_index", flat=True)) == {
        blind_index(PHONE)
    }
    with pytest.raises(throttle.Throttled, match=r"^错误次数过多，请 60 分钟后再试。$"):
        check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=code, request=_request(rf, "10.0.2.1"))
    refused = AuditEvent.objects.get(detail__startswith="too many failures")
    assert (refused.ip_address, refused.detail) == ("10.0.2.1", "too many failures/phone 138****8000")
    kept = PublicAttempt.objects.get(allowed=False)
    assert (kept.action, kept.phone_index, kept.address) == (throttle.FAIL, blind_index(PHONE), "10.0.2.1")
    # Another phone is not locked by them.
    send_code(phone=OTHER_PHONE, purpose=Purpose.FOLLOW, request=_request(rf, "10.0.3.1"))
    assert check_code(phone=OTHER_PHONE, purpose=Purpose.FOLLOW, code=sms.last_code(), request=_request(rf, "10.0.3.1"))


def test_a_failure_without_a_phone_is_counted_for_the_address_only(rf, settings):
    settings.CITIZEN_LIMITS = {"fail": {"phone": [(1, 3600)], "address": [(5, 3600)]}}
    throttle.note_failure(request=_request(rf), detail="consultation lookup")
    failure = PublicAttempt.objects.get(action=throttle.FAIL)
    assert (failure.phone_index, failure.address, failure.allowed) == ("", "10.0.0.8", True)
    audit = AuditEvent.objects.get(action=AuditEvent.Action.PUBLIC_REFUSED)
    assert (audit.ip_address, audit.detail) == ("10.0.0.8", "consultation lookup")
    throttle.check_failures(request=_request(rf), phone=PHONE)  # the phone has no failure of its own


def test_refusals_alone_from_an_address_bring_the_challenge_for_that_address_only(rf, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 3
    settings.CITIZEN_LIMITS = {"lookup": {"address": [(1, 3600)]}}
    with time_machine.travel(T0, tick=False):
        throttle.take("lookup", request=_request(rf))
        assert not throttle.needs_challenge(_request(rf))
        for _n in range(3):
            with pytest.raises(throttle.Throttled):
                throttle.take("lookup", request=_request(rf))
        assert throttle.needs_challenge(_request(rf))
        assert not throttle.needs_challenge(_request(rf, "10.0.0.99"))
    # An hour and a second later the trouble is forgotten.
    with time_machine.travel(T0 + timedelta(seconds=3601), tick=False):
        assert not throttle.needs_challenge(_request(rf))


def test_failures_older_than_an_hour_bring_no_challenge(rf, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 2
    with time_machine.travel(T0, tick=False):
        for _n in range(2):
            throttle.note_failure(request=_request(rf), phone=PHONE, detail="test")
        assert throttle.needs_challenge(_request(rf))
    with time_machine.travel(T0 + timedelta(seconds=3601), tick=False):
        assert not throttle.needs_challenge(_request(rf))


def test_a_request_whose_address_is_unreadable_is_not_asked_for_the_challenge(rf, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 1
    throttle.note_failure(request=rf.post("/m/sms/", REMOTE_ADDR="not-an-address"), detail="test")
    assert not throttle.needs_challenge(rf.post("/m/sms/", REMOTE_ADDR="not-an-address"))


def _attempt(age: timedelta) -> PublicAttempt:
    return PublicAttempt.objects.create(action="sms", phone_index="x", at=T0 - age)


def test_the_nightly_clean_up_keeps_an_hour_for_the_challenge_even_with_short_windows(settings):
    settings.CITIZEN_LIMITS = {"sms": {"phone": [(1, 60)]}}
    with time_machine.travel(T0, tick=False):
        _attempt(timedelta(seconds=3599))
        _attempt(timedelta(seconds=3600, milliseconds=500))
        assert forget_public_attempts() == 1
    assert list(PublicAttempt.objects.values_list("at", flat=True)) == [T0 - timedelta(seconds=3599)]


def test_with_no_limits_configured_attempts_are_kept_a_day(settings):
    settings.CITIZEN_LIMITS = {}
    with time_machine.travel(T0, tick=False):
        _attempt(timedelta(hours=23))
        _attempt(timedelta(seconds=86400, milliseconds=500))
        assert forget_public_attempts() == 1
    assert PublicAttempt.objects.count() == 1


def test_sms_codes_are_forgotten_a_day_after_they_expired(settings):
    with time_machine.travel(T0, tick=False):
        for hours in (23, 36):
            expired = T0 - timedelta(hours=hours)
            PhoneCode.objects.create(phone_index="x", purpose="follow", code_hash="x", expires_at=expired)
        assert forget_public_attempts() == 1
    assert PhoneCode.objects.get().expires_at == T0 - timedelta(hours=23)


def test_an_address_that_used_up_its_wrong_tries_is_refused_whatever_phone_it_types(rf, settings):
    settings.CITIZEN_LIMITS = {"fail": {"address": [(2, 3600)]}}
    for _n in range(2):
        throttle.note_failure(request=_request(rf), detail="consultation lookup")
    with pytest.raises(throttle.Throttled, match="错误次数过多"):
        throttle.check_failures(request=_request(rf))  # a lookup page, before any phone is typed
    refused = AuditEvent.objects.get(detail__startswith="too many failures")
    assert (refused.ip_address, refused.detail) == ("10.0.0.8", "too many failures/address")
    assert PublicAttempt.objects.get(allowed=False).phone_index == ""
    with pytest.raises(throttle.Throttled, match="错误次数过多"):
        throttle.check_failures(request=_request(rf), phone=OTHER_PHONE)
    throttle.check_failures(request=_request(rf, "10.0.0.9"), phone=OTHER_PHONE)


def test_ordinary_lookups_from_an_address_bring_no_challenge(rf, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 2
    settings.CITIZEN_LIMITS = {}
    for _n in range(5):
        throttle.take("lookup", request=_request(rf))
    assert not throttle.needs_challenge(_request(rf))
