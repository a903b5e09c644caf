"""The second factor (等保2.0 三级: 两种或两种以上组合的鉴别技术): a time-based one-time code from
an authenticator app on the person's phone, with single-use recovery codes for a lost phone.

Every rule is here: who must use it, enrolment, verification, the lock on guessing, the reset by
the security administrator. django-otp keeps the devices (TOTP, RFC 6238; a code is refused once
used) and marks a session verified (`django_otp.login`, read back on each request by its
OTPMiddleware as `request.user.is_verified()`); governance.middleware.RequireTwoFactorMiddleware
sends unverified sessions to the pages in governance/twofactor_views.py.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.crypto import blind_index
from governance.models import AuditEvent, SecondFactorFailures, User
from governance.services import record_audit

RECOVERY_CODE_COUNT = 10
# Letters and digits without 0/O and 1/I, so that a code copied onto paper reads back the same.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECOVERY_CODE_LENGTH = 10  # 32**10 = 2**50 possibilities per code
# Where the fresh recovery codes wait between enrolment and the page that shows them once.
RECOVERY_CODES_SESSION_KEY = "twofactor_recovery_codes"


def required_for(user: User) -> bool:
    """Whether this signed-in person must prove the second factor (REQUIRE_2FA: every account)."""
    return bool(settings.REQUIRE_2FA) and user.is_authenticated


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice:
    """The key being enrolled: the same one on every visit until confirmed, so a page reloaded
    after the phone scanned it still matches the phone."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// address as an inline SVG QR code, drawn here (nothing fetched from outside)."""
    svg = segno.make_qr(device.config_url, error="m").svg_inline(omitsize=True, svgclass="qr-code")
    # segno's own markup: the address is drawn as path data, no text of ours is copied in.
    return mark_safe(svg)


def manual_key(device: TOTPDevice) -> str:
    """The key for typing into the app by hand: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def confirm_enrolment(request: HttpRequest, *, code: str) -> list[str] | None:
    """The person typed the code their app shows for the pending key: the key becomes theirs,
    the session is verified, and fresh recovery codes are returned (to be shown once).
    None when the code does not match (audited, not counted toward the lock: the person is
    still learning the app, and whoever could guess here could as well scan their own phone)."""
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None or not device.verify_token(code):
            record_audit(AuditEvent.Action.OTP_ENROL_FAILED, request=request, user=user)
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = issue_recovery_codes(user)
        SecondFactorFailures.objects.filter(user=user).delete()
        record_audit(AuditEvent.Action.OTP_ENROLLED, request=request, user=user)
    mark_verified(request, device)
    return codes


def mark_verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    # A new session key with the new privilege, as at login: a key seen before is worth nothing.
    request.session.cycle_key()
    otp_login(request, device)


def issue_recovery_codes(user: User) -> list[str]:
    """New recovery codes replace any earlier ones. Only a keyed hash of each is stored."""
    device, _created = StaticDevice.objects.get_or_create(user=user, defaults={"name": "recovery"})
    device.token_set.all().delete()
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_code_hash(code)) for code in codes])
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_code_hash(code: str) -> str:
    """What django-otp's static token holds: an HMAC of the code (a stolen database backup
    yields no usable code), cut to the 16 characters of its column, 64 bits."""
    return blind_index("otp-recovery:" + code)[:16]


@dataclass(frozen=True)
class Outcome:
    verified: bool
    locked: bool = False
    attempts_left: int = 0
    recovery_codes_left: int | None = None


def verify(request: HttpRequest, *, code: str, recovery: bool = False) -> Outcome:
    """Check a code from the app (or, with `recovery`, a recovery code, used up by the check).
    Right: the session is verified. Wrong: counted toward the lock."""
    user = request.user
    if is_locked(request, user):
        return Outcome(verified=False, locked=True)
    left = None
    with transaction.atomic():
        # Rows locked while checking: the same code sent twice at once is accepted once.
        if recovery:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            device = next((d for d in devices if d.verify_token(recovery_code_hash(code))), None)
        else:
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            device = next((d for d in devices if d.verify_token(code)), None)
        if device is not None:
            SecondFactorFailures.objects.filter(user=user).delete()
            if recovery:
                left = StaticToken.objects.filter(device__user=user).count()
                record_audit(
                    AuditEvent.Action.OTP_RECOVERY_USED, request=request, user=user, detail=f"remaining={left}"
                )
            else:
                record_audit(AuditEvent.Action.OTP_VERIFIED, request=request, user=user)
    if device is None:
        return register_failure(request, user)
    mark_verified(request, device)
    return Outcome(verified=True, recovery_codes_left=left)


def register_failure(request: HttpRequest, user: User) -> Outcome:
    """The password's rule for wrong codes: AXES_FAILURE_LIMIT (5) in a row, none of them more
    than AXES_COOLOFF_TIME (30 minutes) after the one before, lock the account for that long."""
    limit = settings.AXES_FAILURE_LIMIT
    now = timezone.now()
    with transaction.atomic():
        row, _created = SecondFactorFailures.objects.select_for_update().get_or_create(user=user)
        fresh = row.last_at is None or now - row.last_at >= settings.AXES_COOLOFF_TIME
        count = 1 if fresh else row.count + 1
        locked = count >= limit
        # The lock starts a new count: after it ends (or is lifted) the person has five tries again.
        row.count, row.last_at = (0, None) if locked else (count, now)
        row.save(update_fields=["count", "last_at"])
        record_audit(AuditEvent.Action.OTP_FAILED, request=request, user=user, detail=f"failures={count}")
        if locked:
            lock_account(request, user)
    return Outcome(verified=False, locked=locked, attempts_left=max(limit - count, 0))


def lock_account(request: HttpRequest, user: User) -> None:
    """Lock the account as django-axes locks it after wrong passwords: the login page refuses it
    for AXES_COOLOFF_TIME, and the security administrator lifts it in /admin/ like any other."""
    AxesProxyHandler.update_request(request)
    username = user.get_username()
    AccessAttempt.objects.update_or_create(
        username=username,
        ip_address=request.axes_ip_address,
        user_agent=request.axes_user_agent,
        defaults={
            "failures_since_start": settings.AXES_FAILURE_LIMIT,
            "attempt_time": timezone.now(),
            "get_data": "",
            "post_data": "",
            "http_accept": request.axes_http_accept,
            "path_info": request.axes_path_info,
        },
    )
    # Audited as LOCKED_OUT by governance.receivers, like a password lockout.
    user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)


def is_locked(request: HttpRequest, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def reset(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    """The security administrator's reset (a lost or replaced phone): the key and the recovery
    codes are gone, so the next sign-in goes through enrolment again, and so does any session
    of the person still open (OTPMiddleware no longer finds the device it was verified with)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        SecondFactorFailures.objects.filter(user=user).delete()
        record_audit(AuditEvent.Action.OTP_RESET, request=request, user=user, detail=f"by={by.get_username()}")
