"""What each mediation step does. One function per step: it checks who may take it (rules.py),
locks the rows it changes, writes them and a timeline event on the case, in one transaction.

The case's own workflow stays in disputes/services.py: a mediation that fails ends through
`report_case` (outcome 调解不成功 with the routes the parties were told of), never beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import services as case_services
from disputes.models import Case, CaseEvent, Category, Outcome, Route, Status
from disputes.services import TransitionRefused
from governance.models import User
from mediation import rules
from mediation.models import (
    Agreement,
    Assignment,
    Confirmation,
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

# The committee visits the obligor the day after a duty falls due (人民调解工作若干规定 Art. 39).
FOLLOW_UP_AFTER_DAYS = 1
# Where parties are told to go when mediation fails (人民调解法 Art. 26).
FAILURE_ROUTES = (
    Route.ARBITRATION,
    Route.ADMINISTRATIVE,
    Route.LITIGATION,
    Route.PRE_LITIGATION,
    Route.ADMIN_REVIEW,
)


def _event(case: Case, by: User, note: str, **data) -> CaseEvent:
    """A timeline entry: mediation steps are 办理进展 of the case, told apart by `data["mediation"]`."""
    return CaseEvent.objects.create(
        case=case, action=CaseEvent.Action.PROGRESS, actor=by, actor_unit_id=by.unit_id, note=note, data=data
    )


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("lead_unit", "township").get(pk=case.pk)


def _organisation(case: Case) -> Organisation:
    org = Organisation.objects.filter(unit_id=case.lead_unit_id).first()
    if org is None:
        raise TransitionRefused(_("该案件未分流到调解组织。"))
    return org


# --- Assignment and recusal -------------------------------------------------------------------


def assign_mediators(
    *, case: Case, by: User, mediators: Sequence[Mediator], lead: Mediator | None = None, difficulty: str = ""
) -> list[Assignment]:
    """The organisation names one or more mediators. The first assignment starts the mediation
    clock: one month (人民调解工作若干规定 Art. 36)."""
    if not mediators:
        raise ValidationError({"mediators": _("请至少选择一名调解员。")})
    if lead is not None and lead not in mediators:
        raise ValidationError({"lead": _("主持调解的调解员须在所选调解员之中。")})
    if difficulty and difficulty not in Difficulty.values:
        raise ValidationError({"difficulty": _("请选择难易程度。")})
    if any(not m.is_active for m in mediators):
        raise ValidationError({"mediators": _("所选调解员已不在岗。")})
    with transaction.atomic():
        case = _lock_case(case)
        if not rules.may_assign(case, by):
            raise TransitionRefused(_("只有受理该案件的调解组织的调解员可以指派调解员（案件须处于待签收或办理中）。"))
        org = _organisation(case)
        active = set(case.assignments.filter(withdrawn_at__isnull=True).values_list("mediator_id", flat=True))
        if any(m.pk in active for m in mediators):
            raise ValidationError({"mediators": _("所选调解员已在承办该案件。")})
        today = timezone.localdate()
        mediation, created = Mediation.objects.get_or_create(
            case=case,
            defaults={
                "organisation": org,
                "started_on": today,
                "due_on": mediation_due(today),
                "difficulty": difficulty or Difficulty.ORDINARY,
            },
        )
        if not created and difficulty and mediation.difficulty != difficulty:
            mediation.difficulty = difficulty
            mediation.save(update_fields=["difficulty"])
        if lead is not None:
            for previous in case.assignments.filter(withdrawn_at__isnull=True, is_lead=True):
                previous.is_lead = False
                previous.save(update_fields=["is_lead"])
        made = [
            Assignment.objects.create(case=case, mediator=m, is_lead=(m == lead), assigned_by=by) for m in mediators
        ]
        for mediator in mediators:
            # A mediator of another organisation (an expert of the pool) needs a grant to see the case.
            user = mediator.user
            if user is not None and user.unit_id != case.lead_unit_id:
                case_services.grant_case_access(case=case, by=by, person=user)
        _event(
            case,
            by,
            _("指派调解员：%(names)s") % {"names": "、".join(m.name for m in mediators)},
            mediation="assign",
            mediators=[m.pk for m in mediators],
        )
    return made


def recuse_mediator(*, assignment: Assignment, by: User, party: str, reason: str) -> Assignment:
    """回避: a party asks for another mediator (人民调解法 Art. 23); the assignment is withdrawn."""
    errors = {}
    if not party.strip():
        errors["party"] = _("请填写申请回避的当事人。")
    if not reason.strip():
        errors["reason"] = _("请填写回避理由。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _lock_case(assignment.case)
        if not rules.may_assign(case, by):
            raise TransitionRefused(_("您无权调整该案件的调解员。"))
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.withdrawn_at is not None:
            raise TransitionRefused(_("该调解员已回避。"))
        assignment.withdrawn_at, assignment.is_lead = timezone.now(), False
        assignment.withdrawal_reason, assignment.requested_by = reason.strip(), party.strip()
        assignment.save(update_fields=["withdrawn_at", "is_lead", "withdrawal_reason", "requested_by"])
        _event(
            case,
            by,
            _("当事人%(p)s申请调解员%(m)s回避：%(r)s")
            % {"p": party.strip(), "m": assignment.mediator, "r": reason.strip()},
            mediation="recuse",
        )
    return assignment


def extend_mediation(*, case: Case, by: User, until: date, both_agree: bool, note: str) -> Mediation:
    """Art. 36: past one month only when both parties agree to go on."""
    if not both_agree:
        raise ValidationError({"both_agree": _("延长调解期限须经双方当事人同意。")})
    with transaction.atomic():
        case = _lock_case(case)
        if not rules.may_mediate(case, by):
            raise TransitionRefused(_("您无权对该案件进行此操作。"))
        mediation = Mediation.objects.select_for_update().filter(case=case).first()
        if mediation is None:
            raise TransitionRefused(_("请先指派调解员。"))
        if until <= mediation.due_on:
            raise ValidationError({"until": _("延长后的期限须晚于原期限（%(d)s）。") % {"d": mediation.due_on}})
        before = mediation.due_on
        mediation.due_on, mediation.extended, mediation.extension_note = until, True, note.strip()
        mediation.save(update_fields=["due_on", "extended", "extension_note"])
        _event(
            case, by, _("经双方当事人同意，调解期限由%(a)s延长至%(b)s") % {"a": before, "b": until}, mediation="extend"
        )
    return mediation


# --- Sessions ------------------------------------------------------------------------------------


@dataclass
class SessionData:
    held_at: datetime
    place: str
    mediators: str
    participants: str
    rights_notified: bool
    statements: Sequence[tuple[str, str]]  # (party name, what they said)
    process: str
    result: str


def record_session(*, case: Case, by: User, data: SessionData) -> Session:
    errors = {}
    if data.held_at > timezone.now():
        errors["held_at"] = _("调解时间不能晚于现在：调解笔录记录的是已进行的调解。")
    if not data.rights_notified:
        errors["rights_notified"] = _("调解前须向当事人告知权利义务（人民调解法第二十三、二十四条），请确认已告知。")
    statements = [(p, t.strip()) for p, t in data.statements if t.strip()]
    if not statements:
        errors["__all__"] = _("请至少记录一方当事人的陈述。")
    if data.result not in Session.Result.values:
        errors["result"] = _("请选择调解结果。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _lock_case(case)
        if not rules.may_record_session(case, by):
            raise TransitionRefused(_("只有承办该案件的调解员可以记录调解笔录（案件须已签收、在办理中）。"))
        if not case.assignments.filter(withdrawn_at__isnull=True).exists():
            raise TransitionRefused(_("请先指派调解员。"))
        number = (case.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
        session = Session.objects.create(
            case=case,
            number=number,
            held_at=data.held_at,
            place=data.place.strip(),
            mediators=data.mediators.strip(),
            participants=data.participants.strip(),
            rights_notified=True,
            statements=[{"party": p, "text": t} for p, t in statements],
            process=data.process.strip(),
            result=data.result,
            recorded_by=by,
        )
        _event(
            case,
            by,
            _("第%(n)d次调解：%(r)s") % {"n": number, "r": session.get_result_display()},
            mediation="session",
            session=session.pk,
        )
    return session


# --- Agreements ------------------------------------------------------------------------------------


@dataclass
class ObligationData:
    obligor: str
    content: str
    due_on: date


@dataclass
class AgreementData:
    facts: str
    issues: str
    responsibility: str
    terms: str
    performance_manner: str
    performance_place: str
    mediator_names: str
    obligations: Sequence[ObligationData]


def _check_agreement(data: AgreementData) -> None:
    """人民调解法 Art. 29 and 若干规定 Art. 34: what an agreement must say."""
    errors = {}
    for name, message in (
        ("facts", _("请写明纠纷的主要事实。")),
        ("issues", _("请写明争议事项。")),
        ("responsibility", _("请写明各方当事人的责任。")),
        ("terms", _("请写明当事人达成调解协议的内容。")),
        ("mediator_names", _("请填写人民调解员姓名。")),
    ):
        if not getattr(data, name).strip():
            errors[name] = message
    if not data.performance_manner.strip():
        errors["performance_manner"] = _("请写明履行方式（如现金、银行转账、当场履行）。")
    if not data.performance_place.strip():
        errors["performance_place"] = _("请写明履行地点。")
    if not data.obligations:
        errors["__all__"] = _("协议书须载明履行的内容和期限：请至少填写一项履行义务（义务人、内容、期限）。")
    if errors:
        raise ValidationError(errors)


def _check_performance_dates(agreement: Agreement, obligations: Sequence[ObligationData]) -> None:
    """A 履行期限 already past when the draft is written is a slip of the pen (issue 15): refused
    with the date named. A correction keeps the original's dates, so for it the limit is the day the
    original was signed."""
    original = agreement.supersedes
    earliest = original.signed_on if original is not None and original.signed_on else timezone.localdate()
    past = sorted({o.due_on for o in obligations if o.due_on < earliest})
    if not past:
        return
    dates = "、".join(d.isoformat() for d in past)
    if original is not None:
        message = _("履行期限 %(dates)s 早于原协议的签订日期 %(signed)s，请核对。") % {
            "dates": dates,
            "signed": earliest.isoformat(),
        }
    else:
        message = _("履行期限 %(dates)s 已经过去，请填写今天（%(today)s）或以后的日期。") % {
            "dates": dates,
            "today": earliest.isoformat(),
        }
    raise ValidationError({"__all__": message})


def _draft_of(agreement: Agreement, by: User) -> tuple[Case, Agreement]:
    case = _lock_case(agreement.case)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.is_final:
        raise TransitionRefused(_("调解协议书已生效，不能修改；如需更正，请制作新版本。"))
    if not rules.may_mediate(case, by):
        raise TransitionRefused(_("您无权对该案件进行此操作。"))
    return case, agreement


def draft_agreement(*, case: Case, by: User, session: Session | None = None) -> Agreement:
    """A draft generated from the case and its latest session: the mediator edits it before signing."""
    with transaction.atomic():
        case = _lock_case(case)
        has_draft = case.agreements.filter(status=Agreement.Status.DRAFT).exists()
        has_final = case.agreements.filter(status=Agreement.Status.FINAL).exists()
        if not rules.may_draft_agreement(case, by, has_draft=has_draft, has_final=has_final):
            if case.status != Status.IN_PROGRESS or not rules.may_mediate(case, by):
                raise TransitionRefused(_("只有承办该案件的调解员可以制作调解协议书（案件须在办理中）。"))
            if has_draft:
                raise TransitionRefused(_("该案件已有一份协议书草稿，请继续编辑它。"))
            raise TransitionRefused(_("该案件已有生效的调解协议书；如需更正，请在原协议书上制作新版本。"))
        session = session or case.sessions.order_by("-number").first()
        names = "、".join(
            a.mediator.name for a in case.assignments.filter(withdrawn_at__isnull=True).select_related("mediator")
        )
        said = "\n".join(f"{s['party']}：{s['text']}" for s in session.statements) if session else ""
        agreement = Agreement.objects.create(
            case=case,
            organisation=_organisation(case),
            session=session,
            version=1,
            facts=case.summary,
            issues=case.demands or said,
            responsibility="",
            terms="",
            performance_manner="",
            performance_place="",
            mediator_names=names,
            created_by=by,
        )
        _event(case, by, _("制作调解协议书草稿"), mediation="agreement", agreement=agreement.pk)
    return agreement


def update_agreement(*, agreement: Agreement, by: User, data: AgreementData) -> Agreement:
    _check_agreement(data)
    with transaction.atomic():
        _case, agreement = _draft_of(agreement, by)
        _check_performance_dates(agreement, data.obligations)
        for name in (
            "facts",
            "issues",
            "responsibility",
            "terms",
            "performance_manner",
            "performance_place",
            "mediator_names",
        ):
            setattr(agreement, name, getattr(data, name).strip())
        agreement.performance_deadline = max(o.due_on for o in data.obligations)
        agreement._history_user = by
        agreement.save()
        agreement.obligations.all().delete()
        for o in data.obligations:
            Obligation.objects.create(
                agreement=agreement, obligor=o.obligor.strip(), content=o.content.strip(), due_on=o.due_on
            )
    return agreement


def _next_number(agreement: Agreement, year: int) -> str:
    org = agreement.organisation
    count = Agreement.objects.filter(
        organisation=org, status=Agreement.Status.FINAL, version=1, signed_on__year=year
    ).count()
    # A docket number on a legal document: always in Chinese, whatever the interface language.
    return f"（{year}）{short_name(org)}调字第{count + 1}号"


def short_name(org: Organisation) -> str:
    """The organisation's name as agreement numbers carry it: 城关镇人民调解委员会 → 城关镇."""
    name = org.unit.name
    for suffix in ("人民调解委员会", "调解委员会", "调解工作室", "调解中心"):
        name = name.removesuffix(suffix)
    return name


