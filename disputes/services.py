"""What each step of a case does. One function per step: inside one transaction it locks the
case, checks the transition's guard (state, person, conditions) and the step's own rules,
writes the new state, the timeline event and history, and queues notices on commit.

Views, tasks and commands call these; nothing else calls a transition or writes `status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm
from simple_history.utils import bulk_create_with_history

from disputes import citizen
from disputes.deadlines import (
    handle_due_from_events,
    limit_for,
    petition_cap,
    petition_extended_cap,
    statutory_cap,
)
from disputes.key_persons import mark_repeat_parties
from disputes.models import (
    DIRECT_CHANNELS,
    OPEN_STATUSES,
    SETTLE_CHANNELS,
    Attachment,
    Case,
    CaseEvent,
    CaseSequence,
    Category,
    Channel,
    ExtensionRequest,
    Hold,
    Outcome,
    Party,
    RejectReason,
    RiskLevel,
    Route,
    Satisfaction,
    Stage,
    Status,
    Supervision,
    VisitMethod,
)
from disputes.workorders import on_step
from governance.crypto import blind_index
from governance.models import Notification, Unit, User
from governance.uploads import display_name, sniff, stored_name
from grids.models import Grid, Region

DUPLICATE_WINDOW_DAYS = 90


class TransitionRefused(Exception):
    """The step cannot be taken: the message says why, in words for the person who tried."""


# --- Guards --------------------------------------------------------------------------------


def _lock(case: Case, version: int | None) -> Case:
    """Re-read the case under a row lock; a stale form (another person moved it) is refused."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("township", "lead_unit", "intake_unit")
        .get(pk=case.pk)
    )
    if version is not None and locked.version != version:
        raise TransitionRefused(
            _("案件已被他人处理（当前状态：%(status)s），您看到的页面已过期，请刷新后再操作。")
            % {"status": locked.get_status_display()}
        )
    return locked


def _guard(case: Case, method, user: User, *, condition_message: str = "") -> None:
    meta = method._django_fsm
    state = case.status
    if not meta.has_transition(state):
        raise TransitionRefused(
            _("案件当前状态为“%(status)s”，不能进行此操作（可能已被他人处理，请刷新页面）。")
            % {"status": case.get_status_display()}
        )
    if not meta.has_transition_perm(case, state, user):
        raise TransitionRefused(_("您无权对该案件进行此操作。"))
    if not meta.conditions_met(case, state):
        raise TransitionRefused(condition_message or _("案件信息不完整，不能进行此操作。"))


def _record(
    case: Case, action: str, by: User | None, from_status: str = "", note: str = "", *, at=None, **data
) -> CaseEvent:
    """The timeline's step; `at` when the step has a time of its own on the case (分流时间), so
    that the two agree to the microsecond."""
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        at=at or timezone.now(),
        actor=by,
        actor_unit_id=by.unit_id if by is not None else None,
        from_status=from_status,
        # A step that moved the case names both states; a submission names where it arrived.
        to_status=case.status if from_status or action == CaseEvent.Action.SUBMIT else "",
        note=note,
        data=data,
    )
    # A step the case's source system (12345, 110 …) wants to hear about becomes, in this same
    # transaction, a callback row that the beat sends (disputes/workorders.py).
    on_step(case, event)
    return event


def _due_data(case: Case) -> str:
    """The handling deadline in effect after a step, as the steps that set or move it record it
    (`handle_due`, deadlines.DEADLINE_STEPS): an ISO date, "" when none. The daily statistics read
    在办超期 and 红牌 of any past day from these (disputes/stats.py)."""
    return case.handle_due.isoformat() if case.handle_due else ""


def _recount_due(case: Case, step: CaseEvent) -> None:
    """After a step that moves the deadline by the timeline (恢复计时, 批准延期): recompute it with
    the step, keep it on the case and record it on the step."""
    case.handle_due = handle_due_from_events(case.events.order_by("at", "id"))
    step.data["handle_due"] = _due_data(case)
    step.save(update_fields=["data"])


