"""How a case stands against its time limits (时限), all from the time-limit matrix.

A case runs through one clock per stage — 签收, 办理, 审核, 回访 — and which one runs follows from its
status. The limit and its thresholds come from the most specific matrix row for the case's level,
category and risk colour (`LimitBook`); a statutory limit that governs the lead unit (人民调解:
one month) caps the handling deadline and its citation is shown beside the countdown.

The handling deadline is recomputed from the recorded transitions (`handle_due_from_events`):
the dispatch sets it, a pause stops the clock and the resume moves the deadline by the working
days it was stopped, an approved extension adds its days, a return or reopen clears it. The stored
`Case.handle_due` is that result, kept for indexed queries.

`standing()` is the one function that says 正常 / 临期 / 逾期 and the reminder level (临期, 黄牌,
红牌) a case is at; the pages, the supervision list and the overdue scan all call it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import (
    PAUSED_HOLDS,
    Case,
    CaseEvent,
    Channel,
    Hold,
    LimitUnit,
    Stage,
    StageLimit,
    Status,
    StatutoryLimit,
    TimeLimitRule,
)
from disputes.reference import DEFAULT_STAGES, STATUTES
from governance.memo import LocalMemo
from governance.models import Reminder, Unit
from governance.workdays import WorkdayMemo, add_working_days, touches_estimated, working_days_between

CACHE_KEY = "disputes:limit-book:v2"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class Limit:
    stage: str
    amount: int
    unit: str
    due_soon: int
    yellow_after: int
    red_after: int
    citation: str = ""

    def deadline(self, start: datetime) -> datetime:
        """The moment the stage is due, for a clock started at `start`. Day limits end at the
        close of their last day (23:59:59 local)."""
        if self.unit == LimitUnit.HOURS:
            return start + timedelta(hours=self.amount)
        day = _local(start).date()
        return end_of_day(add_limit(day, self.amount, self.unit))


@dataclass(frozen=True)
class Statute:
    code: str
    name: str
    amount: int
    unit: str
    citation: str
    handled_by_kind: str
    handled_by_sector: str
    extension: int = 0  # may be extended by this much, with approval (an extension request)


@dataclass
class LimitBook:
    """The matrix and the statutes, read in two queries and cached; resolved in Python per case."""

    # (level, category_id, risk_level_id) -> {stage: Limit}; "" / None mean "any".
    rows: list[tuple[int, tuple[str, int | None, int | None], dict[str, Limit]]] = field(default_factory=list)
    statutes: list[Statute] = field(default_factory=list)

    @classmethod
    def load(cls) -> LimitBook:
        """The shared cache's copy, held a few seconds in this process: a list measures every
        row against it."""
        return _LOCAL.get(cls._shared)

    @classmethod
    def _shared(cls) -> LimitBook:
        book = cache.get(CACHE_KEY)
        if book is None:
            book = cls.from_database()
            cache.set(CACHE_KEY, book, CACHE_SECONDS)
        return book

    @classmethod
    def from_database(cls) -> LimitBook:
        book = cls()
        stages_by_rule: dict[int, dict[str, Limit]] = {}
        for s in StageLimit.objects.select_related("statute"):
            stages_by_rule.setdefault(s.rule_id, {})[s.stage] = Limit(
                s.stage,
                s.amount,
                s.unit,
                s.due_soon,
                s.yellow_after,
                s.red_after,
                s.statute.citation if s.statute else "",
            )
        for rule in TimeLimitRule.objects.all():
            key = (rule.level, rule.category_id, rule.risk_level_id)
            book.rows.append((rule.specificity, key, stages_by_rule.get(rule.pk, {})))
        book.rows.sort(key=lambda row: -row[0])
        book.statutes = [
            Statute(s.code, s.name, s.amount, s.unit, s.citation, s.handled_by_kind, s.handled_by_sector, s.extension)
            for s in StatutoryLimit.objects.all()
        ]
        return book

    def limit(self, stage: str, *, level: str, category_id: int | None, risk_level_id: int | None) -> Limit:
        for _specificity, (row_level, row_category, row_risk), stages in self.rows:
            if stage not in stages:
                continue
            if row_level and row_level != level:
                continue
            if row_category is not None and row_category != category_id:
                continue
            if row_risk is not None and row_risk != risk_level_id:
                continue
            return stages[stage]
        # A matrix emptied by mistake still gives the defaults of DESIGN.md rather than no clock.
        amount, unit, due_soon, yellow, red = next(s[1:] for s in DEFAULT_STAGES if s[0] == stage)
        return Limit(stage, amount, unit, due_soon, yellow, red)

    def statute_for(self, unit: Unit | None) -> Statute | None:
        """The statutory handling limit that governs a lead unit (by kind or sector), if any."""
        if unit is None:
            return None
        for statute in self.statutes:
            if (statute.handled_by_kind and statute.handled_by_kind == unit.kind) or (
                statute.handled_by_sector and statute.handled_by_sector == unit.sector
            ):
                return statute
        return None

    def statute(self, code: str) -> Statute | None:
        return next((s for s in self.statutes if s.code == code), None)


_LOCAL: LocalMemo[LimitBook] = LocalMemo(10)


def forget_limit_book(**kwargs) -> None:
    cache.delete(CACHE_KEY)
    _LOCAL.forget()


for _model in (TimeLimitRule, StageLimit, StatutoryLimit):
    post_save.connect(forget_limit_book, sender=_model, dispatch_uid=f"forget-limits-save-{_model.__name__}")
    post_delete.connect(forget_limit_book, sender=_model, dispatch_uid=f"forget-limits-delete-{_model.__name__}")


# --- Date arithmetic ----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """一个月: the same day of the month, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_limit(day: date, amount: int, unit: str) -> date:
    if unit == LimitUnit.WORKING_DAYS:
        return add_working_days(day, amount)
    if unit == LimitUnit.MONTHS:
        return add_months(day, amount)
    return day + timedelta(days=amount)


