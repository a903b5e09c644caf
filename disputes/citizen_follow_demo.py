"""The demo county's 码上办 following (seed_demo): a citizen adds a note to an online case being
handled, and the presenter is told which codes to follow (the query codes, 一案一码, are made by
disputes/citizen_demo.py first). The demo's cases are
written in bulk with one history row each, so nothing here takes a step on them (a rating would);
rate a closed one on /m/follow/ with the code and phone printed. Idempotent: the note once."""

from __future__ import annotations

from disputes import services
from disputes.citizen import display_code
from disputes.models import Case, CaseEvent, Channel, Party, Status
from governance.crypto import decrypt
from grids.models import Region

NOTE = "补充一下：对方最近又来找过我们，情况没有变化，希望尽快处理。"


def seed_follow(county: Region) -> list[str]:
    """Lines telling the presenter which code and phone to follow."""
    online = Case.objects.filter(township__code__startswith=county.prefix, channel=Channel.ONLINE)

    if not CaseEvent.objects.filter(case__in=online, action=CaseEvent.Action.CITIZEN_NOTE).exists():
        handled = online.filter(status=Status.IN_PROGRESS).order_by("-received_at").first()
        if handled is not None:
            services.add_citizen_note(case=handled, note=NOTE)
    examples = []
    for status in (Status.IN_PROGRESS, Status.CLOSED, Status.EVALUATED):
        case = online.filter(status=status).select_related("public_code").order_by("-received_at").first()
        if case is not None:
            examples.append(_follow_line(case))
    return examples


def _follow_line(case: Case) -> str:
    token = case.parties.filter(role=Party.Role.APPLICANT).values_list("phone_encrypted", flat=True).first()
    phone = decrypt(token or "") or "—"
    return f"{display_code(case.public_code.code)}（{case.get_status_display()}，手机 {phone}）"