def finalize_agreement(*, agreement: Agreement, by: User, signed_on: date) -> Agreement:
    """签订生效: the parties, the mediator and the committee's seal (Art. 29). From here on the
    agreement never changes; follow-ups are scheduled from its obligations."""
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("签订日期不能晚于今天。")})
    with transaction.atomic():
        case, agreement = _draft_of(agreement, by)
        obligations = list(agreement.obligations.all())
        try:
            _check_agreement(
                AgreementData(
                    facts=agreement.facts,
                    issues=agreement.issues,
                    responsibility=agreement.responsibility,
                    terms=agreement.terms,
                    performance_manner=agreement.performance_manner,
                    performance_place=agreement.performance_place,
                    mediator_names=agreement.mediator_names,
                    obligations=[ObligationData(o.obligor, o.content, o.due_on) for o in obligations],
                )
            )
        except ValidationError as error:
            raise TransitionRefused(
                _("协议书内容不完整，请先编辑补全（须有履行方式、地点和至少一项履行义务）。")
            ) from error
        if agreement.supersedes_id is not None:
            agreement.number = agreement.supersedes.number
        else:
            agreement.number = _next_number(agreement, signed_on.year)
        agreement.status, agreement.signed_on = Agreement.Status.FINAL, signed_on
        agreement.finalized_by, agreement.finalized_at = by, timezone.now()
        agreement._history_user = by
        agreement.save()
        FollowUp.objects.bulk_create(
            FollowUp(obligation=o, due_on=o.due_on + timedelta(days=FOLLOW_UP_AFTER_DAYS)) for o in obligations
        )
        _event(
            case,
            by,
            _("人民调解协议书（第%(v)d版）签订生效") % {"v": agreement.version},
            mediation="finalize",
            agreement=agreement.pk,
        )
    return agreement


