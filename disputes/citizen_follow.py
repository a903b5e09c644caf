"""What a citizen sees of the case they follow on the public pages (码上办), in plain words.

Read from the case and its steps (CaseEvent) through a whitelist: received, accepted or not (the
reason and the route offered), handed to which unit and by when, closed with what result, the
rating, the return visit, and the citizen's own notes. Never a staff person's name (only units
are named), an internal or progress note, another party's name or number, a key-person flag or
supervision: a step not named in `_STEP` is not shown at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.citizen import display_code
from disputes.models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Hold,
    Outcome,
    RejectReason,
    Route,
    Satisfaction,
    Status,
    VisitMethod,
)

A = CaseEvent.Action

# The case's state as the citizen reads it.
STATE_WORDS = {
    Status.SUBMITTED: gettext_lazy("已收到，等待受理"),
    Status.REGISTERED: gettext_lazy("已受理，正在安排承办单位"),
    Status.REJECTED: gettext_lazy("不予受理"),
    Status.DISPATCHED: gettext_lazy("办理中"),
    Status.IN_PROGRESS: gettext_lazy("办理中"),
    Status.PENDING_REVIEW: gettext_lazy("办理中（办理结果审核中）"),
    Status.CLOSED: gettext_lazy("已办结，请您评价"),
    Status.EVALUATED: gettext_lazy("已办结，已评价"),
    Status.ARCHIVED: gettext_lazy("已办结"),
}


@dataclass
class Step:
    at: datetime
    title: str
    lines: list[str] = field(default_factory=list)
    mine: bool = False  # the citizen's own (a note, a rating, a reopen request)


@dataclass
class Progress:
    code: str
    state: str
    status: str
    received_at: datetime
    category: str
    place: str
    unit: str  # the unit handling it now ("" before dispatch)
    due: date | None  # the handling deadline while it is being handled
    result: list[str]  # what was done, once closed
    satisfaction: str
    steps: list[Step]
    may_rate: bool
    may_add: bool


def _result_lines(outcome: str, routes, summary: str) -> list[str]:
    lines = []
    if outcome in Outcome.values:
        lines.append(_("化解结果：%(o)s") % {"o": Outcome(outcome).label})
    labels = "、".join(str(Route(r).label) for r in routes or () if r in Route.values)
    if labels:
        lines.append(_("引导途径：%(r)s") % {"r": labels})
    if summary:
        lines.append(_("办理情况：%(s)s") % {"s": summary})
    return lines


def _received(event: CaseEvent, _ctx: dict) -> Step:
    return Step(event.at, _("已收到您反映的情况"))


def _registered(event: CaseEvent, _ctx: dict) -> Step:
    return Step(event.at, _("已收到并受理"))


def _accepted(event: CaseEvent, _ctx: dict) -> Step:
    return Step(event.at, _("已受理"))


def _rejected(event: CaseEvent, _ctx: dict) -> Step:
    reason = (event.data or {}).get("reason")
    lines = []
    if reason in RejectReason.values:
        lines.append(_("理由：%(r)s") % {"r": RejectReason(reason).label})
    if event.note:
        lines.append(_("建议途径：%(r)s") % {"r": event.note})
    return Step(event.at, _("不予受理"), lines)


def _dispatched(event: CaseEvent, _ctx: dict) -> Step:
    data = event.data or {}
    lines = [_("办理期限：%(d)s 前") % {"d": data["due"]}] if data.get("due") else []
    return Step(event.at, _("已转交 %(u)s 办理") % {"u": data.get("lead_unit", "")}, lines)


def _signed(event: CaseEvent, _ctx: dict) -> Step:
    unit = event.actor_unit.name if event.actor_unit else ""
    return Step(event.at, _("%(u)s 已签收，正在办理") % {"u": unit} if unit else _("承办单位已签收，正在办理"))


def _returned(event: CaseEvent, _ctx: dict) -> Step:
    return Step(event.at, _("中心正在重新安排承办单位"))


def _reported(event: CaseEvent, ctx: dict) -> None:
    # The result is shown once the center approves it (审核通过), not before.
    ctx["report"] = event


def _approved(event: CaseEvent, ctx: dict) -> Step:
    report = ctx.pop("report", None)
    lines = _result_lines(report.data.get("outcome", ""), report.data.get("routes"), report.note) if report else []
    return Step(event.at, _("已办结"), lines)


def _settled(event: CaseEvent, _ctx: dict) -> Step:
    data = event.data or {}
    return Step(event.at, _("已当场化解办结"), _result_lines(data.get("outcome", ""), data.get("routes"), event.note))


def _evaluated(event: CaseEvent, _ctx: dict) -> Step:
    data = event.data or {}
    mine = bool(data.get("by_citizen"))
    lines = []
    if data.get("satisfaction") in Satisfaction.values:
        lines.append(_("评价结果：%(s)s") % {"s": Satisfaction(data["satisfaction"]).label})
    if mine and event.note:
        lines.append(_("您的意见：%(n)s") % {"n": event.note})
    return Step(event.at, _("您已评价") if mine else _("已记录您的评价"), lines, mine)


def _reopen_asked(event: CaseEvent, _ctx: dict) -> Step:
    return Step(event.at, _("您已申请重新办理，等待中心决定"), [], True)


def _reopened(event: CaseEvent, _ctx: dict) -> Step:
    return Step(event.at, _("中心已决定重新办理"))


def _visited(event: CaseEvent, _ctx: dict) -> Step:
    data = event.data or {}
    lines = []
    if data.get("method") in VisitMethod.values:
        lines.append(_("回访方式：%(m)s") % {"m": VisitMethod(data["method"]).label})
    if data.get("came_back"):
        lines.append(_("纠纷复发，重新办理"))
    return Step(event.at, _("已回访"), lines)


def _archived(event: CaseEvent, ctx: dict) -> Step | None:
    if (event.data or {}).get("method") in VisitMethod.values:  # an archive that was also the visit
        return _visited(event, ctx)
    return Step(event.at, _("案结事了，已归档"))


def _paused(event: CaseEvent, _ctx: dict) -> Step:
    reason = (event.data or {}).get("reason")
    words = Hold(reason).label if reason in Hold.values else ""
    return Step(event.at, _("办理期限暂停计时") + (f"（{words}）" if words else ""))


def _resumed(event: CaseEvent, _ctx: dict) -> Step:
    return Step(event.at, _("办理期限恢复计时"))


def _extended(event: CaseEvent, _ctx: dict) -> Step:
    due = (event.data or {}).get("handle_due")
    return Step(event.at, _("办理期限已延长"), [_("办理期限：%(d)s 前") % {"d": due}] if due else [])


def _citizen_note(event: CaseEvent, _ctx: dict) -> Step:
    lines = [event.note] if event.note else []
    if (event.data or {}).get("attachment"):
        lines.append(_("照片：%(n)s") % {"n": event.data["attachment"]})
    return Step(event.at, _("您补充了情况"), lines, True)


# The steps a citizen is shown, and how. Anything else (progress notes, supervision, key persons,
# notices to the police, materials, grants, extension requests…) is the staff's own.
_STEP = {
    A.SUBMIT: _received,
    A.REGISTER: _registered,
    A.ACCEPT: _accepted,
    A.REJECT: _rejected,
    A.DISPATCH: _dispatched,
    A.SIGN: _signed,
    A.RETURN: _returned,
    A.REPORT: _reported,
    A.APPROVE: _approved,
    A.SETTLE: _settled,
    A.EVALUATE: _evaluated,
    A.REOPEN_REQUEST: _reopen_asked,
    A.REOPEN: _reopened,
    A.VISIT: _visited,
    A.ARCHIVE: _archived,
    A.PAUSE: _paused,
    A.RESUME: _resumed,
    A.EXTENSION_APPROVE: _extended,
    A.CITIZEN_NOTE: _citizen_note,
}


def progress(case: Case) -> Progress:
    """The case as its applicant may see it (two queries: the case's steps with their units)."""
    context: dict = {}
    steps = []
    events = case.events.filter(action__in=list(_STEP)).select_related("actor_unit").order_by("at", "id")
    for event in events:
        step = _STEP[event.action](event, context)
        if step is not None:
            steps.append(step)
    closed = case.status in (Status.CLOSED, Status.EVALUATED, Status.ARCHIVED)
    place = " ".join(region.name for region in (case.township, case.village) if region is not None)
    return Progress(
        code=display_code(case.public_code.code),
        state=str(STATE_WORDS.get(case.status, case.get_status_display())),
        status=case.status,
        received_at=case.received_at,
        category=case.category.name if case.category_id else "",
        place=place,
        unit=case.lead_unit.name if case.lead_unit_id and case.status in OPEN_STATUSES else "",
        due=case.handle_due if case.status in HANDLING_STATUSES else None,
        result=_result_lines(case.outcome, case.routes.split(","), case.outcome_summary) if closed else [],
        satisfaction=case.get_satisfaction_display() if case.satisfaction else "",
        steps=steps,
        may_rate=case.status == Status.CLOSED,
        may_add=case.status in OPEN_STATUSES,
    )
