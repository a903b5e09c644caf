"""What each step of a visit does. One function per step: inside one transaction it locks the
row, checks the transition's guard and the step's own rules, writes the new state and history,
and queues notices on commit. Views, commands and the demo call these; nothing else calls a
transition or writes `status`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Category, Channel, Party
from disputes.services import PartyData, TransitionRefused, register_visit_issue
from governance.models import Notification, Role, Unit, User
from governance.workdays import add_working_days
from grids.models import Region
from visits import rules
from visits.models import Kind, Visit, VisitIssue, VisitLeader

# 访后限期办结: an assigned issue is due within 7 working days unless the leader sets otherwise.
DEFAULT_ISSUE_WORKING_DAYS = 7


def default_issue_due(day: datetime.date | None = None) -> datetime.date:
    return add_working_days(day or timezone.localdate(), DEFAULT_ISSUE_WORKING_DAYS)


def _guard(obj: Visit | VisitIssue, method, user: User, *, condition_message: str = "") -> None:
    meta = method._django_fsm
    state = obj.status
    if not meta.has_transition(state):
        raise TransitionRefused(
            _("当前状态为“%(status)s”，不能进行此操作（可能已被他人处理，请刷新页面）。")
            % {"status": obj.get_status_display()}
        )
    if not meta.has_transition_perm(obj, state, user):
        raise TransitionRefused(_("您无权进行此操作。"))
    if not meta.conditions_met(obj, state):
        raise TransitionRefused(condition_message or _("信息不完整，不能进行此操作。"))


def _check_version(obj: Visit | VisitIssue, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise TransitionRefused(
            _("已被他人处理（当前状态：%(s)s），请刷新页面后再操作。") % {"s": obj.get_status_display()}
        )


def _save(obj: Visit | VisitIssue, by: User, fields: Sequence[str]) -> None:
    obj.version = F("version") + 1
    obj._history_user = by
    obj.save(update_fields=[*fields, "status", "version"])
    obj.refresh_from_db(fields=["version"])


def _notify(*, title: str, url: str, body: str = "", unit: Unit | None = None, users: Sequence[int] = ()) -> None:
    def send() -> None:
        rows = [Notification(user_id=pk, title=title, body=body, url=url) for pk in users]
        if unit is not None:
            rows.append(Notification(unit=unit, title=title, body=body, url=url))
        Notification.objects.bulk_create(rows)

    transaction.on_commit(send)


# --- Planning ---------------------------------------------------------------------------------


def eligible_leaders(region: Region):
    """Leaders who may be scheduled to a place: county leaders anywhere, township leaders in
    their own township."""
    county_prefix = region.code[:6]
    leaders = User.objects.with_role(Role.LEADER).filter(is_active=True, unit__isnull=False)
    return leaders.filter(unit__region__code__startswith=county_prefix).select_related("unit__region")


def _leader_covers(leader: User, region: Region) -> bool:
    own = leader.unit.region if leader.unit_id else None
    return own is not None and region.code.startswith(own.prefix)


def plan_visit(
    *,
    by: User,
    kind: str,
    date: datetime.date,
    leaders: Sequence[User],
    village: Region | None = None,
    center: Unit | None = None,
    start_time: datetime.time | None = None,
    grid_worker: User | None = None,
    topic: str = "",
) -> Visit:
    """Schedule a night visit to a village or a reception day at a center. Refuses a date in the
    past and a leader already booked that day; the database refuses the double booking too, so
    two clerks planning the same leader at the same moment cannot both succeed."""
    errors: dict[str, str] = {}
    if date < timezone.localdate():
        errors["date"] = _("不能安排已过去的日期，请选择今天或以后的日期。")
    if kind == Kind.NIGHT_VISIT:
        if village is None or village.level != Region.Level.VILLAGE:
            errors["village"] = _("请选择走访的村（社区）。")
        region = village
    elif kind == Kind.RECEPTION:
        if center is None or center.kind not in (Unit.Kind.COUNTY_CENTER, Unit.Kind.TOWNSHIP_CENTER):
            errors["center"] = _("请选择接访的综治中心。")
        region = center.region if center is not None else None
    else:
        raise ValidationError({"kind": _("请选择类型。")})
    if region is not None and not rules.may_plan(by, region):
        errors["village" if kind == Kind.NIGHT_VISIT else "center"] = _("只能安排本辖区的夜访和接访。")
    leaders = list(dict.fromkeys(leaders))
    if not leaders:
        errors["leaders"] = _("请至少选择一名带队领导。")
    elif region is not None:
        unfit = [str(u) for u in leaders if not u.has_role(Role.LEADER) or not _leader_covers(u, region)]
        if unfit:
            errors["leaders"] = _("%(names)s 不能安排到该地点（须为县级领导或本镇领导）。") % {
                "names": "、".join(unfit)
            }
    if grid_worker is not None and village is not None and not grid_worker.grids.filter(village=village).exists():
        errors["grid_worker"] = _("所选网格员不负责该村（社区）的网格。")
    if errors:
        raise ValidationError(errors)
    if kind == Kind.NIGHT_VISIT:
        center = None
    else:
        village, grid_worker = None, None

    with transaction.atomic():
        busy = _booked(leaders, date, kind)
        if busy:
            raise ValidationError({"leaders": busy})
        visit = Visit(
            kind=kind,
            date=date,
            start_time=start_time or Visit._meta.get_field("start_time").default,
            region=region,
            village=village,
            center=center,
            organiser=by.unit,
            planned_by=by,
            grid_worker=grid_worker,
            topic=topic,
        )
        visit._history_user = by
        visit.save()
        try:
            with transaction.atomic():  # a savepoint: the race's loser gets the message, not a 500
                VisitLeader.objects.bulk_create(
                    [VisitLeader(visit=visit, leader=u, date=date, kind=kind) for u in leaders]
                )
        except IntegrityError:
            raise ValidationError({"leaders": _booked(leaders, date, kind) or _("带队领导当天已有安排。")}) from None
        title = _("%(kind)s安排：%(date)s %(place)s") % {
            "kind": visit.get_kind_display(),
            "date": f"{date:%Y-%m-%d} {visit.start_time:%H:%M}",
            "place": visit.place_name,
        }
        _notify(title=title, url=reverse("visits-detail", args=[visit.pk]), users=[u.pk for u in leaders])
    return visit


def _booked(leaders: Sequence[User], date: datetime.date, kind: str) -> str:
    """The message naming leaders already booked that day (one query), or ''."""
    taken = VisitLeader.objects.filter(leader__in=leaders, date=date, kind=kind, is_active=True).select_related(
        "leader", "visit__village", "visit__center"
    )
    parts = [
        _("%(leader)s 在 %(date)s 已安排%(kind)s（%(place)s）")
        % {
            "leader": row.leader,
            "date": f"{date:%Y-%m-%d}",
            "kind": row.get_kind_display(),
            "place": row.visit.place_name,
        }
        for row in taken
    ]
    return ("；".join(parts) + _("，同一天不能重复安排。")) if parts else ""


def _lock_visit(visit: Visit) -> Visit:
    return Visit.objects.select_for_update(of=("self",)).select_related("region", "village", "center").get(pk=visit.pk)


def cancel_visit(*, visit: Visit, by: User, reason: str, version: int | None = None) -> Visit:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写取消原因。")})
    with transaction.atomic():
        visit = _lock_visit(visit)
        _check_version(visit, version)
        _guard(visit, visit.cancel, by)
        visit.cancel()
        visit.cancel_reason = reason.strip()
        _save(visit, by, ["cancel_reason"])
        leader_ids = list(visit.leader_rows.values_list("leader_id", flat=True))
        visit.leader_rows.update(is_active=False)  # VisitLeader keeps no history; frees the evening
        title = _("%(kind)s已取消：%(date)s %(place)s") % {
            "kind": visit.get_kind_display(),
            "date": f"{visit.date:%Y-%m-%d}",
            "place": visit.place_name,
        }
        _notify(title=title, body=visit.cancel_reason, url=reverse("visits-detail", args=[visit.pk]), users=leader_ids)
    return visit


def record_visit(
    *,
    visit: Visit,
    by: User,
    households_visited: int | None,
    people_received: int | None,
    people_met: str,
    summary: str,
    version: int | None = None,
) -> Visit:
    """访中会商: what the visit found. Issues are added one by one afterwards (`raise_issue`)."""
    if not summary.strip():
        raise ValidationError({"summary": _("请填写会商情况。")})
    with transaction.atomic():
        visit = _lock_visit(visit)
        _check_version(visit, version)
        _guard(visit, visit.record, by, condition_message=_("夜访尚未开始，不能提前填写记录。"))
        visit.record()
        visit.households_visited = households_visited
        visit.people_received = people_received
        visit.people_met = people_met.strip()
        visit.summary = summary.strip()
        visit.recorded_at, visit.recorded_by = timezone.now(), by
        _save(
            visit, by, ["households_visited", "people_received", "people_met", "summary", "recorded_at", "recorded_by"]
        )
    return visit


# --- Issues: the three endings ----------------------------------------------------------------


class Ending:
    RESOLVE = "resolve"
    ASSIGN = "assign"
    CASE = "case"


def raise_issue(
    *,
    visit: Visit,
    by: User,
    village: Region,
    category: Category,
    summary: str,
    leader: User,
    ending: str,
    raised_by_name: str = "",
    resolution: str = "",
    owner_unit: Unit | None = None,
    due: datetime.date | None = None,
    phone: str = "",
) -> VisitIssue:
    """An issue heard on a recorded visit, with its ending, in one transaction: either all of it
    is saved or nothing is."""
    errors: dict[str, str] = {}
    if not summary.strip():
        errors["summary"] = _("请填写群众反映的问题。")
    if not village.code.startswith(visit.region.prefix) or village.level != Region.Level.VILLAGE:
        errors["village"] = _("所选村（社区）不属于本次夜访或接访的范围。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = _lock_visit(visit)
        if not rules.may_add_issue(visit, by):
            if visit.status != Visit.Status.RECORDED:
                raise TransitionRefused(_("请先填写走访记录，再登记问题。"))
            raise TransitionRefused(_("您无权进行此操作。"))
        if not visit.leader_rows.filter(leader=leader, is_active=True).exists():
            raise ValidationError({"leader": _("首访负责领导须为本次带队领导。")})
        issue = VisitIssue(
            visit=visit,
            village=village,
            category=category,
            summary=summary.strip(),
            raised_by_name=raised_by_name.strip(),
            leader=leader,
            created_by=by,
        )
        issue._history_user = by
        issue.save()
        if ending == Ending.RESOLVE:
            return resolve_issue(issue=issue, by=by, resolution=resolution)
        if ending == Ending.ASSIGN:
            return assign_issue(issue=issue, by=by, owner_unit=owner_unit, due=due)
        if ending == Ending.CASE:
            return convert_issue(issue=issue, by=by, phone=phone)
        raise ValidationError({"ending": _("请选择处置方式。")})


def _lock_issue(issue: VisitIssue) -> VisitIssue:
    return (
        VisitIssue.objects.select_for_update(of=("self",))
        .select_related("visit__region", "village__parent", "owner_unit", "category")
        .get(pk=issue.pk)
    )


def _issue_url(issue: VisitIssue) -> str:
    return reverse("visits-issue", args=[issue.pk])


def resolve_issue(*, issue: VisitIssue, by: User, resolution: str, version: int | None = None) -> VisitIssue:
    """当场解决."""
    if not resolution.strip():
        raise ValidationError({"resolution": _("请填写当场解决的情况。")})
    with transaction.atomic():
        issue = _lock_issue(issue)
        _check_version(issue, version)
        _guard(issue, issue.resolve, by)
        issue.resolve()
        issue.resolution = resolution.strip()
        issue.closed_at = timezone.now()
        _save(issue, by, ["resolution", "closed_at"])
    return issue


def assign_issue(
    *, issue: VisitIssue, by: User, owner_unit: Unit | None, due: datetime.date | None, version: int | None = None
) -> VisitIssue:
    """限期交办: the owner unit must close it by `due` (default 7 working days)."""
    errors = {}
    if owner_unit is None or not owner_unit.is_active:
        errors["owner_unit"] = _("请选择责任单位。")
    if due is not None and due < timezone.localdate():
        errors["due"] = _("办结期限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        issue = _lock_issue(issue)
        _check_version(issue, version)
        if not owner_unit.region.code.startswith(issue.village.code[:6]):
            raise ValidationError({"owner_unit": _("责任单位须为本县单位。")})
        issue.owner_unit, issue.due = owner_unit, due or default_issue_due()
        _guard(issue, issue.assign, by)
        issue.assign()
        issue.assigned_at = timezone.now()
        _save(issue, by, ["owner_unit", "due", "assigned_at"])
        _notify(
            title=_("夜访交办：%(s)s（%(d)s前办结）") % {"s": issue.summary[:30], "d": f"{issue.due:%Y-%m-%d}"},
            body=issue.summary[:500],
            url=_issue_url(issue),
            unit=owner_unit,
        )
    return issue


def convert_issue(*, issue: VisitIssue, by: User, phone: str = "", version: int | None = None) -> VisitIssue:
    """转为矛盾纠纷案件 in one step: the township center of the village takes it in, channel
    平安夜访 (a reception day's issue comes in as 来访), the visit linked from the issue."""
    with transaction.atomic():
        issue = _lock_issue(issue)
        _check_version(issue, version)
        _guard(issue, issue.convert, by)
        if not issue.raised_by_name:
            raise ValidationError({"raised_by_name": _("转为案件须填写反映人姓名（作为申请人）。")})
        visit = issue.visit
        channel = Channel.NIGHT_VISIT if visit.kind == Kind.NIGHT_VISIT else Channel.VISIT
        case = register_visit_issue(
            by=by,
            township=issue.village.parent,
            village=issue.village,
            summary=issue.summary,
            category=issue.category,
            channel=channel,
            source_ref=f"{visit.date:%Y-%m-%d} {visit.place_name}"[:40],
            parties=[PartyData(role=Party.Role.APPLICANT, name=issue.raised_by_name, phone=phone)],
            received_at=timezone.make_aware(datetime.datetime.combine(visit.date, visit.start_time))
            if visit.date < timezone.localdate()
            else None,
        )
        issue.convert()
        issue.case = case
        _save(issue, by, ["case"])
        _notify(
            title=_("%(kind)s转办案件：%(n)s") % {"kind": visit.get_kind_display(), "n": case.number},
            body=issue.summary[:500],
            url=reverse("disputes-detail", args=[case.number]),
            unit=case.intake_unit,
        )
    return issue


def close_issue(*, issue: VisitIssue, by: User, answer: str, version: int | None = None) -> VisitIssue:
    """办结: the owner unit reports what it did; the leader who heard the issue is told."""
    if not answer.strip():
        raise ValidationError({"answer": _("请填写办理结果。")})
    with transaction.atomic():
        issue = _lock_issue(issue)
        _check_version(issue, version)
        _guard(issue, issue.close, by)
        issue.close()
        issue.answer, issue.answered_by, issue.closed_at = answer.strip(), by, timezone.now()
        _save(issue, by, ["answer", "answered_by", "closed_at"])
        _notify(
            title=_("夜访交办问题已办结：%(s)s") % {"s": issue.summary[:30]},
            body=issue.answer[:500],
            url=_issue_url(issue),
            users=[issue.leader_id],
        )
    return issue