def correct_agreement(*, agreement: Agreement, by: User, reason: str) -> Agreement:
    """A final agreement is never edited: the correction is a new draft version that supersedes it."""
    if not reason.strip():
        raise ValidationError({"reason": _("请写明更正原因。")})
    with transaction.atomic():
        case = _lock_case(agreement.case)
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if not rules.may_mediate(case, by):
            raise TransitionRefused(_("您无权对该案件进行此操作。"))
        if not agreement.is_final:
            raise TransitionRefused(_("草稿可以直接编辑，无需更正。"))
        if Agreement.objects.filter(supersedes=agreement).exists() or case.agreements.filter(status="draft").exists():
            raise TransitionRefused(_("该协议书已有更正版本。"))
        latest = case.agreements.aggregate(v=Max("version"))["v"]
        new = Agreement.objects.create(
            case=case,
            organisation=agreement.organisation,
            session=agreement.session,
            version=latest + 1,
            supersedes=agreement,
            correction_reason=reason.strip(),
            facts=agreement.facts,
            issues=agreement.issues,
            responsibility=agreement.responsibility,
            terms=agreement.terms,
            performance_manner=agreement.performance_manner,
            performance_place=agreement.performance_place,
            performance_deadline=agreement.performance_deadline,
            mediator_names=agreement.mediator_names,
            created_by=by,
        )
        Obligation.objects.bulk_create(
            Obligation(agreement=new, obligor=o.obligor, content=o.content, due_on=o.due_on)
            for o in agreement.obligations.all()
        )
        _event(
            case,
            by,
            _("更正调解协议书，制作第%(v)d版：%(r)s") % {"v": new.version, "r": reason.strip()},
            mediation="correct",
            agreement=new.pk,
        )
    return new


