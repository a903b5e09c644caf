"""The public pages' ground: SMS codes, limits held in the database, the challenge, and the wall
between the public pages and the staff site."""

from __future__ import annotations

import pytest
from django.test import Client

from governance import challenge, throttle
from governance.models import AuditEvent, PhoneCode, PublicAttempt
from governance.phone_codes import Purpose, check_code, send_code

PHONE = "13800138000"
pytestmark = pytest.mark.django_db


def _request(rf, address="10.0.0.8"):
    return rf.post("/m/sms/", REMOTE_ADDR=address)


def test_a_code_is_sent_checked_once_and_only_for_its_purpose(rf, sms):
    request = _request(rf)
    send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=request)
    code = sms.last_code()
    assert PhoneCode.objects.get().code_hash != code  # only a hash is kept
    assert "138****8000" in sms.texts[-1] and PHONE not in sms.texts[-1]
    assert not check_code(phone=PHONE, purpose=Purpose.REPORT, code=code, request=request)
    assert not check_code(phone="13900139000", purpose=Purpose.FOLLOW, code=code, request=request)
    assert check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=code, request=request)
    assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=code, request=request)  # used


def test_a_code_stops_working_after_its_tries(rf, sms, settings):
    settings.CITIZEN_CODE_TRIES = 2
    request = _request(rf)
    send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=request)
    code = sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=wrong, request=request)
    assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=wrong, request=request)
    assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=code, request=request)


def test_sms_limits_per_phone_hold_under_a_loop_and_are_audited(rf, sms):
    request = _request(rf)
    send_code(phone=PHONE, purpose=Purpose.REPORT, request=request)
    for _ in range(20):
        with pytest.raises(throttle.Throttled, match="操作太频繁"):
            send_code(phone=PHONE, purpose=Purpose.REPORT, request=request)
    assert len(sms.texts) == 1
    assert PublicAttempt.objects.filter(action="sms", allowed=False).count() == 20
    refusals = AuditEvent.objects.filter(action=AuditEvent.Action.PUBLIC_REFUSED)
    assert refusals.count() == 20
    assert refusals.first().ip_address == "10.0.0.8" and "138****8000" in refusals.first().detail


def test_sms_limits_per_address_and_in_all(rf, sms, settings):
    settings.CITIZEN_LIMITS = {"sms": {"phone": [(1, 60)], "address": [(3, 3600)], "all": [(5, 3600)]}}
    for n in range(3):
        send_code(phone=f"1380013800{n}", purpose=Purpose.REPORT, request=_request(rf))
    with pytest.raises(throttle.Throttled):
        send_code(phone="13800138009", purpose=Purpose.REPORT, request=_request(rf))
    send_code(phone="13900139001", purpose=Purpose.REPORT, request=_request(rf, "10.0.0.9"))
    send_code(phone="13900139002", purpose=Purpose.REPORT, request=_request(rf, "10.0.0.10"))
    # The gateway's whole hourly volume is capped, whoever asks.
    with pytest.raises(throttle.Throttled):
        send_code(phone="13900139003", purpose=Purpose.REPORT, request=_request(rf, "10.0.0.11"))
    assert len(sms.texts) == 5


def test_wrong_codes_lock_the_phone_and_address_for_a_while(rf, sms, settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "fail": {"phone": [(3, 3600)], "address": [(3, 3600)]}}
    request = _request(rf)
    send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=request)
    code = sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert not check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=wrong, request=request)
    with pytest.raises(throttle.Throttled, match="错误次数过多"):
        check_code(phone=PHONE, purpose=Purpose.FOLLOW, code=code, request=request)


def test_the_challenge_is_asked_after_repeated_trouble_and_a_solution_works_once(rf, sms, settings):
    import altcha

    request = _request(rf)
    assert not throttle.needs_challenge(request)
    for _n in range(settings.CITIZEN_CHALLENGE_AFTER):
        throttle.note_failure(request=request, detail="test")
    assert throttle.needs_challenge(request)
    assert not throttle.needs_challenge(_request(rf, "10.0.0.99"))
    settings.CITIZEN_CHALLENGE_DIFFICULTY = 2000
    issued = challenge.new_challenge()
    solution = altcha.solve_challenge_v1(issued["challenge"], issued["salt"], max_number=2000)
    import base64
    import json

    payload = base64.b64encode(
        json.dumps(
            {
                "algorithm": "SHA-256",
                "challenge": issued["challenge"],
                "number": solution.number,
                "salt": issued["salt"],
                "signature": issued["signature"],
            }
        ).encode()
    ).decode()
    assert not challenge.solved("bm90IGEgcGF5bG9hZA==")
    assert challenge.solved(payload)
    assert not challenge.solved(payload)  # a replay


def test_the_send_code_endpoint_refuses_without_the_challenge_once_needed(client, sms, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 1
    answer = client.post("/m/sms/", {"phone": PHONE, "purpose": Purpose.FOLLOW})
    assert answer.status_code == 200 and answer.json()["sent"] and answer.json()["challenge"]
    again = client.post("/m/sms/", {"phone": "13900139000", "purpose": Purpose.FOLLOW})
    assert again.status_code == 429 and "我不是机器人" in again.json()["message"]
    assert len(sms.texts) == 1
    bad = client.post("/m/sms/", {"phone": "12345", "purpose": Purpose.FOLLOW})
    assert bad.status_code == 400 and "手机号码" in bad.json()["message"]
    odd = client.post("/m/sms/", {"phone": PHONE, "purpose": "x" * 500})
    assert odd.status_code == 400


def test_a_staff_login_opens_nothing_on_the_public_pages(org, login, client):
    clerk = login(org["township_officer"])
    assert clerk.get("/").status_code == 200
    page = clerk.get("/m/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "township_officer" not in html and "/cases/" not in html and "退出" not in html
    assert page.wsgi_request.user.is_anonymous
    assert "sessionid" not in page.cookies  # the staff session is neither read nor rewritten
    assert clerk.get("/").status_code == 200  # and the clerk is still signed in on the staff site


def test_a_citizen_cookie_opens_no_staff_page(client, rf):
    from django.http import HttpResponse

    from governance.public_site import COOKIE, remember_phone

    response = HttpResponse()
    remember_phone(response, PHONE)
    assert response.cookies[COOKIE]["path"] == "/m/"
    browser = Client()
    browser.cookies[COOKIE] = response.cookies[COOKIE].value
    for path in ("/", "/cases/", "/dashboard/", "/inbox/"):
        assert browser.get(path).status_code == 302  # to the login page


def test_an_unknown_public_path_gets_the_public_404(client):
    page = client.get("/m/no-such-page/")
    assert page.status_code == 404
    assert "返回首页" in page.content.decode() and "工作台" not in page.content.decode()


def test_old_attempts_and_spent_codes_are_forgotten_by_the_nightly_task(rf, sms, settings):
    from datetime import timedelta

    from django.utils import timezone

    from governance.tasks import forget_public_attempts

    assert settings.CELERY_BEAT_SCHEDULE["forget-public-attempts"]["task"] == forget_public_attempts.name
    send_code(phone=PHONE, purpose=Purpose.FOLLOW, request=_request(rf))
    old = timezone.now() - timedelta(days=2)
    PublicAttempt.objects.create(action="sms", phone_index="x", at=old)
    PhoneCode.objects.create(phone_index="x", purpose="follow", code_hash="x", created_at=old, expires_at=old)
    assert forget_public_attempts() == 2
    assert PublicAttempt.objects.filter(action="sms").count() == 1  # today's still counts
    assert PhoneCode.objects.count() == 1