def _save(case: Case, by: User | None, fields: Iterable[str]) -> None:
    case.version = F("version") + 1
    case._history_user = by
    case.save(update_fields=[*fields, "status", "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def _notify_unit(unit: Unit | None, title: str, case: Case, body: str = "") -> None:
    if unit is None:
        return
    url = reverse("disputes-detail", args=[case.number])
    transaction.on_commit(lambda: Notification.objects.create(unit=unit, title=title, body=body, url=url))


# --- Intake ----------------------------------------------------------------------------------


@dataclass
class PartyData:
    role: str
    name: str
    kind: str = Party.Kind.PERSON
    id_number: str = ""
    phone: str = ""
    address: str = ""


@dataclass
class SettleData:
    """当场化解 at intake: the result recorded with the case (settle_case)."""

    outcome: str
    summary: str
    routes: Sequence[str] = ()


@dataclass
class IntakeData:
    channel: str
    township: Region
    summary: str
    parties: Sequence[PartyData]
    village: Region | None = None
    grid: Grid | None = None
    place: str = ""
    category: Category | None = None
    risk_level: RiskLevel | None = None
    people_involved: int = 2
    amount: Decimal | None = None
    demands: str = ""
    source_ref: str = ""
    may_turn_criminal: bool = False
    major_emergency: bool = False
    received_at: timezone.datetime | None = None
    attachments: Sequence[tuple[UploadedFile, str]] = field(default_factory=list)
    settle: SettleData | None = None  # 当场化解: closed in the same transaction as its intake


def next_case_number(township: Region, year: int) -> str:
    """年份-镇街序号-流水号, e.g. 2026-001-00042. The sequence row is locked, so two clerks
    registering at the same moment never get the same number."""
    sequence, _created = CaseSequence.objects.select_for_update().get_or_create(township=township, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{year}-{township.code[6:9]}-{sequence.last:05d}"


def find_duplicates(
    *, id_numbers: Iterable[str], phones: Iterable[str], grid: Grid | None, category: Category | None
) -> QuerySet[Case]:
    """Open cases of the last 90 days with the same party (ID or phone) or the same grid and category."""
    return _duplicates(
        id_indexes=[blind_index(v) for v in id_numbers if v],
        phone_indexes=[blind_index(v) for v in phones if v],
        grid=grid,
        category=category,
    )


def duplicates_of(case: Case) -> QuerySet[Case]:
    """The desk's duplicate warning for a case that arrived as a submission (网上/扫码, 网格上报):
    the other open cases the same rule finds, shown to the center on the case before it accepts.
    Reads the case's prefetched parties."""
    parties = list(case.parties.all())
    return _duplicates(
        id_indexes=[p.id_number_index for p in parties if p.id_number_index],
        phone_indexes=[p.phone_index for p in parties if p.phone_index],
        grid=case.grid,
        category=case.category,
    ).exclude(pk=case.pk)


def _duplicates(
    *, id_indexes: list[str], phone_indexes: list[str], grid: Grid | None, category: Category | None
) -> QuerySet[Case]:
    since = timezone.now() - timedelta(days=DUPLICATE_WINDOW_DAYS)
    same = Q(pk__in=[])
    if id_indexes:
        same |= Q(pk__in=Party.objects.filter(id_number_index__in=id_indexes).values("case_id"))
    if phone_indexes:
        same |= Q(pk__in=Party.objects.filter(phone_index__in=phone_indexes).values("case_id"))
    if grid is not None and category is not None:
        same |= Q(grid=grid, category=category)
    return (
        Case.objects.filter(same, status__in=OPEN_STATUSES, received_at__gte=since)
        .select_related("category", "township")
        .order_by("-received_at")
    )


def _check_place(data: IntakeData) -> None:
    errors = {}
    if data.township.level != Region.Level.TOWNSHIP:
        errors["township"] = _("请选择镇（街道）。")
    if data.village is not None and data.village.parent_id != data.township.pk:
        errors["village"] = _("所选村（社区）不属于该镇（街道）。")
    if data.grid is not None and (data.village is None or data.grid.village_id != data.village.pk):
        errors["grid"] = _("所选网格不属于该村（社区）。")
    if errors:
        raise ValidationError(errors)


def intake_case(*, by: User, data: IntakeData) -> Case:
    """统一受理: register a walk-in, call or letter at once; anything else waits for acceptance."""
    from disputes.rules import may_take_in

    if not may_take_in(by, data.township):
        raise TransitionRefused(_("只能登记本辖区的矛盾纠纷。"))
    if data.settle is None:
        return _create_case(by=by, data=data, intake_unit=by.unit)
    if data.channel not in SETTLE_CHANNELS:  # said before anything is saved (rules.is_settled_at_desk)
        raise ValidationError({"settled": _("只有来访、来电可以当场化解；其他渠道的纠纷登记后受理、分流。")})
    _check_result(data.settle.outcome, data.settle.routes, data.settle.summary, SETTLE_OUTCOMES)
    with transaction.atomic():  # registered and settled, or neither
        case = _create_case(by=by, data=data, intake_unit=by.unit)
        settled = data.settle
        return settle_case(
            case=case,
            by=by,
            outcome=settled.outcome,
            routes=settled.routes,
            summary=settled.summary,
            version=case.version,
        )


def submit_grid_issue(*, by: User, grid: Grid, summary: str, category: Category | None = None, **extra) -> Case:
    """网格上报: a grid worker reports what they found in their grid; it waits for the township
    center to accept it."""
    from disputes.rules import may_report_from_grid

    if not may_report_from_grid(by, grid):
        raise TransitionRefused(_("只能上报本人负责网格内的矛盾纠纷。"))
    village = grid.village
    township = village.parent
    center = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP_CENTER, region=township, is_active=True).first()
    if center is None:
        raise TransitionRefused(_("所在镇（街道）尚未设立综治中心，无法上报。"))
    data = IntakeData(
        channel=Channel.GRID,
        township=township,
        village=village,
        grid=grid,
        summary=summary,
        category=category,
        parties=extra.pop("parties", ()),
        **extra,
    )
    return _create_case(by=by, data=data, intake_unit=center)


def register_reported_dispute(
    *, by: User, village: Region, grid: Grid | None, summary: str, category: Category | None
) -> Case:
    """A dispute listed in a zero-report, turned into a case by the center in one step."""
    from disputes.rules import may_take_in

    township = village.parent
    if not may_take_in(by, township):
        raise TransitionRefused(_("只能登记本辖区的矛盾纠纷。"))
    data = IntakeData(
        channel=Channel.GRID,
        township=township,
        village=village,
        grid=grid,
        summary=summary,
        category=category,
        parties=(),
    )
    return _create_case(by=by, data=data, intake_unit=by.unit)


def register_visit_issue(
    *,
    by: User,
    township: Region,
    village: Region,
    summary: str,
    category: Category | None,
    channel: str,
    parties: Sequence[PartyData],
    source_ref: str = "",
    received_at: timezone.datetime | None = None,
) -> Case:
    """An issue a leader heard on a night visit or reception day, turned into a case in one step
    (visits/services.py checks who may); the township center of the place takes it in."""
    center = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP_CENTER, region=township, is_active=True).first()
    if center is None:
        raise TransitionRefused(_("所在镇（街道）尚未设立综治中心，无法转为案件。"))
    data = IntakeData(
        channel=channel,
        township=township,
        village=village,
        summary=summary,
        category=category,
        parties=parties,
        source_ref=source_ref,
        received_at=received_at,
    )
    return _create_case(by=by, data=data, intake_unit=center)


def register_online_question(
    *, by: User, township: Region, village: Region | None, summary: str, applicant: PartyData, intake_unit: Unit
) -> Case:
    """网上咨询 turned into a dispute (disputes/consultations.py): a submission on the channel
    网上/扫码, waiting for the center to accept it like any online report."""
    from disputes.rules import may_take_in

    if not may_take_in(by, township):
        raise TransitionRefused(_("只能登记本辖区的矛盾纠纷。"))
    data = IntakeData(channel=Channel.ONLINE, township=township, village=village, summary=summary, parties=[applicant])
    return _create_case(by=by, data=data, intake_unit=intake_unit)


def take_in_citizen_report(*, data: IntakeData, intake_unit: Unit) -> Case:
    """网上/扫码: a citizen's own report (码上办, disputes/citizen_intake.py decides the place, the
    center and what the citizen may send). Registered by nobody; it waits for acceptance."""
    if data.channel != Channel.ONLINE or data.settle is not None:
        raise ValueError("a citizen's report is an online submission")
    return _create_case(by=None, data=data, intake_unit=intake_unit)


def register_work_order(*, source, data: IntakeData) -> Case:
    """A work order from another system (disputes/workorders.py), waiting in 待受理 at the
    source's center like any submission; nobody of ours registered it."""
    return _create_case(by=None, data=data, intake_unit=source.center)


def _create_case(*, by: User | None, data: IntakeData, intake_unit: Unit) -> Case:
    """The one intake every path shares. `by` is None for a citizen's own report (码上办,
    disputes/citizen_intake.py): nobody registered it, its events have no actor."""
    _check_place(data)
    if data.channel != Channel.GRID and not any(p.role == Party.Role.APPLICANT for p in data.parties):
        raise ValidationError(_("请至少填写一名申请人。"))
    direct = data.channel in DIRECT_CHANNELS
    with transaction.atomic():
        received = data.received_at or timezone.now()
        case = Case(
            number=next_case_number(data.township, timezone.localtime(received).year),
            channel=data.channel,
            source_ref=data.source_ref,
            received_at=received,
            intake_unit=intake_unit,
            registered_by=by,
            township=data.township,
            village=data.village,
            grid=data.grid,
            place=data.place,
            category=data.category,
            risk_level=data.risk_level,
            people_involved=data.people_involved,
            amount=data.amount,
            summary=data.summary,
            demands=data.demands,
            may_turn_criminal=data.may_turn_criminal,
            major_emergency=data.major_emergency,
        )
        if direct:
            case.accept()  # registered at the desk: the submission and acceptance are one act
        case._history_user = by
        case.save()
        _record(
            case,
            CaseEvent.Action.REGISTER if direct else CaseEvent.Action.SUBMIT,
            by,
            Status.SUBMITTED if direct else "",
        )
        _add_parties(case, data.parties)
        for upload, kind in data.attachments:
            store_attachment(case, by, upload, kind)
        _raise_flags(case, by)
    return case


def _add_parties(case: Case, parties: Sequence[PartyData]) -> None:
    rows = []
    for data in parties:
        party = Party(case=case, role=data.role, kind=data.kind, name=data.name, address=data.address)
        party.set_identifiers(id_number=data.id_number, phone=data.phone)
        rows.append(party)
    bulk_create_with_history(rows, Party)
    mark_repeat_parties(case, rows)


def _raise_flags(case: Case, by: User | None) -> None:
    """人民调解法 Art. 25: a dispute that may turn into a public-order or criminal case is notified
    to the police at once; group (5+) and 重大紧急 disputes are reported to the county at once."""
    if case.may_turn_criminal:
        police = (
            Unit.objects.filter(sector=Unit.Sector.POLICE, region=case.township, is_active=True).first()
            or Unit.objects.filter(sector=Unit.Sector.POLICE, region__level=Region.Level.COUNTY, is_active=True).first()
        )
        if police is not None:
            _record(case, CaseEvent.Action.NOTIFY_POLICE, by, note=police.name, unit=police.pk)
            _notify_unit(police, _("可能激化的矛盾纠纷：%(n)s") % {"n": case.number}, case, case.summary[:200])
    if case.must_report_upward:
        center = Unit.objects.filter(kind=Unit.Kind.COUNTY_CENTER, is_active=True).first()
        # Not to the county center when it took the case in itself (its clerk, or its poster).
        taken_by = by.unit_id if by is not None else case.intake_unit_id
        if center is not None and center.pk != (taken_by or 0):
            _record(case, CaseEvent.Action.REPORT_UPWARD, by, note=center.name, unit=center.pk)
            _notify_unit(center, _("群体性或重大紧急矛盾纠纷：%(n)s") % {"n": case.number}, case, case.summary[:200])


ALLOWED_UPLOADS = {
    "image/jpeg",
    "image/png",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "audio/mpeg",
    "audio/x-wav",
}


def check_upload(upload: UploadedFile) -> str:
    """The file's real type, from its content (not its name); refuse what is not allowed
    (governance/uploads.py: the extension must match the content, archives are bounded)."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”有 %(size).1f MB，超过了 %(limit)d MB 的上限。")
            % {"name": display_name(upload.name), "size": upload.size / 1048576, "limit": limit // 1048576}
        )
    return sniff(
        upload,
        ALLOWED_UPLOADS,
        _("文件“%(name)s”的类型不支持。可上传图片（JPG、PNG）、PDF、Word、Excel 或录音（MP3、WAV）。"),
    )


def store_attachment(case: Case, by: User | None, upload: UploadedFile, kind: str, mime: str = "") -> Attachment:
    """Keep an upload on the case; `mime` when the caller has already checked it (a citizen's
    photo, check_citizen_photo), else it is checked here (check_upload)."""
    mime = mime or check_upload(upload)
    attachment = Attachment(
        case=case,
        kind=kind,
        original_name=display_name(upload.name),
        size=upload.size,
        content_type=mime,
        uploaded_by=by,
    )
    # Stored under a short random name (a 300-character name would not fit the file system or
    # the column); the name the person gave is kept, shortened, for display and download.
    attachment.file.save(stored_name(mime), upload, save=False)
    attachment._history_user = by
    attachment.save()
    return attachment


def add_attachment(*, case: Case, by: User, upload: UploadedFile, kind: str) -> Attachment:
    from disputes.rules import may_add_materials

    if not may_add_materials(case, by):
        raise TransitionRefused(_("您无权为该案件上传材料。"))
    with transaction.atomic():
        attachment = store_attachment(case, by, upload, kind)
        _record(case, CaseEvent.Action.ATTACH, by, note=attachment.original_name)
    return attachment


# --- The workflow ------------------------------------------------------------------------------


def accept_case(*, case: Case, by: User, category: Category, risk_level: RiskLevel, version: int | None) -> Case:
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.accept, by)
        before = case.status
        case.category, case.risk_level, case.registered_by = category, risk_level, by
        case.accept()
        _save(case, by, ["category", "risk_level", "registered_by"])
        _record(case, CaseEvent.Action.ACCEPT, by, before)
        if case.channel == Channel.ONLINE:
            citizen.tell_accepted(case)
    return case


def reject_case(*, case: Case, by: User, reason: str, route: str, version: int | None) -> Case:
    if reason not in RejectReason.values:
        raise ValidationError({"reason": _("请选择不予受理的理由。")})
    if not route.strip():
        raise ValidationError({"route": _("请写明告知当事人的解决途径。")})
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.reject, by)
        before = case.status
        case.reject_reason, case.reject_route = reason, route.strip()
        case.reject()
        _save(case, by, ["reject_reason", "reject_route"])
        _record(case, CaseEvent.Action.REJECT, by, before, note=route.strip(), reason=reason)
        if case.channel == Channel.ONLINE:
            citizen.tell_rejected(case)
    return case


def dispatch_case(
    *,
    case: Case,
    by: User,
    lead_unit: Unit,
    co_units: Sequence[Unit] = (),
    due: date,
    note: str = "",
    version: int | None,
) -> Case:
    """中心吹哨: hand the case to its lead unit (and co-handling units) with a deadline."""
    errors = {}
    if due <= timezone.localdate():
        errors["due"] = _("办理期限须晚于今天。")
    if not lead_unit.is_active:
        errors["lead_unit"] = _("该单位已停用。")
    if any(unit.pk == lead_unit.pk for unit in co_units):
        errors["co_units"] = _("协办单位不能与主办单位相同。")
    cap = statutory_cap(timezone.localdate(), lead_unit)
    if cap is not None and due > cap[0]:
        errors["due"] = _("转办给%(unit)s的，办理期限不得晚于 %(date)s（%(citation)s：%(name)s）。") % {
            "unit": lead_unit.name,
            "date": cap[0],
            "citation": cap[1].citation,
            "name": cap[1].name,
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.dispatch, by, condition_message=_("请先确定纠纷类别和风险等级，再分流。"))
        petition = petition_cap(case, _accepted_on(case))
        if petition is not None and due > petition[0]:
            raise ValidationError(
                {
                    "due": _("信访事项应自受理之日起%(n)d日内办结，办理期限不得晚于 %(date)s（%(citation)s）。")
                    % {"n": petition[1].amount, "date": petition[0], "citation": petition[1].citation}
                }
            )
        before = case.status
        case.lead_unit, case.handle_due, case.dispatched_at = lead_unit, due, timezone.now()
        case.sign_due = limit_for(case, Stage.SIGN).deadline(case.dispatched_at)
        case.signed_at = None
        case.dispatch()
        _save(case, by, ["lead_unit", "handle_due", "dispatched_at", "signed_at", "sign_due"])
        case.co_units.set(co_units)
        _record(
            case,
            CaseEvent.Action.DISPATCH,
            by,
            before,
            note=note,
            at=case.dispatched_at,
            lead_unit=lead_unit.name,
            co_units=[u.name for u in co_units],
            due=due.isoformat(),
            # The sign limit of this dispatch, so 及时签收 can be counted from the timeline.
            sign_due=case.sign_due.isoformat() if case.sign_due else "",
            handle_due=_due_data(case),
        )
        _notify_unit(lead_unit, _("新转办案件：%(n)s，请及时签收") % {"n": case.number}, case)
        for unit in co_units:
            _notify_unit(unit, _("协办案件：%(n)s") % {"n": case.number}, case)
    return case


def _accepted_on(case: Case) -> date:
    """The day the case was last taken in for handling (受理, a desk registration, or a reopen):
    a 信访 case's 60 days run from it."""
    taken_in = (
        case.events.filter(action__in=[CaseEvent.Action.ACCEPT, CaseEvent.Action.REGISTER, CaseEvent.Action.REOPEN])
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localtime(taken_in).date() if taken_in else timezone.localdate()


def sign_case(*, case: Case, by: User, version: int | None) -> Case:
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.sign, by)
        before = case.status
        case.signed_at = timezone.now()
        case.sign()
        _save(case, by, ["signed_at"])
        _record(case, CaseEvent.Action.SIGN, by, before)
    return case


def return_case(*, case: Case, by: User, reason: str, version: int | None) -> Case:
    if not reason.strip():
        raise ValidationError({"reason": _("请写明退回理由。")})
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.return_to_center, by)
        before, unit = case.status, case.lead_unit
        _end_pause(case, by)
        case.lead_unit, case.handle_due, case.signed_at, case.dispatched_at = None, None, None, None
        case.sign_due = None
        case.return_to_center()
        _save(case, by, ["lead_unit", "handle_due", "signed_at", "dispatched_at", "sign_due"])
        case.co_units.clear()
        _record(
            case,
            CaseEvent.Action.RETURN,
            by,
            before,
            note=reason.strip(),
            unit=unit.name if unit else "",
            handle_due=_due_data(case),
        )
        _notify_unit(case.intake_unit, _("案件被退回：%(n)s") % {"n": case.number}, case, reason.strip())
    return case