# --- Performance and judicial confirmation --------------------------------------------------------


def record_follow_up(*, follow_up: FollowUp, by: User, result: str, note: str) -> FollowUp:
    """回访: whether the duty was performed; non-performance is recorded and the parties told of
    judicial confirmation or litigation (若干规定 Art. 39)."""
    if result not in FollowUp.Result.values:
        raise ValidationError({"result": _("请选择履行情况。")})
    if result != FollowUp.Result.PERFORMED and not note.strip():
        raise ValidationError({"note": _("未（完全）履行的，请写明情况及告知当事人的救济途径。")})
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().select_related("obligation__agreement").get(pk=follow_up.pk)
        case = _lock_case(follow_up.obligation.agreement.case)
        if not rules.may_mediate(case, by):
            raise TransitionRefused(_("您无权对该案件进行此操作。"))
        if follow_up.done_at is not None:
            raise TransitionRefused(_("该回访已记录。"))
        follow_up.done_at, follow_up.done_by = timezone.now(), by
        follow_up.result, follow_up.note = result, note.strip()
        follow_up.save(update_fields=["done_at", "done_by", "result", "note"])
        _event(
            case,
            by,
            _("履行回访（%(o)s）：%(r)s") % {"o": follow_up.obligation.content, "r": follow_up.get_result_display()},
            mediation="follow_up",
            result=result,
        )
    return follow_up


