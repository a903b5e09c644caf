"""What the public pages (码上办) may do with cases, in one place: the case's query code (一案一码)
and which case a citizen may follow. The pages under /m/ (disputes/citizen_views.py) call these
and nothing else of the staff side; what a citizen sees of a case is said here, in plain words,
never a staff name, an internal note or another party's data."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from disputes.models import Case, CaseCode, Party
from governance.crypto import decrypt
from governance.delivery import sms_gateway

log = logging.getLogger(__name__)

# No 0/O, 1/I/L: a code read aloud over the phone or copied from a receipt is not mistaken.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def normalise_code(raw: str) -> str:
    """What a citizen types: spaces, hyphens and lower case forgiven; anything else is no code."""
    code = "".join((raw or "").split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return ""
    return code


def display_code(code: str) -> str:
    """K7M4Q9XP → K7M4-Q9XP (how it is printed)."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def case_code(case: Case, **fields) -> CaseCode:
    """The case's query code, made the first time it is asked for (the receipt, an online report)."""
    existing = CaseCode.objects.filter(case=case).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return CaseCode.objects.create(
                    case=case, code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)), **fields
                )
        except IntegrityError:  # the same code drawn twice (or the case got its code meanwhile)
            existing = CaseCode.objects.filter(case=case).first()
            if existing is not None:
                return existing
    raise RuntimeError("no free case code after 5 draws")


def followed_case(code: str, phone_index: str) -> Case | None:
    """The case with this query code, if `phone_index` is the phone of one of its applicants;
    None otherwise — a wrong code and a wrong phone look the same."""
    code = normalise_code(code)
    if not code or not phone_index:
        return None
    case = (
        Case.objects.filter(public_code__code=code)
        .select_related("township", "village", "category", "lead_unit", "public_code")
        .first()
    )
    if case is None:
        return None
    if not Party.objects.filter(case=case, role=Party.Role.APPLICANT, phone_index=phone_index).exists():
        return None
    return case


# --- What the citizen is told by SMS --------------------------------------------------------------


def _applicant_phones(case: Case) -> list[str]:
    phones = (
        decrypt(token)
        for token in case.parties.filter(role=Party.Role.APPLICANT).values_list("phone_encrypted", flat=True)
    )
    return sorted({phone for phone in phones if phone})


def text_applicants(case: Case, text: str) -> None:
    """Send `text` to every applicant's phone once the step's transaction commits (through the
    project's SMS gateway); a failed send is logged, never undoes the step."""

    def send() -> None:
        for phone in phones:
            try:
                sms_gateway().send(phone, text)
            except Exception:  # the gateway is outside; the step is done whatever it answers
                log.exception("SMS to an applicant of case %s failed", case.pk)

    phones = _applicant_phones(case)
    if phones:
        transaction.on_commit(send)


def tell_accepted(case: Case) -> None:
    """An online submission was accepted: say so, with the query code to follow it (and the page's
    address when the site's is configured, SITE_URL)."""
    code = case_code(case).code
    words = {"site": settings.SITE_TITLE, "code": display_code(code)}
    if settings.SITE_URL:
        words["link"] = f"{settings.SITE_URL}{reverse('citizen-follow')}?code={code}"
        text = _("【%(site)s】您反映的矛盾纠纷已受理，查询码 %(code)s。凭查询码和本手机号可查询办理进度：%(link)s")
    else:
        text = _("【%(site)s】您反映的矛盾纠纷已受理，查询码 %(code)s。凭查询码和本手机号可在“码上办”查询办理进度。")
    text_applicants(case, text % words)


def tell_rejected(case: Case) -> None:
    """An online submission was not accepted: the reason and the route the center offers."""
    text_applicants(
        case,
        _("【%(site)s】您反映的矛盾纠纷不予受理。理由：%(reason)s。建议途径：%(route)s。如有疑问请联系%(center)s。")
        % {
            "site": settings.SITE_TITLE,
            "reason": case.get_reject_reason_display(),
            "route": case.reject_route,
            "center": case.intake_unit.name,
        },
    )