# --- Pausing the handling clock -----------------------------------------------------------------


def pause_clock(*, case: Case, by: User, reason: str, note: str, version: int | None) -> Case:
    """暂停计时 while the unit waits for a party's materials or an appraisal; the time it waits
    is added to the deadline when the clock resumes."""
    if reason not in (Hold.MATERIALS, Hold.APPRAISAL):
        raise ValidationError({"reason": _("请选择暂停计时的原因。")})
    if not note.strip():
        raise ValidationError({"note": _("请写明等待的材料或鉴定事项。")})
    with transaction.atomic():
        case = _lock(case, version)
        _guard_hold(case, case.pause, by, _("只有办理中的案件才能暂停计时。"))
        case.pause(reason)
        _save(case, by, ["hold"])
        _record(case, CaseEvent.Action.PAUSE, by, note=note.strip(), reason=reason)
        _notify_unit(
            case.intake_unit, _("案件暂停计时：%(n)s（%(r)s）") % {"n": case.number, "r": Hold(reason).label}, case
        )
    return case


def resume_clock(*, case: Case, by: User, note: str = "", version: int | None) -> Case:
    with transaction.atomic():
        case = _lock(case, version)
        _guard_hold(case, case.resume, by, "")
        case.resume()
        _recount_due(case, _record(case, CaseEvent.Action.RESUME, by, note=note.strip()))
        _save(case, by, ["hold", "handle_due"])
    return case


