"""Mediation in the demo county: a people's mediation committee for every village/community and
township, the county's industry committees, studios, at least two mediators each, the subsidy
rates, and the mediation record (assignments, sessions, agreements, follow-ups) of the demo
cases the disputes demo sent to mediation. Idempotent: a second run adds nothing. Bulk inserts."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from disputes.demo import _FEMALE, _MALE, _SURNAME_WEIGHTS, _SURNAMES
from disputes.models import Case, Category, Outcome
from governance.models import Unit, User
from grids.models import Region
from mediation.models import (
    Agreement,
    Assignment,
    Difficulty,
    FollowUp,
    Mediation,
    Mediator,
    Membership,
    Obligation,
    Organisation,
    Session,
    SubsidyRate,
    Training,
    mediation_due,
)
from mediation.services import short_name

SEED = 20260606
BATCH = 1000
K, F = Organisation.Kind, Organisation.Field
# County-level units made by governance/demo.py: (code suffix, kind, field, specialties).
COUNTY_ORGS = {
    "MED-HEALTH": (K.INDUSTRY, F.MEDICAL, ("medical",)),
    "MED-TRAFFIC": (K.INDUSTRY, F.TRAFFIC, ("traffic",)),
    "MED-LABOUR": (K.INDUSTRY, F.LABOUR, ("labour",)),
    "MED-PROPERTY": (K.INDUSTRY, F.PROPERTY, ("property_mgmt", "housing_delivery")),
    "MED-FAMILY": (K.INDUSTRY, F.FAMILY, ("marriage_family",)),
    "MED-COURT": (K.COURT, "", ("private_lending", "neighbourhood", "consumer")),
    "MED-LAWYER": (K.LAWYER, "", ("private_lending", "housing_delivery", "labour")),
}
LOCAL = ("neighbourhood", "marriage_family", "land_contract", "property_mgmt", "other", "environment", "consumer")
BACKGROUNDS = [Mediator.Background.FIVE_ELDERS, Mediator.Background.CADRE, Mediator.Background.OTHER]
RATES = ((Difficulty.SIMPLE, 100), (Difficulty.ORDINARY, 200), (Difficulty.DIFFICULT, 400), (Difficulty.MAJOR, 800))


def _name(rng: random.Random) -> str:
    surname = rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    chars = _MALE if rng.random() < 0.6 else _FEMALE
    return surname + rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")


def _units(county: Region) -> None:
    """A committee unit for every village/community, and a second personal studio."""
    c = county.prefix
    justice = Unit.objects.filter(code=f"{c}-JUSTICE").first()
    wanted = []
    for village in Region.objects.within(county).villages().select_related("parent"):
        wanted.append(
            Unit(
                code=f"{village.code}-MED",
                name=f"{village.parent.name}{village.name}人民调解委员会",
                kind=Unit.Kind.MEDIATION,
                sector=Unit.Sector.JUSTICE,
                region=village,
                parent=justice,
            )
        )
    townships = list(Region.objects.within(county).townships().order_by("code"))
    if len(townships) > 4:
        wanted.append(
            Unit(
                code=f"{townships[4].prefix}-MED-STUDIO",
                name="王秀兰调解工作室",
                kind=Unit.Kind.MEDIATION,
                sector=Unit.Sector.JUSTICE,
                region=townships[4],
                parent=justice,
            )
        )
    existing = set(Unit.objects.filter(code__startswith=c).values_list("code", flat=True))
    bulk_create_with_history([u for u in wanted if u.code not in existing], Unit, batch_size=BATCH)


def _organisations(county: Region, rng: random.Random) -> list[Organisation]:
    """An Organisation for every mediation unit of the county that has none yet."""
    units = Unit.objects.filter(code__startswith=county.prefix, kind=Unit.Kind.MEDIATION, mediation_org__isnull=True)
    made = []
    for unit in units.select_related("region").order_by("code"):
        suffix = unit.code.split("-", 1)[1]
        if suffix in COUNTY_ORGS:
            kind, field, _specialties = COUNTY_ORGS[suffix]
        elif suffix == "MED-STUDIO":
            kind, field = K.PERSONAL, ""
        elif unit.region.level == Region.Level.VILLAGE:
            kind, field = K.VILLAGE, ""
        else:
            kind, field = K.TOWNSHIP, ""
        made.append(
            Organisation(
                unit=unit,
                kind=kind,
                field=field,
                region=unit.region,
                address=f"{unit.region.name}便民服务中心{rng.randint(1, 3)}楼",
                phone=f"0{rng.randint(900, 999)}-{rng.randint(6000000, 6999999)}",
            )
        )
    return bulk_create_with_history(made, Organisation, batch_size=BATCH)


def _mediators(county: Region, orgs: list[Organisation], rng: random.Random) -> int:
    """Two to four mediators per new organisation: a director, members, mediators."""
    categories = {c.code: c for c in Category.objects.all()}
    demo_login = User.objects.filter(username="mediator").select_related("unit").first()
    plan: list[tuple[Organisation, Mediator, str, tuple[str, ...]]] = []
    for org in orgs:
        suffix = org.unit.code.split("-", 1)[1]
        specialties = COUNTY_ORGS.get(suffix, (None, None, LOCAL))[2]
        size = 2 if org.kind in (K.PERSONAL, K.VILLAGE) else rng.randint(3, 4)
        for i in range(size):
            if org.kind == K.PERSONAL and i == 0:
                name = org.unit.name.removesuffix("调解工作室")
                name = "赵德明" if name == "老赵" else name
                background = Mediator.Background.FIVE_ELDERS
            else:
                name = _name(rng)
                background = rng.choice(BACKGROUNDS)
            if org.kind == K.LAWYER:
                background = Mediator.Background.LAWYER
            elif org.kind == K.COURT and i == 0:
                background = Mediator.Background.RETIRED_JUDGE
            elif org.kind == K.INDUSTRY and i == 1:
                background = Mediator.Background.PROFESSIONAL
            user = None
            if demo_login is not None and demo_login.unit_id == org.unit_id and i == 0:
                user, name = demo_login, demo_login.full_name or name
            employment = (
                Mediator.Employment.FULL_TIME if (i == 0 and org.kind != K.VILLAGE) else Mediator.Employment.PART_TIME
            )
            mediator = Mediator(
                user=user,
                name=name,
                employment=employment,
                background=background,
                certificate_no=f"{county.code[:6]}{rng.randint(100000, 999999)}",
            )
            role = (
                Membership.Role.DIRECTOR if i == 0 else Membership.Role.MEMBER if i == 1 else Membership.Role.MEDIATOR
            )
            chosen = tuple(rng.sample(specialties, min(len(specialties), rng.randint(1, 3))))
            plan.append((org, mediator, role, chosen))
    mediators = bulk_create_with_history([m for _o, m, _r, _s in plan], Mediator, batch_size=BATCH)
    through = Mediator.specialties.through
    through.objects.bulk_create(
        [
            through(mediator_id=m.pk, category_id=categories[code].pk)
            for (_o, _m, _r, codes), m in zip(plan, mediators, strict=True)
            for code in codes
            if code in categories
        ],
        batch_size=BATCH,
    )
    bulk_create_with_history(
        [Membership(organisation=o, mediator=m, role=r) for (o, _m, r, _s), m in zip(plan, mediators, strict=True)],
        Membership,
        batch_size=BATCH,
    )
    year = timezone.localdate().year
    bulk_create_with_history(
        [
            Training(
                mediator=m,
                date=timezone.localdate().replace(month=rng.randint(3, 6), day=rng.randint(1, 28)),
                title=rng.choice(("全县人民调解员业务培训", "民法典专题培训", "调解文书规范化培训")),
                organiser="示范县司法局",
                hours=rng.choice((8, 16, 24)),
                certificate=f"培训合格证 {year}-{i:04d}" if rng.random() < 0.6 else "",
            )
            for i, m in enumerate(mediators)
            if m.employment == Mediator.Employment.FULL_TIME or rng.random() < 0.3
        ],
        Training,
        batch_size=BATCH,
    )
    return len(mediators)


def _rates() -> None:
    start = timezone.localdate().replace(month=1, day=1) - timedelta(days=365)
    if SubsidyRate.objects.exists():
        return
    bulk_create_with_history(
        [SubsidyRate(difficulty=d, amount=Decimal(a), valid_from=start) for d, a in RATES], SubsidyRate
    )


def _records(county: Region, rng: random.Random) -> int:
    """The mediation record of demo cases the disputes demo sent to a mediation organisation."""
    orgs = {o.unit_id: o for o in Organisation.objects.filter(region__code__startswith=county.prefix)}
    members: dict[int, list[Mediator]] = {}
    for membership in Membership.objects.filter(organisation__in=list(orgs.values())).select_related("mediator"):
        members.setdefault(membership.organisation_id, []).append(membership.mediator)
    cases = list(
        Case.objects.filter(
            township__code__startswith=county.prefix,
            lead_unit_id__in=list(orgs),
            signed_at__isnull=False,
            mediation__isnull=True,
        )
        .prefetch_related("parties")
        .order_by("pk")
    )
    now = timezone.now()
    tz = timezone.get_current_timezone()
    mediations, assignments, sessions, agreements = [], [], [], []
    obligation_plan: list[tuple[int, str, str, int]] = []  # agreement index, obligor, content, days after
    for case in cases:
        org = orgs[case.lead_unit_id]
        staff = members.get(org.pk) or []
        if not staff:
            continue
        started = timezone.localtime(case.signed_at).date()
        failed = case.outcome == Outcome.FAILED
        mediations.append(
            Mediation(
                case=case,
                organisation=org,
                difficulty=rng.choices(Difficulty.values, weights=(25, 55, 15, 5))[0],
                started_on=started,
                due_on=mediation_due(started),
                failed_at=case.reported_at if failed else None,
                failure_reason="双方对责任和金额分歧较大，经多次调解未能达成一致" if failed else "",
            )
        )
        lead = staff[0] if case.pk % 3 else rng.choice(staff)
        assignments.append(Assignment(case=case, mediator=lead, is_lead=True, assigned_at=case.signed_at))
        if len(staff) > 1 and rng.random() < 0.3:
            second = next(m for m in staff if m != lead)
            assignments.append(Assignment(case=case, mediator=second, assigned_at=case.signed_at))
        end = case.reported_at or now
        held = min(case.signed_at + timedelta(days=rng.randint(1, 6)), end - timedelta(hours=1))
        held = datetime.combine(timezone.localtime(held).date(), time(rng.choice((9, 10, 14, 15))), tz)
        if held > now or held < case.signed_at:
            continue
        parties = list(case.parties.all())
        resolved = case.outcome == Outcome.RESOLVED
        result = Session.Result.AGREED if resolved else Session.Result.FAILED if failed else Session.Result.CONTINUE
        sessions.append(
            Session(
                case=case,
                number=1,
                held_at=held,
                place=f"{org.unit.name}调解室",
                mediators=lead.name,
                participants="、".join(p.name for p in parties),
                rights_notified=True,
                statements=[
                    {
                        "party": p.name,
                        "text": "陈述了纠纷经过，"
                        + ("提出" + case.demands if case.demands and i == 0 else "表示愿意协商解决"),
                    }
                    for i, p in enumerate(parties[:3])
                ],
                process="调解员释法明理，分别做双方工作后组织面对面协商。",
                result=result,
                recorded_at=held + timedelta(hours=2),
            )
        )
        if resolved:
            signed = timezone.localtime(held).date()
            obligor = parties[-1].name if parties else "被申请人"
            agreements.append(
                Agreement(
                    case=case,
                    organisation=org,
                    version=1,
                    status=Agreement.Status.FINAL,
                    number=f"（{signed.year}）{short_name(org)}调字第{case.pk}号",
                    facts=case.summary,
                    issues=case.demands or "双方就责任承担和补偿数额存在争议。",
                    responsibility="经调解员释法说理，双方对各自责任均予认可。",
                    terms=(case.outcome_summary or "双方自愿达成和解。")[:1000],
                    performance_manner=rng.choice(("现金", "银行转账", "当场履行")),
                    performance_place=org.unit.name,
                    performance_deadline=signed + timedelta(days=15),
                    mediator_names=lead.name,
                    signed_on=signed,
                    finalized_at=datetime.combine(signed, time(17), tz),
                )
            )
            obligation_plan.append((len(agreements) - 1, obligor, "按协议约定履行给付义务", rng.choice((7, 10, 15))))
    mediations = bulk_create_with_history(mediations, Mediation, batch_size=BATCH)
    bulk_create_with_history(assignments, Assignment, batch_size=BATCH)
    bulk_create_with_history(sessions, Session, batch_size=BATCH)
    agreements = bulk_create_with_history(agreements, Agreement, batch_size=BATCH)
    # Obligations of final agreements are written with the agreement, before anyone reads it;
    # bulk_create bypasses Obligation.save (which refuses changes to a final agreement's duties).
    obligations = Obligation.objects.bulk_create(
        [
            Obligation(
                agreement=agreements[i],
                obligor=who,
                content=what,
                due_on=agreements[i].signed_on + timedelta(days=days),
            )
            for i, who, what, days in obligation_plan
        ],
        batch_size=BATCH,
    )
    today = timezone.localdate()
    follow_ups = []
    for o in obligations:
        due = o.due_on + timedelta(days=1)
        done = due < today - timedelta(days=3)
        performed = rng.random() < 0.92
        follow_ups.append(
            FollowUp(
                obligation=o,
                due_on=due,
                done_at=datetime.combine(due, time(10), tz) if done else None,
                result=(FollowUp.Result.PERFORMED if performed else FollowUp.Result.NOT_PERFORMED) if done else "",
                note=("已按期履行" if performed else "义务人未按期履行，已告知申请人可申请司法确认后强制执行")
                if done
                else "",
            )
        )
    FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    return len(mediations)


def seed_mediation(county: Region) -> dict[str, int]:
    rng = random.Random(SEED)
    _units(county)
    orgs = _organisations(county, rng)
    mediators = _mediators(county, orgs, rng)
    _rates()
    records = _records(county, rng)
    seed_online_mediation(county)
    return {"organisations": len(orgs), "mediators": mediators, "mediations": records}


def seed_online_mediation(county: Region) -> int:
    """网上调解 in the demo: one case in hand at the `mediator` login's committee is mediated online,
    with a few messages, the applicant joined and the respondent invited. The links of these
    invitations are not kept anywhere (only hashes): to try the party's side, invite a party again
    from the thread page and open the link the logging SMS gateway writes. Returns the messages added."""
    from disputes.citizen import case_code
    from disputes.models import CaseCode, Party, Status
    from mediation.models import Invitation, Message
    from mediation.online import _token_hash

    if Message.objects.filter(case__township__code__startswith=county.prefix).exists():
        return 0
    login = User.objects.filter(username="mediator").first()
    if login is None or login.unit_id is None:
        return 0
    case = (
        Case.objects.filter(lead_unit_id=login.unit_id, status=Status.IN_PROGRESS)
        .filter(parties__role=Party.Role.APPLICANT, parties__phone_index__gt="")
        .order_by("-signed_at", "-pk")
        .first()
    )
    if case is None:
        return 0
    code = case_code(case)
    code.mediation = CaseCode.Mediation.ONLINE
    code.save(update_fields=["mediation"])
    now = timezone.now()
    applicant = case.parties.filter(role=Party.Role.APPLICANT).exclude(phone_index="").first()
    respondent = case.parties.filter(role=Party.Role.RESPONDENT).exclude(phone_index="").first()
    for party, joined in ((applicant, True), (respondent, False)):
        if party is not None:
            Invitation.objects.create(
                case=case,
                party=party,
                token_hash=_token_hash(f"demo-{case.pk}-{party.pk}-{random.random()}"),
                phone_index=party.phone_index,
                sent_by=login,
                sent_at=now - timedelta(hours=26),
                expires_at=now + timedelta(days=29),
                joined_at=now - timedelta(hours=25) if joined else None,
            )
    said = [
        (login, None, "您好，我是本案的人民调解员。请双方在这里说明情况和诉求，也可以发送现场照片。", 25),
        (None, applicant, "对方一直不肯处理，我希望这周内能有个说法。", 24),
        (login, None, "收到。我已联系对方，明天上午再约双方在线上谈一次。", 23),
    ]
    messages = [
        Message(case=case, author=author, party=party, text=text, at=now - timedelta(hours=hours))
        for author, party, text, hours in said
        if author is not None or party is not None
    ]
    Message.objects.bulk_create(messages)
    return len(messages)