def _local(moment: datetime) -> datetime:
    """Local time on the project's zone (Asia/Shanghai). Not `timezone.localtime`: that looks up
    the active zone in a context-local on every call, which a scan of 200,000 cases feels."""
    return moment.astimezone(timezone.get_default_timezone())


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.get_default_timezone())


def case_level(case: Case) -> str:
    return (
        TimeLimitRule.Level.COUNTY if case.intake_unit.kind == Unit.Kind.COUNTY_CENTER else TimeLimitRule.Level.TOWNSHIP
    )


def limit_for(case: Case, stage: str, book: LimitBook | None = None) -> Limit:
    book = book or LimitBook.load()
    return book.limit(stage, level=case_level(case), category_id=case.category_id, risk_level_id=case.risk_level_id)


def default_handle_due(case: Case, start: date, lead_unit: Unit | None = None) -> date:
    """The handling deadline the matrix gives, capped by a statute governing the lead unit."""
    return dispatch_due(case, start, lead_unit).due


def amount_text(amount: int, unit: str) -> str:
    """ "15 个工作日", "1 个月": a limit as the pages say it."""
    words = {
        LimitUnit.WORKING_DAYS: _("个工作日"),
        LimitUnit.CALENDAR_DAYS: _("天"),
        LimitUnit.MONTHS: _("个月"),
        LimitUnit.HOURS: _("小时"),
    }
    return f"{amount} {words.get(unit, unit)}"


@dataclass(frozen=True)
class DueAdvice:
    """The handling deadline a dispatch to `lead_unit` starts with, and why (shown on the form)."""

    due: date
    reason: str
    statute: Statute | None = None


def dispatch_due(case: Case, start: date, lead_unit: Unit | None = None, book: LimitBook | None = None) -> DueAdvice:
    """`default_handle_due` with its reason: the matrix row's handling limit, or the statute that
    governs the lead unit when it is shorter (人民调解：法定期限一个月)."""
    book = book or LimitBook.load()
    limit = limit_for(case, Stage.HANDLE, book)
    matrix_due = add_limit(start, limit.amount, limit.unit)
    matrix = str(_("时限矩阵（%(category)s · %(risk)s）：办理 %(limit)s")) % {
        "category": case.category.name if case.category_id else _("各类别"),
        "risk": case.risk_level.name if case.risk_level_id else _("各风险等级"),
        "limit": amount_text(limit.amount, limit.unit),
    }
    statute = book.statute_for(lead_unit)
    if statute is not None:
        capped = add_limit(start, statute.amount, statute.unit)
        if capped < matrix_due:
            advice = DueAdvice(capped, _statute_reason(statute, capped, matrix), statute)
            return _petition_capped(case, start, advice, matrix)
    reason = str(_("%(matrix)s，期限至 %(date)s。")) % {"matrix": matrix, "date": matrix_due.isoformat()}
    return _petition_capped(case, start, DueAdvice(matrix_due, reason), matrix)


