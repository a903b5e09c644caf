"""Limits on the public pages (码上办): how often a phone or an address may ask for an SMS code,
send a report, look a case up or get a code wrong. Counted from rows in the database
(`PublicAttempt`), so the limits hold across every web process and do not depend on Redis; a
gate row per action is locked while a request counts and records, so two requests cannot both
take the last free place. Every refusal is kept and audited.

The limits are configuration (settings.CITIZEN_LIMITS): per action, per scope ("phone",
"address", "all"), a list of (count, seconds).

Call `take` outside any transaction of the caller: a refusal is recorded even though the
caller's work is not done.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.crypto import blind_index, mask
from governance.models import AuditEvent, PublicAttempt, ThrottleGate
from governance.network import client_ip

FAIL = "fail"  # a wrong SMS code, a query code that matched nothing


class Throttled(Exception):
    """Too many requests: the message says when to try again, in words for the citizen."""


def _wait_words(seconds: int) -> str:
    if seconds <= 90:
        return _("1 分钟")
    if seconds < 5400:
        return _("%(n)d 分钟") % {"n": -(-seconds // 60)}
    return _("%(n)d 小时") % {"n": -(-seconds // 3600)}


def _limits(action: str) -> dict[str, list[tuple[int, int]]]:
    return settings.CITIZEN_LIMITS.get(action, {})


def _scope_filter(scope: str, phone_index: str, address: str | None) -> dict | None:
    if scope == "phone":
        return {"phone_index": phone_index} if phone_index else None
    if scope == "address":
        return {"address": address} if address else None
    return {}


def _first_refusal(action: str, phone_index: str, address: str | None) -> tuple[str, int] | None:
    """(scope, seconds to wait) of the first limit the attempt would break, or None."""
    now = timezone.now()
    for scope, rules in _limits(action).items():
        where = _scope_filter(scope, phone_index, address)
        if where is None:
            continue
        for count, seconds in rules:
            since = now - timedelta(seconds=seconds)
            recent = PublicAttempt.objects.filter(action=action, allowed=True, at__gte=since, **where)
            if recent.count() >= count:
                oldest = recent.order_by("-at").values_list("at", flat=True)[count - 1]
                return scope, max(1, int((oldest + timedelta(seconds=seconds) - now).total_seconds()))
    return None


def take(action: str, *, request: HttpRequest | None, phone: str = "") -> None:
    """Count one `action` for this phone and the request's address, or raise Throttled."""
    phone_index = blind_index(phone) if phone else ""
    address = client_ip(request)
    with transaction.atomic():
        ThrottleGate.objects.get_or_create(action=action)
        ThrottleGate.objects.select_for_update().get(action=action)
        refusal = _first_refusal(action, phone_index, address)
        if refusal is None:
            PublicAttempt.objects.create(action=action, phone_index=phone_index, address=address)
            return
    scope, wait = refusal
    refuse(action, request=request, phone=phone, detail=f"limit {action}/{scope}")
    raise Throttled(_("操作太频繁，请 %(wait)s后再试。") % {"wait": _wait_words(wait)})


def refuse(action: str, *, request: HttpRequest | None, phone: str = "", detail: str = "") -> None:
    """Keep and audit a refused public request (a limit, a failed challenge, a honeypot)."""
    PublicAttempt.objects.create(
        action=action, phone_index=blind_index(phone) if phone else "", address=client_ip(request), allowed=False
    )
    who = mask(phone) if phone else ""
    _audit(request, f"{detail} {who}".strip())


def note_failure(*, request: HttpRequest | None, phone: str = "", detail: str) -> None:
    """A wrong SMS code or a lookup that matched nothing: counted toward the failure limit (which
    then refuses lookups for a while) and toward the challenge."""
    PublicAttempt.objects.create(
        action=FAIL, phone_index=blind_index(phone) if phone else "", address=client_ip(request), allowed=True
    )
    _audit(request, f"{detail} {mask(phone) if phone else ''}".strip())


def check_failures(*, request: HttpRequest | None, phone: str = "") -> None:
    """Refuse (Throttled) while this phone or address has used up its wrong tries."""
    refusal = _first_refusal(FAIL, blind_index(phone) if phone else "", client_ip(request))
    if refusal is not None:
        refuse(FAIL, request=request, phone=phone, detail=f"too many failures/{refusal[0]}")
        raise Throttled(_("错误次数过多，请 %(wait)s后再试。") % {"wait": _wait_words(refusal[1])})


def needs_challenge(request: HttpRequest | None) -> bool:
    """After repeated failures or refusals from an address (or many SMS codes), the next request
    from it must solve the challenge first (governance/challenge.py)."""
    address = client_ip(request)
    if not address:
        return False
    since = timezone.now() - timedelta(seconds=3600)
    troubled = PublicAttempt.objects.filter(address=address, at__gte=since).filter(
        allowed=False
    ) | PublicAttempt.objects.filter(address=address, at__gte=since, action__in=[FAIL, "sms"])
    return troubled.count() >= settings.CITIZEN_CHALLENGE_AFTER


def _audit(request: HttpRequest | None, detail: str) -> None:
    from governance.services import record_audit

    record_audit(AuditEvent.Action.PUBLIC_REFUSED, request=request, username=_("公众"), detail=detail)


def forget_old() -> int:
    """Delete the attempts no limit looks at any more (older than the longest window) and the SMS
    codes expired a day ago; refusals stay in the audit log. Returns how many rows went."""
    from governance.models import PhoneCode

    longest = max(
        (seconds for scopes in settings.CITIZEN_LIMITS.values() for rules in scopes.values() for _n, seconds in rules),
        default=86400,
    )
    now = timezone.now()
    attempts = PublicAttempt.objects.filter(at__lt=now - timedelta(seconds=max(longest, 3600))).delete()[0]
    codes = PhoneCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()[0]
    return attempts + codes