def _end_pause(case: Case, by: User) -> None:
    """A case reported or returned while paused stops waiting: the clock no longer matters."""
    if case.hold != Hold.RUNNING:
        case.resume()
        # The deadline stays as it was: the clock no longer matters once the case is reported or returned.
        _record(case, CaseEvent.Action.RESUME, by, note=_("办结或退回，结束暂停"), handle_due=_due_data(case))
        _save(case, by, ["hold"])


def _guard_hold(case: Case, method, user: User, condition_message: str) -> None:
    meta = method._django_fsm
    if not meta.has_transition(case.hold):
        raise TransitionRefused(
            _("案件计时状态为“%(hold)s”，不能进行此操作（请刷新页面）。") % {"hold": case.get_hold_display()}
        )
    if not meta.has_transition_perm(case, case.hold, user):
        raise TransitionRefused(_("您无权对该案件进行此操作。"))
    if not meta.conditions_met(case, case.hold):
        raise TransitionRefused(condition_message)


def add_progress(*, case: Case, by: User, note: str) -> CaseEvent:
    """办理进展 by the lead unit or a co-handling unit (rules.may_add_progress)."""
    from disputes.rules import is_handling_staff, may_add_progress

    if not note.strip():
        raise ValidationError({"note": _("请填写办理进展。")})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not may_add_progress(case, by):
            if is_handling_staff(case, by):  # the right unit at the wrong moment
                raise TransitionRefused(_("只有办理中的案件可以填写进展（请先签收）。"))
            raise TransitionRefused(_("您无权对该案件进行此操作。"))
        return _record(case, CaseEvent.Action.PROGRESS, by, note=note.strip())