def _petition_capped(case: Case, start: date, advice: DueAdvice, matrix: str) -> DueAdvice:
    """A 信访 case is handled within the statute's days of its acceptance, whoever handles it."""
    petition = petition_cap(case, start)
    if petition is None or petition[0] >= advice.due:
        return advice
    due, statute = petition
    return DueAdvice(due, _statute_reason(statute, due, matrix), statute)


def _statute_reason(statute: Statute, due: date, matrix: str) -> str:
    return str(_("%(name)s：法定 %(limit)s（%(citation)s），期限至 %(date)s；%(matrix)s，长于法定期限。")) % {
        "name": statute.name,
        "limit": amount_text(statute.amount, statute.unit),
        "citation": statute.citation,
        "date": due.isoformat(),
        "matrix": matrix,
    }


def statutory(code: str) -> Statute:
    """A statutory limit by code (mediation, judicial_confirmation, petition_…): the table's row,
    or the shipped default if an administrator removed it."""
    found = LimitBook.load().statute(code)
    if found is not None:
        return found
    _code, name, amount, unit, extension, citation, _text, kind, sector = next(s for s in STATUTES if s[0] == code)
    return Statute(code, name, amount, unit, citation, kind, sector, extension)


def due_soon_working_days() -> int:
    """临期 for counts across many cases (unit performance, digests): the default row's handling
    threshold. A single case's clock uses its own row (`standing`)."""
    limit = LimitBook.load().limit(Stage.HANDLE, level="", category_id=None, risk_level_id=None)
    return limit.due_soon if limit.unit == LimitUnit.WORKING_DAYS else 2


def statutory_cap(start: date, lead_unit: Unit) -> tuple[date, Statute] | None:
    statute = LimitBook.load().statute_for(lead_unit)
    if statute is None:
        return None
    # The statutory limit itself; more time comes only through an approved extension request.
    return add_limit(start, statute.amount, statute.unit), statute


# --- 信访 (Channel.PETITION): 信访工作条例's limits, from the statutory-limit table ------------------
# The center decides within 15 days of receipt whether to accept a petition and tells the petitioner
# (petition_acceptance: the 受理告知 clock of a 信访 case waiting for acceptance); an accepted
# petition is handled within 60 days of acceptance (petition_handling: caps the dispatch deadline),
# extended with approval by at most 30 days (its `extension`: caps an approved extension).
PETITION_ACCEPTANCE, PETITION_HANDLING = "petition_acceptance", "petition_handling"
ACCEPT_STAGE = "accept"  # the 受理告知 clock; not a stage of the matrix


def acceptance_due(case: Case) -> tuple[datetime, Statute] | None:
    """When a 信访 case waiting for acceptance must be accepted or refused, and the statute."""
    if case.channel != Channel.PETITION or case.status != Status.SUBMITTED:
        return None
    statute = statutory(PETITION_ACCEPTANCE)
    return end_of_day(add_limit(_local(case.received_at).date(), statute.amount, statute.unit)), statute


def petition_cap(case: Case, accepted_on: date) -> tuple[date, Statute] | None:
    """The latest handling deadline of a 信访 case accepted on `accepted_on` (60 days), or None."""
    if case.channel != Channel.PETITION:
        return None
    statute = statutory(PETITION_HANDLING)
    return add_limit(accepted_on, statute.amount, statute.unit), statute


def petition_extended_cap(case: Case, accepted_on: date) -> tuple[date, Statute] | None:
    """… and with the longest extension the statute allows (60 + 30 days)."""
    cap = petition_cap(case, accepted_on)
    if cap is None:
        return None
    due, statute = cap
    return add_limit(due, statute.extension, statute.unit), statute


# The steps that set or move the handling deadline (as `handle_due_from_events` reads them). Each
# records the deadline in effect after it in its data (`handle_due`: an ISO date, "" when none),
# so the daily statistics read the deadline of any past moment from the timeline. A pause moves
# nothing (the resume does), so it records none.
DEADLINE_STEPS = (
    CaseEvent.Action.DISPATCH,
    CaseEvent.Action.RETURN,
    CaseEvent.Action.REOPEN,
    CaseEvent.Action.RESUME,
    CaseEvent.Action.EXTENSION_APPROVE,
)