def apply_confirmation(*, agreement: Agreement, by: User, court: str, applied_on: date) -> Confirmation:
    """司法确认 application: within 30 days of the agreement taking effect (人民调解法 Art. 33)."""
    errors = {}
    if not court.strip():
        errors["court"] = _("请填写受理法院。")
    if applied_on > timezone.localdate():
        errors["applied_on"] = _("申请日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _lock_case(agreement.case)
        agreement = Agreement.objects.get(pk=agreement.pk)
        if not rules.may_mediate(case, by):
            raise TransitionRefused(_("您无权对该案件进行此操作。"))
        if not agreement.is_final:
            raise TransitionRefused(_("协议书生效后才能申请司法确认。"))
        if Agreement.objects.filter(supersedes=agreement).exists():
            raise TransitionRefused(_("该版本已被更正，请就最新版本申请司法确认。"))
        if Confirmation.objects.filter(agreement=agreement).exists():
            raise TransitionRefused(_("该协议书已申请司法确认。"))
        if applied_on < agreement.signed_on:
            raise ValidationError({"applied_on": _("申请日期不能早于协议生效日期。")})
        if applied_on > agreement.confirmation_deadline:
            raise ValidationError(
                {
                    "applied_on": _("已超过申请期限：应自协议生效之日起三十日内（%(d)s 前）申请司法确认。")
                    % {"d": agreement.confirmation_deadline}
                }
            )
        confirmation = Confirmation.objects.create(
            agreement=agreement, court=court.strip(), applied_on=applied_on, recorded_by=by
        )
        _event(case, by, _("向%(c)s申请司法确认") % {"c": court.strip()}, mediation="confirmation")
    return confirmation


def decide_confirmation(
    *, confirmation: Confirmation, by: User, decision: str, decided_on: date, note: str = ""
) -> Confirmation:
    if decision not in (Confirmation.Decision.CONFIRMED, Confirmation.Decision.REJECTED):
        raise ValidationError({"decision": _("请选择法院的裁定结果。")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("裁定日期不能晚于今天。")})
    with transaction.atomic():
        confirmation = Confirmation.objects.select_for_update().select_related("agreement").get(pk=confirmation.pk)
        case = _lock_case(confirmation.agreement.case)
        if not rules.may_mediate(case, by):
            raise TransitionRefused(_("您无权对该案件进行此操作。"))
        if confirmation.decision != Confirmation.Decision.PENDING:
            raise TransitionRefused(_("法院裁定已登记。"))
        if decided_on < confirmation.applied_on:
            raise ValidationError({"decided_on": _("裁定日期不能早于申请日期。")})
        confirmation.decision, confirmation.decided_on, confirmation.note = decision, decided_on, note.strip()
        confirmation.save(update_fields=["decision", "decided_on", "note"])
        _event(case, by, _("司法确认：%(d)s") % {"d": confirmation.get_decision_display()}, mediation="confirmation")
    return confirmation


# --- Ending ------------------------------------------------------------------------------------------


def fail_mediation(*, case: Case, by: User, reason: str, routes: Sequence[str], version: int | None) -> Case:
    """调解不成: the reason and the routes the parties were told of; the case's closure report
    (办结反馈, outcome 调解不成功) is made in the same transaction by disputes' own step."""
    errors = {}
    if not reason.strip():
        errors["reason"] = _("请写明调解不成的原因。")
    if not routes:
        errors["routes"] = _("请选择已告知当事人的解决途径（仲裁、行政、诉讼或法院诉前调解）。")
    elif any(r not in FAILURE_ROUTES for r in routes):
        errors["routes"] = _("解决途径不正确。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock_case(case)
        mediation = Mediation.objects.select_for_update().filter(case=locked).first()
        has_final = locked.agreements.filter(status=Agreement.Status.FINAL).exists()
        if not rules.may_end_unsettled(locked, by, has_mediation=mediation is not None, has_final=has_final):
            if not rules.may_mediate(locked, by) or locked.status != Status.IN_PROGRESS:
                raise TransitionRefused(_("只有承办该案件的调解员可以终止调解（案件须在办理中）。"))
            if mediation is None:
                raise TransitionRefused(_("请先指派调解员。"))
            raise TransitionRefused(_("已签订调解协议书的案件不能以调解不成结束。"))
        labels = "、".join(str(Route(r).label).removeprefix("引导") for r in routes)
        summary = _("调解不成：%(reason)s。已告知当事人可通过%(routes)s途径解决。") % {
            "reason": reason.strip().rstrip("。"),
            "routes": labels,
        }
        case = case_services.report_case(
            case=locked, by=by, outcome=Outcome.FAILED, routes=list(routes), summary=summary, version=version
        )
        mediation.failed_at, mediation.failure_reason = timezone.now(), reason.strip()
        mediation.save(update_fields=["failed_at", "failure_reason"])
    return case


# --- Subsidy rates ----------------------------------------------------------------------------------


def set_subsidy_rate(
    *, by: User, difficulty: str, category: Category | None, amount: Decimal, valid_from: date
) -> SubsidyRate:
    errors = {}
    if amount is None or amount < 0:
        errors["amount"] = _("补贴标准不能为负数。")
    if difficulty not in Difficulty.values:
        errors["difficulty"] = _("请选择难易程度。")
    if errors:
        raise ValidationError(errors)
    if not rules.may_set_subsidy_rates(by):
        raise TransitionRefused(_("补贴标准由县司法局确定，您无权设定。"))
    with transaction.atomic():
        rate, _created = SubsidyRate.objects.update_or_create(
            difficulty=difficulty, category=category, valid_from=valid_from, defaults={"amount": amount, "set_by": by}
        )
    return rate


# --- The roster (调解员名册) -------------------------------------------------------------------------


@dataclass
class MediatorData:
    name: str
    phone: str = ""
    employment: str = Mediator.Employment.PART_TIME
    background: str = Mediator.Background.OTHER
    certificate_no: str = ""
    is_active: bool = True
    specialties: Sequence[Category] = ()


def _check_roster(org: Organisation, by: User) -> None:
    if not rules.may_manage_roster(org, by):
        raise TransitionRefused(_("只有该调解组织所在辖区的综治中心可以维护调解员名册。"))


def add_mediator(*, org: Organisation, by: User, data: MediatorData, role: str) -> Mediator:
    """A new mediator joins the organisation with a role (主任, 委员, 调解员)."""
    _check_roster(org, by)
    if not data.name.strip():
        raise ValidationError({"name": _("请填写调解员姓名。")})
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("请选择在本组织的职务。")})
    with transaction.atomic():
        mediator = Mediator(
            name=data.name.strip(),
            phone=data.phone.strip(),
            employment=data.employment,
            background=data.background,
            certificate_no=data.certificate_no.strip(),
            is_active=data.is_active,
        )
        mediator._history_user = by
        mediator.save()
        mediator.specialties.set(data.specialties)
        membership = Membership(organisation=org, mediator=mediator, role=role)
        membership._history_user = by
        membership.save()
    return mediator