def report_case(
    *, case: Case, by: User, outcome: str, routes: Sequence[str], summary: str, version: int | None
) -> Case:
    """办结反馈. A mediation that does not settle everything says where the parties are guided."""
    _check_result(outcome, routes, summary, Outcome.values)
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.report, by)
        _end_pause(case, by)
        before = case.status
        case.outcome, case.routes = outcome, ",".join(routes)
        case.outcome_summary, case.reported_at = summary.strip(), timezone.now()
        case.report()
        _save(case, by, ["outcome", "routes", "outcome_summary", "reported_at"])
        _record(case, CaseEvent.Action.REPORT, by, before, note=summary.strip(), outcome=outcome, routes=list(routes))
    return case


def _check_result(outcome: str, routes: Sequence[str], summary: str, outcomes: Sequence[str]) -> None:
    """The result of a closure (办结反馈, 当场化解): an outcome, where the parties are guided when it
    did not settle everything, and what was done."""
    errors = {}
    if outcome not in outcomes:
        errors["outcome"] = _("请选择化解结果。")
    if outcome in (Outcome.PARTIAL, Outcome.FAILED) and not routes:
        errors["routes"] = _("未完全化解的，须写明引导当事人的途径（诉讼、仲裁、行政复议或信访）。")
    if any(route not in Route.values for route in routes):
        errors["routes"] = _("引导途径不正确。")
    if not summary.strip():
        errors["summary"] = _("请填写办理情况。")
    if errors:
        raise ValidationError(errors)


# 当场化解 settles the dispute, wholly or in part; a dispute not settled at the desk is dispatched.
SETTLE_OUTCOMES = (Outcome.RESOLVED, Outcome.PARTIAL)


def settle_case(
    *, case: Case, by: User, outcome: str, routes: Sequence[str] = (), summary: str, version: int | None
) -> Case:
    """当场化解: the center settled a walk-in or call at its desk; the case is closed with the result
    in one step (its report and its approval at once: the statistics count it as a closure at the
    center's level, disputes/stats.py), then evaluated and visited like any closed case."""
    _check_result(outcome, routes, summary, SETTLE_OUTCOMES)
    with transaction.atomic():
        case = _lock(case, version)
        _guard(
            case,
            case.settle,
            by,
            condition_message=_("只有来访、来电登记且尚未分流的案件可以当场化解，并须已确定纠纷类别和风险等级。"),
        )
        before = case.status
        now = timezone.now()
        case.outcome, case.routes, case.outcome_summary = outcome, ",".join(routes), summary.strip()
        case.reported_at = case.closed_at = now
        case.settle()
        _save(case, by, ["outcome", "routes", "outcome_summary", "reported_at", "closed_at"])
        _record(
            case,
            CaseEvent.Action.SETTLE,
            by,
            before,
            note=summary.strip(),
            outcome=outcome,
            routes=list(routes),
            handle_due="",
        )
    return case


def approve_case(*, case: Case, by: User, note: str = "", version: int | None) -> Case:
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.approve, by)
        before = case.status
        case.closed_at = timezone.now()
        case.approve()
        _save(case, by, ["closed_at"])
        # The handling deadline in effect (extensions and pauses included), so 按期办结 can be
        # counted from the timeline.
        _record(case, CaseEvent.Action.APPROVE, by, before, note=note.strip(), handle_due=_due_data(case))
    return case


def send_back_case(*, case: Case, by: User, reason: str, version: int | None) -> Case:
    if not reason.strip():
        raise ValidationError({"reason": _("请写明退回理由。")})
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.send_back, by)
        before = case.status
        case.send_back()
        _save(case, by, [])
        _record(case, CaseEvent.Action.SEND_BACK, by, before, note=reason.strip())
        _notify_unit(case.lead_unit, _("办结反馈被退回：%(n)s") % {"n": case.number}, case, reason.strip())
    return case