def handle_due_from_events(events: Iterable[CaseEvent]) -> date | None:
    """The handling deadline as the recorded transitions make it (see the module docstring)."""
    due: date | None = None
    paused_on: date | None = None
    for event in events:
        on = _local(event.at).date()
        if event.action == CaseEvent.Action.DISPATCH:
            due, paused_on = date.fromisoformat(event.data["due"]), None
        elif event.action in (CaseEvent.Action.RETURN, CaseEvent.Action.REOPEN):
            due, paused_on = None, None
        elif event.action == CaseEvent.Action.PAUSE and due is not None:
            paused_on = on
        elif event.action == CaseEvent.Action.RESUME and due is not None and paused_on is not None:
            due = add_working_days(due, max(working_days_between(paused_on, on), 0))
            paused_on = None
        elif event.action == CaseEvent.Action.EXTENSION_APPROVE and due is not None:
            due = add_working_days(due, int(event.data["days"]))
    return due


# --- Standing ------------------------------------------------------------------------------------

STAGE_OF_STATUS = {
    Status.DISPATCHED: Stage.SIGN,
    Status.IN_PROGRESS: Stage.HANDLE,
    Status.PENDING_REVIEW: Stage.REVIEW,
    Status.CLOSED: Stage.VISIT,
    Status.EVALUATED: Stage.VISIT,
}


@dataclass(frozen=True)
class Clock:
    stage: str
    state: str  # "ok", "due_soon", "overdue", "paused"
    left: int  # units left (≥ 0), or past the deadline when overdue
    unit: str
    due: datetime
    level: str = ""  # Reminder.Level reached, or ""
    crossed: date | None = None  # the day that level was reached
    citation: str = ""
    hold: str = ""
    estimated: bool = False  # counted in working days through a year whose schedule is only estimated (预估)

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label) if self.stage in Stage.values else str(_("受理告知"))

    @property
    def unit_label(self) -> str:
        return (
            str(_("小时"))
            if self.unit == LimitUnit.HOURS
            else str(_("个工作日") if self.unit == LimitUnit.WORKING_DAYS else _("天"))
        )

    @property
    def label(self) -> str:
        values = {"stage": self.stage_label, "n": self.left, "unit": self.unit_label}
        if self.state == "paused":
            return str(_("%(stage)s计时暂停（%(hold)s）")) % {**values, "hold": Hold(self.hold).label}
        if self.state == "overdue":
            return str(_("%(stage)s逾期 %(n)d %(unit)s")) % values
        if self.state == "due_soon" and self.left == 0:
            return (
                str(_("%(stage)s今日到期")) % values
                if self.unit != LimitUnit.HOURS
                else str(_("%(stage)s即将到期")) % values
            )
        if self.state == "due_soon":
            return str(_("%(stage)s临期，剩 %(n)d %(unit)s")) % values
        return str(_("%(stage)s正常，剩 %(n)d %(unit)s")) % values

    @property
    def card(self) -> str:
        """临期 / 黄牌 / 红牌, for the badge beside the countdown."""
        return str(Reminder.Level(self.level).label) if self.level else ""


def stage_start(case: Case, stage: str) -> datetime | None:
    if stage == Stage.REVIEW:
        return case.reported_at
    if stage == Stage.VISIT:
        return case.closed_at if case.visited_at is None else None
    return None


def stage_due(case: Case, stage: str, book: LimitBook) -> tuple[datetime | None, Limit]:
    limit = limit_for(case, stage, book)
    if stage == Stage.SIGN:
        return case.sign_due, limit
    if stage == Stage.HANDLE:
        return (end_of_day(case.handle_due) if case.handle_due else None), limit
    start = stage_start(case, stage)
    return (limit.deadline(start) if start else None), limit


