"""The demo county's 码上办 following (seed_demo): every online submission gets its query code
(一案一码); three online cases of 城关镇 from one demo citizen, taken through the services — one
waiting for the center in 网上待受理, one closed and waiting for the citizen's rating, one rated
不满意 with a reason (城关镇综治中心 has the request to reopen in its inbox); and a citizen's note
on an online case being handled. Idempotent: codes are made only for cases without
one, the demo cases are found again by their source reference, each example is added once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from disputes import services
from disputes.citizen import ALPHABET, CODE_LENGTH, case_code, display_code
from disputes.models import Case, CaseCode, CaseEvent, Category, Channel, Party, RiskLevel, Status
from governance.models import User
from grids.models import Region

DEMO_TOWNSHIP = "城关镇"
CITIZEN_PHONE = "13800138000"  # the demo citizen: /m/follow/ with this phone (the SMS code is in the log)
REF_WAITING, REF_CLOSED, REF_UNHAPPY = "码上办演示-待受理", "码上办演示-待评价", "码上办演示-不满意"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _codes_for(online) -> int:
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
    return len(codes)


def _demo_case(
    town: Region, clerk: User, ref: str, summary: str, *, applicant=("赵群众", CITIZEN_PHONE), respondent="钱某"
) -> Case:
    found = Case.objects.filter(township=town, channel=Channel.ONLINE, source_ref=ref).first()
    if found is not None:
        return found
    village = Region.objects.filter(parent=town).order_by("code").first()
    data = services.IntakeData(
        channel=Channel.ONLINE,
        township=town,
        village=village,
        summary=summary,
        source_ref=ref,
        category=Category.objects.get(code="neighbourhood"),
        risk_level=RiskLevel.objects.get(code="blue"),
        parties=[
            services.PartyData(role=Party.Role.APPLICANT, name=applicant[0], phone=applicant[1]),
            services.PartyData(role=Party.Role.RESPONDENT, name=respondent),
        ],
    )
    case = services.intake_case(by=clerk, data=data)
    case_code(case, mediation="in_person", consented_at=timezone.now())
    return case


def _to_closed(case: Case, clerk: User, handler: User) -> Case:
    case = services.accept_case(case=case, by=clerk, category=case.category, risk_level=case.risk_level, version=None)
    case = services.dispatch_case(
        case=case, by=clerk, lead_unit=handler.unit, due=timezone.localdate() + timedelta(days=15), version=None
    )
    case = services.sign_case(case=case, by=handler, version=None)
    case = services.report_case(
        case=case,
        by=handler,
        outcome="resolved",
        routes=[],
        summary="民警现场调解，双方约定三日内共同疏通排水沟，已履行完毕。",
        version=None,
    )
    return services.approve_case(case=case, by=clerk, version=None)


def seed_follow(county: Region) -> tuple[int, list[str]]:
    """(query codes added, lines telling the presenter which code and phone to follow)."""
    town = Region.objects.filter(code__startswith=county.prefix, name=DEMO_TOWNSHIP).first()
    clerk = User.objects.filter(username="township", is_active=True).first()
    police = User.objects.filter(username="police", is_active=True).first()
    lines = []
    if town is not None and clerk is not None and police is not None:
        waiting = _demo_case(
            town, clerk, REF_WAITING, "（演示）楼上住户空调外机滴水，多次协商未果。", respondent="楼上住户孙某"
        )
        closed = _demo_case(town, clerk, REF_CLOSED, "（演示）邻居堵塞排水沟，雨水漫进院子。", respondent="邻居钱某")
        if closed.status == Status.SUBMITTED:
            closed = _to_closed(closed, clerk, police)
        unhappy = _demo_case(
            town,
            clerk,
            REF_UNHAPPY,
            "（演示）邻居拖欠修缮院墙的费用。",
            applicant=("周群众", "13800138001"),
            respondent="邻居吴某",
        )
        if unhappy.status == Status.SUBMITTED:
            unhappy = _to_closed(unhappy, clerk, police)
            services.evaluate_case(
                case=unhappy, by=None, satisfaction="dissatisfied", note="协议约定的修缮费至今没有付，问题没有解决。"
            )
        lines = [_follow_line(case) for case in (waiting, closed)]
    online = Case.objects.filter(township__code__startswith=county.prefix, channel=Channel.ONLINE)
    added = _codes_for(online)
    if not CaseEvent.objects.filter(case__in=online, action=CaseEvent.Action.CITIZEN_NOTE).exists():
        handled = online.filter(status=Status.IN_PROGRESS).order_by("-received_at").first()
        if handled is not None:
            services.add_citizen_note(case=handled, note="补充一下：对方最近又来找过我们，情况没有变化，希望尽快处理。")
    return added, lines


def _follow_line(case: Case) -> str:
    code = CaseCode.objects.get(case=case).code
    return f"/m/follow/ 查询码 {display_code(code)}，手机 {CITIZEN_PHONE}（{case.get_status_display()}）"