# Citizens' words (a note, the reason of a rating) are bounded: a phone screen's worth.
CITIZEN_TEXT_MAX = 1000
CITIZEN_PHOTO_TYPES = {"image/jpeg", "image/png"}


def evaluate_case(
    *, case: Case, by: User | None, satisfaction: str, note: str = "", version: int | None = None
) -> Case:
    """群众评价, one step whoever records it: a clerk of the center after phoning the citizen
    (`by` the clerk, the transition's permission applies), or the citizen on the public pages
    (`by=None`: the caller found the case with `disputes.citizen.followed_case`, i.e. an
    applicant's phone proved by SMS code; the guard of that path is `_guard_citizen`). The
    citizen's 不满意 needs a reason and asks the center to reopen the case (REOPEN_REQUEST, a
    notice to the intake unit); the clerk reopens with `reopen_case`."""
    by_citizen = by is None
    note = note.strip()
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择群众评价结果。")})
    if by_citizen and satisfaction == Satisfaction.DISSATISFIED and not note:
        raise ValidationError({"note": _("请写明不满意的原因，以便中心重新办理。")})
    if by_citizen and len(note) > CITIZEN_TEXT_MAX:
        raise ValidationError({"note": _("内容过长，请控制在 %(n)d 字以内。") % {"n": CITIZEN_TEXT_MAX}})
    with transaction.atomic():
        case = _lock(case, version)
        if by_citizen:
            _guard_citizen(case, case.evaluate, _("您已评价过该案件（已评价），感谢您的反馈。"))
        else:
            _guard(case, case.evaluate, by)
        before = case.status
        case.satisfaction, case.evaluated_at = satisfaction, timezone.now()
        case.evaluate()
        _save(case, by, ["satisfaction", "evaluated_at"])
        extra = {"by_citizen": True} if by_citizen else {}
        _record(case, CaseEvent.Action.EVALUATE, by, before, note=note, satisfaction=satisfaction, **extra)
        if by_citizen and satisfaction == Satisfaction.DISSATISFIED:
            _record(case, CaseEvent.Action.REOPEN_REQUEST, None, note=note, by_citizen=True)
            _notify_unit(
                case.intake_unit,
                _("群众对案件 %(n)s 不满意，申请重新办理") % {"n": case.number},
                case,
                _("不满意原因：%(r)s。请核实后决定是否重新办理。") % {"r": note},
            )
    return case


def _guard_citizen(case: Case, method, done_message: str) -> None:
    """A step the citizen takes on the public pages: only the state is checked (who they are was
    proved by the caller). A case past the step (a race with the clerk, a second try) gets
    `done_message`; one not yet there is told to wait."""
    if method._django_fsm.has_transition(case.status):
        return
    if case.status in (Status.EVALUATED, Status.ARCHIVED):
        raise TransitionRefused(done_message)
    raise TransitionRefused(_("案件当前为“%(status)s”，办结后才能评价。") % {"status": case.get_status_display()})


def check_citizen_photo(upload: UploadedFile) -> str:
    """A photo a citizen sends on the public pages (a report, a note, an online mediation): a real
    JPEG or PNG by its content (the name must agree), at most CITIZEN_PHOTO_MAX_BYTES. The one
    rule of every citizen upload; returns the photo's type."""
    limit = settings.CITIZEN_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("照片“%(name)s”有 %(size).1f MB，超过了 %(limit)d MB 的上限，请换一张小一些的照片。")
            % {"name": display_name(upload.name), "size": upload.size / 1048576, "limit": limit // 1048576},
            code="too_big",
        )
    return sniff(upload, CITIZEN_PHOTO_TYPES, _("“%(name)s”不是照片，只能上传 JPG 或 PNG 格式的照片。"))


def add_citizen_note(*, case: Case, note: str, photo: UploadedFile | None = None) -> CaseEvent:
    """群众补充: the citizen adds a note and/or a photo to an open case from the public pages (the
    caller found the case by an applicant's proved phone). The lead unit is told, or the center
    while nobody leads the case."""
    note = (note or "").strip()
    if not note and photo is None:
        raise ValidationError({"note": _("请填写补充情况或选择一张照片。")})
    if len(note) > CITIZEN_TEXT_MAX:
        raise ValidationError({"note": _("内容过长，请控制在 %(n)d 字以内。") % {"n": CITIZEN_TEXT_MAX}})
    mime = ""
    if photo is not None:
        try:
            mime = check_citizen_photo(photo)
        except ValidationError as refused:
            raise ValidationError({"photo": refused.messages}) from refused
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("lead_unit", "intake_unit").get(pk=case.pk)
        if case.status not in OPEN_STATUSES:
            raise TransitionRefused(_("案件已办结，不能再补充情况；如有新的纠纷请重新反映。"))
        data = {"by_citizen": True}
        if photo is not None:
            attachment = store_attachment(case, None, photo, Attachment.Kind.PHOTO, mime=mime)
            data["attachment"] = attachment.original_name
        event = _record(case, CaseEvent.Action.CITIZEN_NOTE, None, note=note, **data)
        unit = case.lead_unit if case.lead_unit_id else case.intake_unit
        _notify_unit(unit, _("群众对案件 %(n)s 补充了情况") % {"n": case.number}, case, note[:200])
    return event