def standing(
    case: Case, now: datetime | None = None, book: LimitBook | None = None, memo: WorkdayMemo | None = None
) -> Clock | None:
    """Which clock runs for the case and where it stands, or None when no clock runs."""
    stage = STAGE_OF_STATUS.get(case.status)
    now = now or timezone.now()
    if stage is None:
        accept = acceptance_due(case)
        if accept is None:
            return None
        # 受理告知 of a 信访 case: 临期 three days before, 黄牌 when missed, 红牌 three days late.
        due, statute = accept
        limit = Limit(ACCEPT_STAGE, statute.amount, statute.unit, 3, 0, 3, statute.citation)
        return measure(ACCEPT_STAGE, due, limit, now, statute.citation, memo)
    book = book or LimitBook.load()
    due, limit = stage_due(case, stage, book)
    if due is None:
        return None
    citation = limit.citation
    if stage == Stage.HANDLE:
        statute = book.statute_for(case.lead_unit) if case.lead_unit_id else None
        citation = statute.citation if statute else citation
    if stage == Stage.HANDLE and case.hold in PAUSED_HOLDS:
        estimated = limit.unit == LimitUnit.WORKING_DAYS and touches_estimated(_local(now).date(), _local(due).date())
        return Clock(stage, "paused", 0, limit.unit, due, citation=citation, hold=case.hold, estimated=estimated)
    return measure(stage, due, limit, now, citation, memo)


def measure(
    stage: str, due: datetime, limit: Limit, now: datetime, citation: str = "", memo: WorkdayMemo | None = None
) -> Clock:
    """Units left or past, and the level reached with the day it was reached."""
    if limit.unit == LimitUnit.HOURS:
        if now <= due:
            left = int((due - now).total_seconds() // 3600)
            if left < limit.due_soon:
                crossed = _local(due - timedelta(hours=limit.due_soon)).date()
                return Clock(stage, "due_soon", left, limit.unit, due, "due_soon", crossed, citation)
            return Clock(stage, "ok", left, limit.unit, due, citation=citation)
        over = int((now - due).total_seconds() // 3600)
        level, crossed = _overdue_level(over, limit, lambda n: _local(due + timedelta(hours=n)).date())
        return Clock(stage, "overdue", over, limit.unit, due, level, crossed, citation)

    today, due_day = _local(now).date(), _local(due).date()
    estimated = False
    if limit.unit == LimitUnit.WORKING_DAYS:
        count = memo.working_days_between if memo else working_days_between
        step = memo.add_working_days if memo else add_working_days
        # The deadline falls in, or the count runs through, a year counted by rule only.
        estimated = touches_estimated(today, due_day)
    else:
        count, step = _calendar_days_between, _add_calendar_days
    if today <= due_day:
        left = count(today, due_day)
        if left <= limit.due_soon:
            crossed = step(due_day, -limit.due_soon)
            return Clock(stage, "due_soon", left, limit.unit, due, "due_soon", crossed, citation, estimated=estimated)
        return Clock(stage, "ok", left, limit.unit, due, citation=citation, estimated=estimated)
    over = max(count(due_day, today), 1)
    level, crossed = _overdue_level(over, limit, lambda n: max(step(due_day, n), due_day + timedelta(days=1)))
    return Clock(stage, "overdue", over, limit.unit, due, level, crossed, citation, estimated=estimated)


# How far back `latest_red_due` looks for a deadline at 红牌 (a red threshold of years is no threshold).
RED_SEARCH_DAYS = 1000


def latest_red_due(limit: Limit, moment: datetime, memo: WorkdayMemo | None = None) -> date | None:
    """The latest handling deadline (`Case.handle_due`) whose clock on `limit` is at 红牌 at
    `moment`, by `measure`; every earlier deadline is red too, so a case is red then exactly when
    its deadline is on or before this date. None when the limit has no red threshold. For counting
    red cases in SQL (disputes/stats.py): one date per limit and moment instead of a clock per case."""
    if not limit.red_after:
        return None
    day = _local(moment).date()
    for _n in range(RED_SEARCH_DAYS):
        if measure(Stage.HANDLE, end_of_day(day), limit, moment, memo=memo).level == Reminder.Level.RED:
            return day
        day -= timedelta(days=1)
    return None


def _overdue_level(over: int, limit: Limit, day_at) -> tuple[str, date]:
    if limit.red_after and over >= limit.red_after:
        return Reminder.Level.RED, day_at(limit.red_after)
    if over >= limit.yellow_after:
        return Reminder.Level.YELLOW, day_at(limit.yellow_after)
    return Reminder.Level.DUE_SOON, day_at(0)


def _calendar_days_between(start: date, end: date) -> int:
    return (end - start).days


def _add_calendar_days(start: date, n: int) -> date:
    return start + timedelta(days=n)
