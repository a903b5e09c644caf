"""The second factor (REQUIRE_2FA): enrolment, codes, recovery codes, the lock on guessing, the reset."""

import json
import sys
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import twofactor
from governance.models import AuditEvent
from tests.factories import PASSWORD, make_user
from tests.governance.test_settings import CLEAN, run


@pytest.fixture(autouse=True)
def _required(settings) -> None:
    settings.REQUIRE_2FA = True


def code_for(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += later * device.step
    return f"{totp.token():06d}"


def sign_in(user, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """An enrolled account, as the enrolment page leaves it."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device, twofactor.issue_recovery_codes(user)


def actions(user) -> list[str]:
    return list(AuditEvent.objects.filter(user=user).order_by("at", "id").values_list("action", flat=True))


def test_required_in_production_and_not_for_the_demo_logins_in_development(tmp_path):
    show = "import django; django.setup(); from django.conf import settings as s; print(s.REQUIRE_2FA)"
    development = run(
        [sys.executable, "-c", show],
        {**CLEAN, "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "governance.settings"},
    )
    assert development.returncode == 0, development.stderr
    assert json.loads(development.stdout.lower()) is False
    production = {
        **CLEAN,
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x7Gq2-pL9vZ0mT4kR8sW1yB6nC3hJ5dF0aE2uI9oP7lK4jH8gS",
    }
    assert json.loads(run([sys.executable, "-c", show], production).stdout.lower()) is True
    switched_off = run([sys.executable, "-c", show], {**production, "REQUIRE_2FA": "0"})
    assert json.loads(switched_off.stdout.lower()) is False


def test_a_password_alone_leads_only_to_the_enrolment_page(org):
    client = sign_in(org["township_officer"])
    for path in ("/", "/cases/", "/password/", "/admin/", "/inbox/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/2fa/setup/?next="), path
    assert client.get("/healthz").status_code != 302
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/logout/").status_code == 302
    assert client.get("/").url.startswith("/login/")


def test_enrolment_shows_a_qr_code_drawn_here_then_the_recovery_codes_once(org):
    user = org["township_officer"]
    client = sign_in(user)
    page = client.get("/2fa/setup/?next=/cases/")
    body = page.content.decode()
    assert page.status_code == 200
    assert '<svg viewBox="0 0 ' in body and 'class="qr-code"' in body
    assert "http://" not in body and "https://" not in body  # nothing fetched from outside
    assert "微信" in body and "支付宝" in body and "Google Authenticator" in body and "FreeOTP" in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert twofactor.manual_key(device) in body
    # A reload shows the same key: a phone that already scanned it still matches.
    client.get("/2fa/setup/")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    wrong = client.post("/2fa/setup/", {"code": code_for(device, later=10)})
    assert "验证码不正确" in wrong.content.decode()
    assert client.post("/2fa/setup/", {"code": "12345"}).context["form"].errors["code"] == [
        "动态口令是 6 位数字，请对照手机重新输入。"
    ]

    done = client.post("/2fa/setup/", {"code": code_for(device), "next": "/cases/"})
    assert done.status_code == 302 and done["Location"].startswith("/2fa/codes/")
    shown = client.get(done["Location"])
    codes = shown.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in shown.content.decode() for code in codes)
    # Once: the page does not show them again, and the database holds only their hashes.
    assert client.get("/2fa/codes/").status_code == 302
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)

    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/cases/").status_code == 200
    assert actions(user)[-2:] == [AuditEvent.Action.OTP_ENROL_FAILED, AuditEvent.Action.OTP_ENROLLED]


def test_an_enrolled_person_types_the_code_after_the_password(org):
    user = org["police"]
    device, _codes = enrol(user)
    client = sign_in(user)
    response = client.get("/cases/")
    assert response["Location"] == "/2fa/verify/?next=%2Fcases%2F"
    page = client.get(response["Location"])
    assert "输入动态口令" in page.content.decode()

    code = code_for(device)
    wrong = client.post("/2fa/verify/?next=/cases/", {"code": code_for(device, later=5), "next": "/cases/"})
    assert "动态口令不正确或已过期" in wrong.content.decode() and "再错 4 次" in wrong.content.decode()
    # Full-width digits from a Chinese input method are the same digits.
    fullwidth = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    before = client.session.session_key
    right = client.post("/2fa/verify/", {"code": fullwidth, "next": "/cases/"})
    assert right["Location"] == "/cases/"
    assert client.session.session_key != before  # a new key for the verified session
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.Action.OTP_FAILED in actions(user) and actions(user)[-1] == AuditEvent.Action.OTP_VERIFIED

    # The same code cannot be used again, e.g. by someone who watched it being typed.
    other = sign_in(user)
    assert "动态口令不正确" in other.post("/2fa/verify/", {"code": code}).content.decode()


def test_five_wrong_codes_lock_the_account_and_a_new_password_login_does_not_reset_the_count(org):
    user = org["township_officer"]
    device, _codes = enrol(user)
    wrong = code_for(device, later=10)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(user)
        for _ in range(4):
            assert client.post("/2fa/verify/", {"code": wrong}).status_code == 200
        # Signing in again with the password gives no fresh guesses.
        client.post("/logout/")
        client = sign_in(user)
        locked = client.post("/2fa/verify/", {"code": wrong})
        assert locked.status_code == 429
        assert "已被锁定" in locked.content.decode()
        assert client.get("/").url.startswith("/login/")  # the half-signed-in session is over
        assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT, user=user).exists()
        assert AuditEvent.objects.filter(action=AuditEvent.Action.OTP_FAILED, user=user).count() == 5

        # Locked like a password lockout: the right password is refused for 30 minutes.
        clock.shift(timedelta(minutes=29))
        assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 429
        clock.shift(timedelta(minutes=2))
        client = sign_in(user)
        assert client.post("/2fa/verify/", {"code": code_for(device)})["Location"] == "/"


def test_the_security_administrator_lifts_a_code_lockout_like_a_password_one(org):
    user = org["mediator"]
    device, _codes = enrol(user)
    client = sign_in(user)
    for _ in range(5):
        client.post("/2fa/verify/", {"code": code_for(device, later=10)})
    assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.filter(username=user.username).delete()  # what 删除 in /admin/axes/ does
    client = sign_in(user)
    # Five fresh tries after the lock: one wrong code does not lock again.
    assert client.post("/2fa/verify/", {"code": code_for(device, later=10)}).status_code == 200
    assert client.post("/2fa/verify/", {"code": code_for(device)}).status_code == 302


def test_wrong_codes_more_than_thirty_minutes_apart_do_not_add_up(org):
    user = org["police"]
    device, _codes = enrol(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(user)
        for _ in range(4):
            client.post("/2fa/verify/", {"code": code_for(device, later=10)})
        clock.shift(timedelta(minutes=31))
        client = sign_in(user)
        assert "再错 4 次" in client.post("/2fa/verify/", {"code": code_for(device, later=10)}).content.decode()


def test_a_recovery_code_works_once(org):
    user = org["county_officer"]
    _device, codes = enrol(user)
    client = sign_in(user)
    assert "用恢复码登录" in client.get("/2fa/verify/").content.decode()
    used = client.post("/2fa/recovery/", {"code": codes[3].lower().replace("-", " "), "next": "/cases/"}, follow=True)
    assert used.redirect_chain[0][0] == "/cases/"
    assert "还剩 9 个" in used.content.decode()
    event = AuditEvent.objects.filter(user=user).latest("id")
    assert (event.action, event.detail) == (AuditEvent.Action.OTP_RECOVERY_USED, "remaining=9")

    again = sign_in(user).post("/2fa/recovery/", {"code": codes[3]})
    assert "恢复码不正确或已用过" in again.content.decode()
    assert actions(user)[-1] == AuditEvent.Action.OTP_FAILED
    assert "10 位字母和数字" in sign_in(user).post("/2fa/recovery/", {"code": "ABC"}).content.decode()


def test_the_security_administrator_resets_and_the_person_enrols_again(org, client):
    admin, user = org["security_admin"], org["township_officer"]
    admin_device, _codes = enrol(admin)
    sign_in(admin, client)
    client.post("/2fa/verify/", {"code": code_for(admin_device)})
    device, _codes = enrol(user)
    open_session = sign_in(user)
    open_session.post("/2fa/verify/", {"code": code_for(device)})
    assert open_session.get("/").status_code == 200

    listing = client.get("/admin/governance/user/")
    assert "已绑定动态口令" in listing.content.decode() and "重置动态口令" in listing.content.decode()
    response = client.post(
        "/admin/governance/user/", {"action": "reset_two_factor", "_selected_action": [user.pk]}, follow=True
    )
    assert "已重置 1 个账号的动态口令" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.OTP_RESET).get()
    assert (event.user, event.detail) == (user, "by=security_admin")

    # The session still open and the next sign-in both go through enrolment again.
    assert open_session.get("/").url.startswith("/2fa/setup/")
    assert sign_in(user).get("/").url.startswith("/2fa/setup/")


def test_only_the_security_administrator_may_reset(org, rf):
    from django.contrib.admin.sites import site

    from governance.models import User

    model_admin = site._registry[User]
    for persona, allowed in (("security_admin", True), ("sysadmin", False), ("auditor", False)):
        request = rf.get("/admin/governance/user/")
        request.user = org[persona]
        assert model_admin.has_reset_two_factor_permission(request) is allowed


def test_a_new_account_enrols_first_then_changes_its_password(org):
    user = make_user("newcomer", "township_staff", org.center_a, must_change_password=True)
    client = sign_in(user)
    assert client.get("/").url.startswith("/2fa/setup/")
    client.get("/2fa/setup/")
    device = TOTPDevice.objects.get(user=user)
    done = client.post("/2fa/setup/", {"code": code_for(device)})
    shown = client.get(done["Location"])
    assert shown.status_code == 200 and len(shown.context["codes"]) == 10
    assert client.get("/").url == "/password/"


def test_without_require_2fa_the_password_is_enough(org, settings):
    settings.REQUIRE_2FA = False
    enrol(org["police"])
    assert sign_in(org["police"]).get("/").status_code == 200