def record_visit(
    *,
    case: Case,
    by: User,
    method: str,
    visited_on: date,
    visitor: str,
    came_back: bool,
    note: str,
    version: int | None,
) -> Case:
    """定期回访: how the parties were reached, when, by whom, and whether the dispute came back. A
    dispute found back is reopened in the same step (the timeline shows the visit, then the
    reopen with its reason); otherwise the case waits to be archived."""
    today = timezone.localdate()
    errors = {}
    if method not in VisitMethod.values:
        errors["method"] = _("请选择回访方式。")
    if visited_on > today:
        errors["visited_on"] = _("回访日期不能晚于今天。")
    if not visitor.strip():
        errors["visitor"] = _("请填写回访人。")
    if not note.strip():
        errors["note"] = _("请填写回访情况。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.visit, by, condition_message=_("该案件本次办结已记录回访，请刷新页面。"))
        closed_on = timezone.localtime(case.closed_at).date() if case.closed_at else None
        if closed_on is not None and visited_on < closed_on:
            raise ValidationError(
                {"visited_on": _("回访日期不能早于办结日期（%(d)s）。") % {"d": closed_on.isoformat()}}
            )
        before = case.status
        case.visit()  # before the visit is set: its condition is that none was recorded
        case.visited_at = (
            timezone.now()
            if visited_on == today
            else datetime.combine(visited_on, time(12, 0), tzinfo=timezone.get_current_timezone())
        )
        _save(case, by, ["visited_at"])
        _record(
            case,
            CaseEvent.Action.VISIT,
            by,
            note=note.strip(),
            method=method,
            visited_on=visited_on.isoformat(),
            visitor=visitor.strip(),
            came_back=came_back,
        )
        if came_back:
            _guard(case, case.reopen, by)
            _reopen(case, by, before, _("回访发现纠纷复发：%(note)s") % {"note": note.strip()})
    return case


def archive_case(*, case: Case, by: User, note: str = "", version: int | None) -> Case:
    """归档 after the return visit found the dispute settled: 案结事了."""
    with transaction.atomic():
        case = _lock(case, version)
        unvisited = case.visited_at is None
        _guard(
            case,
            case.archive,
            by,
            condition_message=_("请先记录回访，再归档。") if unvisited else _("群众不满意的案件应重新办理，不能归档。"),
        )
        before = case.status
        case.archived_at = timezone.now()
        case.archive()
        _save(case, by, ["archived_at"])
        _record(case, CaseEvent.Action.ARCHIVE, by, before, note=note.strip())
    return case


def reopen_case(*, case: Case, by: User, reason: str, version: int | None) -> Case:
    """重新办理 after 不满意 (a return visit that finds the dispute back reopens it itself)."""
    if not reason.strip():
        raise ValidationError({"reason": _("请写明重新办理的原因。")})
    with transaction.atomic():
        case = _lock(case, version)
        _guard(case, case.reopen, by)
        _reopen(case, by, case.status, reason.strip())
    return case


def _reopen(case: Case, by: User, before: str, reason: str) -> None:
    """The case goes back to 已受理 for dispatch: what the last round decided is cleared (the
    timeline keeps it)."""
    case.reopen_count += 1
    case.lead_unit = None
    case.handle_due = case.dispatched_at = case.signed_at = case.reported_at = case.sign_due = None
    case.closed_at = case.evaluated_at = case.visited_at = None
    case.outcome, case.routes, case.outcome_summary, case.satisfaction = "", "", "", ""
    case.reopen()
    _save(
        case,
        by,
        [
            "reopen_count",
            "lead_unit",
            "handle_due",
            "sign_due",
            "dispatched_at",
            "signed_at",
            "reported_at",
            "closed_at",
            "evaluated_at",
            "visited_at",
            "outcome",
            "routes",
            "outcome_summary",
            "satisfaction",
        ],
    )
    case.co_units.clear()
    _record(case, CaseEvent.Action.REOPEN, by, before, note=reason, handle_due=_due_data(case))


def grant_case_access(*, case: Case, by: User, person: User) -> None:
    """Name one person (a mediator of the organisation, a consulted expert) on the case."""
    from disputes.rules import is_case_center, is_lead_unit_staff

    if not (is_case_center(case, by) or is_lead_unit_staff(case, by)):
        raise TransitionRefused(_("您无权指定该案件的承办人员。"))
    with transaction.atomic():
        assign_perm("disputes.view_case", person, case)
        _record(case, CaseEvent.Action.GRANT, by, note=str(person), user=person.pk)


# --- Extensions (延期申请) ------------------------------------------------------------------------

MAX_EXTENSION_DAYS = 60


def request_extension(*, case: Case, by: User, days: int, reason: str) -> ExtensionRequest:
    """The lead unit asks for `days` more working days; nothing moves until the center decides."""
    from disputes.rules import may_request_extension

    errors = {}
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        errors["days"] = _("延长天数应在 1 到 %(n)d 个工作日之间。") % {"n": MAX_EXTENSION_DAYS}
    if not reason.strip():
        errors["reason"] = _("请写明延期理由。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not may_request_extension(case, by):
            raise TransitionRefused(_("只有主办单位在办理期间可以申请延期，且同一时间只能有一份待审批的申请。"))
        extension = ExtensionRequest.objects.create(
            case=case, requested_by=by, days=days, reason=reason.strip(), old_due=case.handle_due
        )
        _record(case, CaseEvent.Action.EXTENSION_REQUEST, by, note=reason.strip(), days=days)
        _notify_unit(case.intake_unit, _("延期申请待审批：%(n)s") % {"n": case.number}, case, reason.strip())
    return extension


def decide_extension(
    *, extension: ExtensionRequest, by: User, approve: bool, days: int | None = None, note: str = ""
) -> ExtensionRequest:
    """The center approves (possibly a different number of days) or refuses; on approval the
    deadline moves by that many working days from the current deadline."""
    from disputes.rules import is_case_center

    if approve and (days is None or not 1 <= days <= MAX_EXTENSION_DAYS):
        raise ValidationError({"days": _("批准延长天数应在 1 到 %(n)d 个工作日之间。") % {"n": MAX_EXTENSION_DAYS}})
    if not approve and not note.strip():
        raise ValidationError({"note": _("不批准的，请写明理由。")})
    with transaction.atomic():
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        case = Case.objects.select_for_update(of=("self",)).select_related("township").get(pk=extension.case_id)
        if extension.decision != ExtensionRequest.Decision.PENDING:
            raise TransitionRefused(_("该延期申请已审批，请刷新页面。"))
        if not is_case_center(case, by):
            raise TransitionRefused(_("您无权审批该延期申请。"))
        extension.decided_by, extension.decided_at, extension.decision_note = by, timezone.now(), note.strip()
        if approve:
            extension.decision, extension.approved_days = ExtensionRequest.Decision.APPROVED, days
            _recount_due(case, _record(case, CaseEvent.Action.EXTENSION_APPROVE, by, note=note.strip(), days=days))
            cap = petition_extended_cap(case, _accepted_on(case))
            if cap is not None and case.handle_due > cap[0]:  # the transaction rolls back: nothing saved
                raise ValidationError(
                    {
                        "days": _(
                            "信访事项延长办理期限不得超过%(n)d日，延期后的期限不得晚于 %(date)s（%(citation)s）。"
                        )
                        % {"n": cap[1].extension, "date": cap[0], "citation": cap[1].citation}
                    }
                )
            extension.new_due = case.handle_due
            _save(case, by, ["handle_due"])
            title = _("延期已批准：%(n)s，新期限 %(d)s") % {"n": case.number, "d": case.handle_due}
        else:
            extension.decision = ExtensionRequest.Decision.REFUSED
            _record(case, CaseEvent.Action.EXTENSION_REFUSE, by, note=note.strip())
            title = _("延期未批准：%(n)s") % {"n": case.number}
        extension._history_user = by
        extension.save()
        _notify_unit(case.lead_unit, title, case, note.strip())
    return extension


def reveal_party(*, case: Case, party: Party, by: User, reason: str, request=None) -> dict[str, str]:
    """The full ID and phone number of a party, for a stated reason; the reveal is audited.

    At most REVEAL_LIMIT_PER_HOUR reveals per person in any hour, counted from the audit log
    itself (so the limit holds without Redis and across processes); a refusal is audited too."""
    from disputes.rules import may_reveal_personal_data
    from governance.crypto import decrypt
    from governance.models import AuditEvent
    from governance.services import record_audit

    if not reason.strip():
        raise ValidationError({"reason": _("请写明查看完整信息的事由。")})
    if party.case_id != case.pk or not may_reveal_personal_data(case, by):
        raise TransitionRefused(_("您无权查看该当事人的完整身份信息。"))
    limit = settings.REVEAL_LIMIT_PER_HOUR
    with transaction.atomic():
        # One person's reveals are counted one at a time: two tabs cannot both take the last one.
        User.objects.select_for_update().filter(pk=by.pk).exists()
        since = timezone.now() - timedelta(hours=1)
        allowed = AuditEvent.objects.filter(user=by, action=AuditEvent.Action.REVEAL, at__gte=since).count() < limit
        if allowed:
            record_audit(
                AuditEvent.Action.REVEAL,
                request=request,
                user=by,
                detail=f"{case.number} {party.name}: {reason.strip()}"[:255],
            )
    if not allowed:
        record_audit(
            AuditEvent.Action.ACCESS_DENIED,
            request=request,
            user=by,
            detail=f"查看完整身份信息超过每小时 {limit} 次：{case.number} {party.name}"[:255],
        )
        raise TransitionRefused(_("您在一小时内查看完整身份信息已达 %(limit)d 次上限，请稍后再试。") % {"limit": limit})
    return {"id_number": decrypt(party.id_number_encrypted), "phone": decrypt(party.phone_encrypted)}


# --- Listed supervision (挂牌督办) ------------------------------------------------------------------


def supervise_case(*, case: Case, by: User, instruction: str, due: date) -> Supervision:
    from disputes.rules import may_supervise

    errors = {}
    if not instruction.strip():
        errors["instruction"] = _("请填写领导批示。")
    if due <= timezone.localdate():
        errors["due"] = _("督办期限须晚于今天。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("township", "lead_unit", "intake_unit")
            .get(pk=case.pk)
        )
        if not may_supervise(case, by):
            raise TransitionRefused(_("只能对本辖区在办的案件挂牌督办。"))
        if case.supervisions.exclude(state=Supervision.State.LIFTED).exists():
            raise TransitionRefused(_("该案件已在挂牌督办中。"))
        supervision = Supervision.objects.create(case=case, leader=by, instruction=instruction.strip(), due=due)
        _record(case, CaseEvent.Action.SUPERVISE, by, note=instruction.strip(), due=due.isoformat())
        unit = case.lead_unit or case.intake_unit
        _notify_unit(
            unit,
            _("挂牌督办：%(n)s，请于 %(d)s 前回复") % {"n": case.number, "d": due},
            case,
            instruction.strip(),
        )
    return supervision


def answer_supervision(*, supervision: Supervision, by: User, answer: str) -> Supervision:
    from disputes.rules import may_answer_supervision

    if not answer.strip():
        raise ValidationError({"answer": _("请填写办理回复。")})
    with transaction.atomic():
        supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
        case = Case.objects.select_related("township").get(pk=supervision.case_id)
        if supervision.state == Supervision.State.LIFTED:
            raise TransitionRefused(_("该督办已撤牌。"))
        if not may_answer_supervision(case, by):
            raise TransitionRefused(_("只有承办单位可以回复督办。"))
        supervision.answer, supervision.answered_by, supervision.answered_at = answer.strip(), by, timezone.now()
        supervision.state = Supervision.State.ANSWERED
        supervision._history_user = by
        supervision.save()
        _record(case, CaseEvent.Action.SUPERVISION_ANSWER, by, note=answer.strip())
        leader = supervision.leader
        transaction.on_commit(
            lambda: Notification.objects.create(
                user=leader,
                title=_("督办已回复：%(n)s") % {"n": case.number},
                body=answer.strip()[:200],
                url=reverse("disputes-detail", args=[case.number]),
            )
        )
    return supervision


def lift_supervision(*, supervision: Supervision, by: User) -> Supervision:
    from disputes.rules import may_supervise

    with transaction.atomic():
        supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
        case = Case.objects.select_related("township").get(pk=supervision.case_id)
        if supervision.state == Supervision.State.LIFTED:
            raise TransitionRefused(_("该督办已撤牌。"))
        if not (by.pk == supervision.leader_id or may_supervise(case, by)):
            raise TransitionRefused(_("只有督办领导可以撤牌。"))
        supervision.state, supervision.lifted_at = Supervision.State.LIFTED, timezone.now()
        supervision._history_user = by
        supervision.save()
        _record(case, CaseEvent.Action.SUPERVISION_LIFT, by)
    return supervision
