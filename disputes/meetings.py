"""What a meeting record does: record the meeting, add its decisions, close a decision with an
answer. Every rule of the meetings is here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Case, EarlyWarning, Meeting, MeetingDecision
from governance.models import Role, Unit, User
from governance.scoping import jurisdiction

# A meeting is recorded when it is held, or planned a little ahead; a year back at most.
MAX_DAYS_AHEAD = 30
MAX_DAYS_BACK = 366
# A decision's deadline: within a year of the meeting.
MAX_DECISION_DAYS = 366
CENTER_ROLES = (Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)


@dataclass
class MeetingData:
    kind: str
    date: date
    chair: str
    summary: str
    units: Sequence[Unit]
    cases: Sequence[Case] = field(default_factory=list)
    warnings: Sequence[EarlyWarning] = field(default_factory=list)


def may_record(user: User) -> bool:
    return user.has_role(*CENTER_ROLES) and jurisdiction(user) is not None


def check_meeting_date(day: date, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"date": _("会议日期不能晚于今天之后%(n)d天。") % {"n": MAX_DAYS_AHEAD}})
    if day < today - timedelta(days=MAX_DAYS_BACK):
        raise ValidationError({"date": _("会议日期不能早于一年前。")})


def record_meeting(*, by: User, data: MeetingData) -> Meeting:
    if not may_record(by):
        raise ValidationError(_("只有综治中心工作人员可以登记会议。"))
    check_meeting_date(data.date)
    if not data.units:
        raise ValidationError({"units": _("请选择参会单位。")})
    visible = Case.objects.visible_to(by)
    if len(data.cases) != visible.filter(pk__in=[c.pk for c in data.cases]).count():
        raise ValidationError({"cases": _("所选案件不在您的工作范围内。")})
    # A meeting held in the past discussed what was known then.
    later = [c.number for c in data.cases if timezone.localdate(c.received_at) > data.date]
    if later:
        raise ValidationError(
            {"cases": _("以下案件在会议日期之后才登记，不能列为本次会议研判案件：%(n)s") % {"n": "、".join(later)}}
        )
    if any(timezone.localdate(w.raised_at) > data.date for w in data.warnings):
        raise ValidationError({"warnings": _("所选预警在会议日期之后才生成，不能列为本次会议研判预警。")})
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=data.kind,
            date=data.date,
            region=jurisdiction(by),
            convened_by=by.unit,
            chair=data.chair.strip(),
            summary=data.summary.strip(),
            recorded_by=by,
        )
        meeting.units.set(data.units)
        meeting.cases.set(data.cases)
        meeting.warnings.set(data.warnings)
    return meeting


def sees_whole(meeting: Meeting, user: User) -> bool:
    """Center staff and leaders whose jurisdiction holds the meeting see all of it: the proceedings,
    the warnings, every decision, the minutes. A unit given a decision sees its own decisions and
    the meeting's date, kind and convener; the proceedings only if it attended, the cases only those
    it may see anyway."""
    from governance.models import REGIONAL_ROLES
    from governance.scoping import region_prefix

    prefix = region_prefix(user) if user.has_role(*REGIONAL_ROLES) else None
    return prefix is not None and meeting.region.code.startswith(prefix)


def sees_proceedings(meeting: Meeting, user: User) -> bool:
    """The proceedings (会议情况): those who see the whole meeting, and the units that attended."""
    return sees_whole(meeting, user) or (user.unit_id is not None and meeting.units.filter(pk=user.unit_id).exists())


def agenda_meetings(warning: EarlyWarning, user: User):
    """The meetings still to be held that may take `warning` on their agenda for `user`: dated
    today or later, held for the warning's township or its county, seen whole by the user."""
    from governance.models import REGIONAL_ROLES
    from governance.scoping import region_q

    if not user.has_role(*REGIONAL_ROLES):
        return Meeting.objects.none()
    return Meeting.objects.filter(
        region_q(user, "region"),
        region_id__in=[warning.township_id, warning.township.parent_id],
        date__gte=timezone.localdate(),
    ).order_by("date", "pk")


