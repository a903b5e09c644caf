"""One-time SMS codes that prove a citizen holds a phone (码上办: reporting, following a case,
joining an online mediation, confirming an agreement). The code goes out through the project's
SMS gateway (governance/delivery.py; the default one writes it to the log). Only a keyed hash is
stored; a code expires after CITIZEN_CODE_MINUTES, allows CITIZEN_CODE_TRIES tries, and is used
once. Sending is limited per phone, per address and in all (governance/throttle.py), so a script
cannot run up the gateway's bill."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import throttle
from governance.crypto import blind_index
from governance.delivery import sms_gateway
from governance.models import PhoneCode


class Purpose:
    """What a code is for: a code sent for one purpose does not work for another."""

    REPORT = "report"
    FOLLOW = "follow"
    CONSULT = "consult"
    MEDIATION = "mediation"
    CONFIRM = "confirm"  # confirming an agreement (its signature)

    WORDS = {
        REPORT: gettext_lazy("反映矛盾纠纷"),
        FOLLOW: gettext_lazy("查询办理进度"),
        CONSULT: gettext_lazy("网上咨询"),
        MEDIATION: gettext_lazy("参加网上调解"),
        CONFIRM: gettext_lazy("确认调解协议"),
    }


def _hash(phone_index: str, purpose: str, code: str) -> str:
    return salted_hmac("citizen-sms-code", f"{phone_index}:{purpose}:{code}").hexdigest()


def send_code(*, phone: str, purpose: str, request: HttpRequest | None, context: str = "") -> None:
    """Send a fresh 6-digit code to `phone` (already validated) for `purpose`; raises
    throttle.Throttled when a limit is reached. `context` names what is being confirmed (an
    agreement's number) in the message."""
    throttle.take("sms", request=request, phone=phone)
    code = f"{secrets.randbelow(10**6):06d}"
    index = blind_index(phone)
    now = timezone.now()
    PhoneCode.objects.create(
        phone_index=index,
        purpose=purpose,
        code_hash=_hash(index, purpose, code),
        expires_at=now + timedelta(minutes=settings.CITIZEN_CODE_MINUTES),
    )
    what = str(Purpose.WORDS.get(purpose, purpose)) + (f"（{context}）" if context else "")
    text = _(
        "【%(site)s】您正在%(what)s，验证码 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人；如非本人操作请忽略。"
    ) % {
        "site": settings.SITE_TITLE,
        "what": what,
        "code": code,
        "minutes": settings.CITIZEN_CODE_MINUTES,
    }
    sms_gateway().send(phone, text)


def check_code(*, phone: str, purpose: str, code: str, request: HttpRequest | None) -> bool:
    """True once for the right, unexpired, unused code of the phone's latest for `purpose`. A wrong
    code counts toward the failure limit; raises throttle.Throttled while that is used up."""
    return use_code(phone=phone, purpose=purpose, code=code, request=request) is not None


def use_code(*, phone: str, purpose: str, code: str, request: HttpRequest | None) -> PhoneCode | None:
    """check_code, returning the code row it used up (None for a wrong code): what a party's
    signature keeps as proof (mediation/online.py)."""
    throttle.check_failures(request=request, phone=phone)
    index = blind_index(phone)
    code = (code or "").strip()
    with transaction.atomic():
        # Only the latest code sent works: once it is used or expired, no earlier one comes back.
        latest = (
            PhoneCode.objects.select_for_update()
            .filter(phone_index=index, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is not None and (latest.used_at is not None or latest.expires_at <= timezone.now()):
            latest = None
        ok = (
            latest is not None
            and latest.attempts < settings.CITIZEN_CODE_TRIES
            and len(code) == 6
            and constant_time_compare(latest.code_hash, _hash(index, purpose, code))
        )
        if ok:
            latest.used_at = timezone.now()
            latest.save(update_fields=["used_at"])
            return latest
        if latest is not None:
            PhoneCode.objects.filter(pk=latest.pk).update(attempts=F("attempts") + 1)
    throttle.note_failure(request=request, phone=phone, detail=f"wrong sms code/{purpose}")
    return None