def update_mediator(*, org: Organisation, mediator: Mediator, by: User, data: MediatorData, role: str) -> Mediator:
    _check_roster(org, by)
    if not data.name.strip():
        raise ValidationError({"name": _("请填写调解员姓名。")})
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("请选择在本组织的职务。")})
    with transaction.atomic():
        mediator = Mediator.objects.select_for_update().get(pk=mediator.pk)
        membership = Membership.objects.select_for_update().get(organisation=org, mediator=mediator)
        mediator.name, mediator.phone = data.name.strip(), data.phone.strip()
        mediator.employment, mediator.background = data.employment, data.background
        mediator.certificate_no, mediator.is_active = data.certificate_no.strip(), data.is_active
        mediator._history_user = by
        mediator.save()
        mediator.specialties.set(data.specialties)
        if membership.role != role:
            membership.role = role
            membership._history_user = by
            membership.save(update_fields=["role"])
    return mediator


def add_training(
    *,
    org: Organisation,
    mediator: Mediator,
    by: User,
    on: date,
    title: str,
    organiser: str,
    hours: int,
    certificate: str,
) -> Training:
    """A training record (培训记录) or certificate of one of the organisation's mediators."""
    _check_roster(org, by)
    errors = {}
    if on > timezone.localdate():
        errors["date"] = _("培训日期不能晚于今天。")
    if not title.strip():
        errors["title"] = _("请填写培训内容。")
    if errors:
        raise ValidationError(errors)
    if not Membership.objects.filter(organisation=org, mediator=mediator).exists():
        raise TransitionRefused(_("该调解员不属于本组织。"))
    training = Training(
        mediator=mediator,
        date=on,
        title=title.strip(),
        organiser=organiser.strip(),
        hours=hours,
        certificate=certificate.strip(),
    )
    training._history_user = by
    training.save()
    return training