def put_on_agenda(*, meeting: Meeting, warning: EarlyWarning, by: User) -> bool:
    """A leader or center staff puts an open warning on a coming meeting's agenda (列入会商议程).
    Returns False when it is there already."""
    if not EarlyWarning.objects.visible_to(by).filter(pk=warning.pk).exists():
        raise ValidationError(_("找不到该预警或不在您的工作范围内。"))
    if warning.state != EarlyWarning.State.OPEN:
        raise ValidationError(_("该预警已处置，无需再列入会议议程。"))
    if not agenda_meetings(warning, by).filter(pk=meeting.pk).exists():
        raise ValidationError(_("只能列入本辖区尚未召开的会议（会议日期为今天或以后）。"))
    if meeting.warnings.filter(pk=warning.pk).exists():
        return False
    meeting.warnings.add(warning)
    return True


def owner_units(meeting: Meeting):
    """The units a meeting may give a decision to: the active units of its jurisdiction."""
    return Unit.objects.filter(is_active=True, region__code__startswith=meeting.region.prefix)


def check_decision(meeting: Meeting, owner_unit: Unit | None, due: date | None, today: date | None = None) -> None:
    today = today or timezone.localdate()
    errors = {}
    if owner_unit is None:
        errors["owner_unit"] = _("请选择责任单位：每项议定事项须有责任单位。")
    elif not owner_units(meeting).filter(pk=owner_unit.pk).exists():
        errors["owner_unit"] = _("责任单位须为会议召开地区的在用单位。")
    if due is None:
        errors["due"] = _("请填写办结期限。")
    elif due < max(meeting.date, today):
        errors["due"] = _("办结期限不能早于会议日期或今天。")
    elif due > meeting.date + timedelta(days=MAX_DECISION_DAYS):
        errors["due"] = _("办结期限不能超过会议日期后一年。")
    if errors:
        raise ValidationError(errors)


def add_decision(
    *, meeting: Meeting, by: User, text: str, owner_unit: Unit | None, due: date | None
) -> MeetingDecision:
    if not may_record(by) or not Meeting.objects.visible_to(by).filter(region=jurisdiction(by), pk=meeting.pk).exists():
        raise ValidationError(_("只有召开地区的综治中心工作人员可以登记议定事项。"))
    if not (text or "").strip():
        raise ValidationError({"text": _("请填写议定事项。")})
    check_decision(meeting, owner_unit, due)
    return MeetingDecision.objects.create(meeting=meeting, text=text.strip(), owner_unit=owner_unit, due=due)


def may_answer(decision: MeetingDecision, user: User) -> bool:
    """The owner unit's staff, or the center staff of the meeting's jurisdiction."""
    if decision.status != MeetingDecision.Status.ASSIGNED or user.is_administrator:
        return False
    if user.unit_id is not None and user.unit_id == decision.owner_unit_id and not user.has_role(Role.LEADER):
        return True
    region = jurisdiction(user)
    return (
        user.has_role(*CENTER_ROLES) and region is not None and decision.meeting.region.code.startswith(region.prefix)
    )


def answer_decision(*, decision: MeetingDecision, by: User, answer: str) -> MeetingDecision:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写办理结果。")})
    with transaction.atomic():
        decision = MeetingDecision.objects.select_for_update().select_related("meeting__region").get(pk=decision.pk)
        if decision.status != MeetingDecision.Status.ASSIGNED:
            raise ValidationError(_("该议定事项已办结。"))
        if not may_answer(decision, by):
            raise ValidationError(_("只有责任单位或综治中心可以回复办理结果。"))
        decision.status, decision.answer, decision.answered_by = MeetingDecision.Status.DONE, answer[:4000], by
        decision.closed_at = timezone.now()
        decision.save(update_fields=["status", "answer", "answered_by", "closed_at"])
    return decision
