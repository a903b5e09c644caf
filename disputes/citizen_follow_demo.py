"""The demo county's 码上办 following (seed_demo): every online submission gets its query code
(一案一码), and a citizen adds a note to an online case being handled. The demo's cases are
written in bulk with one history row each, so nothing here takes a step on them (a rating would);
rate a closed one on /m/follow/ with the code and phone printed. Idempotent: codes are made only
for cases without one, the note once."""

from __future__ import annotations

import secrets

from disputes import services
from disputes.citizen import ALPHABET, CODE_LENGTH, display_code
from disputes.models import Case, CaseCode, CaseEvent, Channel, Party, Status
from governance.crypto import decrypt
from grids.models import Region

NOTE = "补充一下：对方最近又来找过我们，情况没有变化，希望尽快处理。"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def seed_follow(county: Region) -> tuple[int, list[str]]:
    """(query codes added, lines telling the presenter which code and phone to follow)."""
    online = Case.objects.filter(township__code__startswith=county.prefix, channel=Channel.ONLINE)
    missing = list(online.filter(public_code__isnull=True).values_list("pk", flat=True))
    taken = set(CaseCode.objects.values_list("code", flat=True))
    codes = []
    for pk in missing:
        code = _new_code()
        while code in taken:
            code = _new_code()
        taken.add(code)
        codes.append(CaseCode(case_id=pk, code=code))
    CaseCode.objects.bulk_create(codes, batch_size=1000)

    if not CaseEvent.objects.filter(case__in=online, action=CaseEvent.Action.CITIZEN_NOTE).exists():
        handled = online.filter(status=Status.IN_PROGRESS).order_by("-received_at").first()
        if handled is not None:
            services.add_citizen_note(case=handled, note=NOTE)
    examples = []
    for status in (Status.IN_PROGRESS, Status.CLOSED, Status.EVALUATED):
        case = online.filter(status=status).select_related("public_code").order_by("-received_at").first()
        if case is not None:
            examples.append(_follow_line(case))
    return len(codes), examples


def _follow_line(case: Case) -> str:
    token = case.parties.filter(role=Party.Role.APPLICANT).values_list("phone_encrypted", flat=True).first()
    phone = decrypt(token or "") or "—"
    return f"{display_code(case.public_code.code)}（{case.get_status_display()}，手机 {phone}）"
