"""The cases' part of the overdue scan (governance/reminders.py): which reminders the open cases
owe right now, from the time-limit matrix and the stored deadlines.

Set-based, so 200,000 open cases cost seconds, not a minute: a case's clock depends only on a
few of its values (status, level, category and risk colour as far as the matrix names them, the
lead unit's kind and sector as far as a statute names them, and its deadline: the day for limits
counted in days, the moment for limits counted in hours). The candidates (those near or past a
deadline; the rest are filtered out by indexed conditions in SQL) are grouped on that key in one
query; `disputes.deadlines.standing`, the function the pages use, measures one stand-in case per
group (a few hundred); the groups' reminders, with their wording and recipients, go back to
the database, which joins them to the cases (`CaseClocks`): the scan inserts what is new in one
statement (`governance.reminders.DueSet`) and never reads the 200,000 rows.

Then open listed supervisions (one query) and the daily digest (three aggregates), as `Due`s.
A fixed number of queries whatever the number of cases.

Steady runs: within a day, a clock counted in days cannot move unless its case does, so after the
day's full pass (and again after the first pass past DIGEST_AFTER) a run reads only the cases
changed since that pass began (`updated_at`, less CHANGE_MARGIN for transactions open then) and
the few whose clock is counted in hours and may cross a threshold in between. Anything else a
clock follows (the matrix, the statutes, the calendar, the units' kinds) is fingerprinted with
the pass; an edit of any of them makes the next run a full pass again (`steady_since`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import chinese_calendar
from django.db import connection, models
from django.db.models import Count, F, Q, Value, Window
from django.db.models.functions import Cast, Coalesce, Concat, RowNumber, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.deadlines import (
    STAGE_OF_STATUS,
    Clock,
    Limit,
    LimitBook,
    due_soon_working_days,
    end_of_day,
    measure,
    standing,
)
from disputes.models import (
    Case,
    EarlyWarning,
    ExtensionRequest,
    Hold,
    LimitUnit,
    Stage,
    Status,
    Supervision,
    TimeLimitRule,
)
from governance.models import CalendarDay, CalendarYear, Heartbeat, Reminder, Role, Unit, User
from governance.reminders import Due, DueSet
from governance.workdays import WorkdayMemo
from grids.models import PREFIX_LENGTH, Region

L = Reminder.Level
# A leader's listed supervision runs on the leader's own deadline.
SUPERVISION_LIMIT = Limit("supervision", 0, LimitUnit.WORKING_DAYS, due_soon=1, yellow_after=0, red_after=2)
# The digest goes out with the first scan after this local time.
DIGEST_AFTER = time(8, 0)
# A leader's daily summary names at most this many newly red cases and new warnings.
DIGEST_CASES, DIGEST_WARNINGS = 10, 5
# Candidates: a case is read only if some clock of it can have reached a level by now.
LOOKAHEAD_DAYS = 21
# The stages whose reminders go to the lead unit; the center chases the others.
LEAD_UNIT_STATUSES = [status for status, stage in STAGE_OF_STATUS.items() if stage in (Stage.SIGN, Stage.HANDLE)]

STAGE_TITLES = {
    (Stage.SIGN, L.DUE_SOON): gettext_lazy("【临期】%(n)s 即将超过签收时限，请及时签收"),
    (Stage.SIGN, L.YELLOW): gettext_lazy("【黄牌】%(n)s 超过签收时限未签收"),
    (Stage.SIGN, L.RED): gettext_lazy("【红牌】%(n)s 超过签收时限 %(d)s 仍未签收"),
    (Stage.HANDLE, L.DUE_SOON): gettext_lazy("【临期】%(n)s 办理期限将至（%(due)s）"),
    (Stage.HANDLE, L.YELLOW): gettext_lazy("【黄牌】%(n)s 已超过办理期限"),
    (Stage.HANDLE, L.RED): gettext_lazy("【红牌】%(n)s 超过办理期限 %(d)s，请督促办结"),
    (Stage.REVIEW, L.DUE_SOON): gettext_lazy("【临期】%(n)s 办结反馈待审核，审核时限将至"),
    (Stage.REVIEW, L.YELLOW): gettext_lazy("【黄牌】%(n)s 办结反馈超过审核时限未审核"),
    (Stage.REVIEW, L.RED): gettext_lazy("【红牌】%(n)s 办结反馈超过审核时限 %(d)s"),
    (Stage.VISIT, L.DUE_SOON): gettext_lazy("【临期】%(n)s 应于 %(due)s 前回访"),
    (Stage.VISIT, L.YELLOW): gettext_lazy("【黄牌】%(n)s 已超过回访时限"),
    (Stage.VISIT, L.RED): gettext_lazy("【红牌】%(n)s 超过回访时限 %(d)s 仍未回访"),
    ("supervision", L.DUE_SOON): gettext_lazy("【临期】挂牌督办 %(n)s 应于 %(due)s 前回复"),
    ("supervision", L.YELLOW): gettext_lazy("【黄牌】挂牌督办 %(n)s 已过督办期限未回复"),
    ("supervision", L.RED): gettext_lazy("【红牌】挂牌督办 %(n)s 超过督办期限 %(d)s 未回复"),
}


def _candidates(now: datetime) -> Q:
    today = timezone.localtime(now).date()
    horizon = today + timedelta(days=LOOKAHEAD_DAYS)
    return (
        Q(status=Status.DISPATCHED, sign_due__lte=now + timedelta(days=LOOKAHEAD_DAYS))
        | Q(status=Status.IN_PROGRESS, hold=Hold.RUNNING, handle_due__lte=horizon)
        | Q(status=Status.PENDING_REVIEW)
        | Q(status__in=[Status.CLOSED, Status.EVALUATED], visited_at__isnull=True)
    )


# --- Steady runs: only what can have changed since the day's full pass ---------------------------

# The cases' last full pass: when it began (wall clock, as `Case.updated_at` is written) and, in
# `state`, the period it covered, the moment it measured and a fingerprint of the clocks' inputs.
FULL_PASS = "overdue_scan_full_pass"
# A transaction open when the full pass began may commit a case saved a little earlier.
CHANGE_MARGIN = timedelta(minutes=10)
# The status whose stage starts at this moment (or, for 签收, falls due at it).
MOMENT_OF_STATUS = {
    Status.DISPATCHED: "sign_due",
    Status.PENDING_REVIEW: "reported_at",
    Status.CLOSED: "closed_at",
    Status.EVALUATED: "closed_at",
}


def period(now: datetime) -> str:
    """A full pass covers the rest of its local day, before or after the digest's hour: a new day
    re-keys every red card, and the first run past DIGEST_AFTER sends every unit's digest."""
    local = timezone.localtime(now)
    return f"{local.date().isoformat()}{'+' if local.time() >= DIGEST_AFTER else '-'}"


def clock_inputs(book: LimitBook) -> str:
    """A fingerprint of what the clocks follow besides the cases: the matrix and the statutes, the
    administrator's calendar (and the library's version), the units' kinds and sectors (a county
    center's cases are county-level; a statute governs a unit by kind or sector)."""
    parts = [
        sorted(repr(row) for row in book.rows),
        sorted(repr(statute) for statute in book.statutes),
        sorted(
            (day.isoformat(), working) for day, working in CalendarDay.objects.values_list("date", "is_working_day")
        ),
        sorted(CalendarYear.objects.values_list("year", flat=True)),
        getattr(chinese_calendar, "__version__", ""),
        sorted(Unit.objects.values_list("pk", "kind", "sector")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Pass:
    """What the cases' scanner reads this run: everything (`since` None, a full pass, which records
    itself once delivered), or what changed since the full pass of this period."""

    now: datetime
    started: datetime  # wall clock
    state: dict
    since: datetime | None = None  # cases saved from then on (wall clock)
    measured: datetime | None = None  # the moment the full pass measured

    def record(self) -> None:
        if self.since is None:
            Heartbeat.objects.update_or_create(name=FULL_PASS, defaults={"at": self.started, "state": self.state})


def steady_since(now: datetime, book: LimitBook) -> Pass:
    """A full pass unless this period's full pass ran on the same inputs."""
    state = {"period": period(now), "inputs": clock_inputs(book), "now": now.isoformat()}
    started = timezone.now()
    last = Heartbeat.objects.filter(name=FULL_PASS).values_list("at", "state").first()
    if last is None or {**last[1], "now": ""} != {**state, "now": ""}:
        return Pass(now, started, state)
    return Pass(now, started, state, last[0] - CHANGE_MARGIN, datetime.fromisoformat(last[1]["now"]))


def _may_have_moved(keys: ClockKeys, book: LimitBook, run: Pass) -> Q:
    """The candidates a steady run reads: those saved since the full pass, and those on a clock
    counted in hours whose thresholds fall between the full pass's moment and this run's."""
    moved = Q(updated_at__gte=run.since)
    for status in sorted({hourly[0] for hourly in keys.hourly}):
        limits = [
            book.limit(STAGE_OF_STATUS[status], level=level, category_id=category or None, risk_level_id=risk or None)
            for hourly_status, level, category, risk in keys.hourly
            if hourly_status == status
        ]
        reach = timedelta(hours=max(lim.amount + lim.due_soon + max(lim.yellow_after, lim.red_after) for lim in limits))
        column = MOMENT_OF_STATUS[status]
        low = min(run.measured, run.now) - reach
        moved |= Q(status=status, **{f"{column}__gte": low, f"{column}__lte": run.now + reach})
    return moved


@dataclass(frozen=True)
class UnitRow:
    kind: str
    sector: str


class Recipients:
    """Unit heads and leaders, read once per scan."""

    def __init__(self) -> None:
        self.heads: dict[int, list[int]] = defaultdict(list)
        for unit_id, user_id in User.objects.filter(is_unit_head=True, is_active=True, unit__isnull=False).values_list(
            "unit_id", "pk"
        ):
            self.heads[unit_id].append(user_id)
        self.leaders: list[tuple[str, int]] = [
            (code[: PREFIX_LENGTH[level]], pk)
            for pk, code, level in User.objects.filter(groups__name=Role.LEADER, is_active=True, unit__isnull=False)
            .values_list("pk", "unit__region__code", "unit__region__level")
            .distinct()
        ]

    def leaders_of(self, township_code: str) -> tuple[int, ...]:
        return tuple(pk for prefix, pk in self.leaders if township_code.startswith(prefix))

    def for_level(self, level: str, unit_id: int | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(units, users): 临期 to the handling unit; 黄牌 to it and its head; 红牌, on the day it
        is reached and every day after (RED_AGAIN), to the head (to the unit itself when it has no
        head on record). The jurisdiction's leaders read the red cards in their daily 红牌汇总
        (`_leader_digests`), not one by one: a leader hears of a single case only when he listed
        it himself (挂牌督办)."""
        heads = tuple(self.heads.get(unit_id, ())) if unit_id else ()
        unit = (unit_id,) if unit_id else ()
        if level == L.DUE_SOON:
            return unit, ()
        if level == L.YELLOW:
            return unit, heads
        return (() if heads else unit), heads


# Who hears of a red card after the day it turned red (`Recipients.for_level`).
RED_AGAIN = "red_again"


# Marks an open field in a rendered template (see `open_template`); no translation holds it.
MARK = "\x00"


def open_template(template: str, fields: Iterable[str], **values) -> tuple[str, ...]:
    """`template % values` with `fields` left open, so many cases share one rendering: literal
    text at the even places, a field's name at the odd ones (`fill` completes it)."""
    return tuple((template % {**values, **{name: f"{MARK}{name}{MARK}" for name in fields}}).split(MARK))


def fill(pieces: tuple[str, ...], values: dict[str, str]) -> str:
    return "".join(values[piece] if i % 2 else piece for i, piece in enumerate(pieces))


class Texts:
    """The translated templates, looked up once per scan rather than once per reminder."""

    def __init__(self) -> None:
        self.titles = {key: str(value) for key, value in STAGE_TITLES.items()}
        self.body = open_template(_("%(township)s　%(summary)s"), ("township", "summary"))
        self.citation = _("依据：%(c)s")
        self.units = {unit: str(label) for unit, label in UNIT_WORDS.items()}
        self.tz = timezone.get_current_timezone()
        self.case_prefix = reverse("disputes-detail", args=["0"]).removesuffix("0/")

    def title(self, kind: str, clock: Clock) -> tuple[str, ...]:
        """The title of a reminder on `clock`, the case number (`n`) left open."""
        over = f"{clock.left} {self.units[clock.unit]}"
        due_text = clock.due.astimezone(self.tz).strftime(
            "%Y-%m-%d %H:%M" if clock.unit == LimitUnit.HOURS else "%Y-%m-%d"
        )
        return open_template(self.titles[(kind, clock.level)], ("n",), d=over, due=due_text)

    def citation_line(self, clock: Clock) -> str:
        return "\n" + self.citation % {"c": clock.citation} if clock.citation else ""


UNIT_WORDS = {
    LimitUnit.WORKING_DAYS: gettext_lazy("个工作日"),
    LimitUnit.HOURS: gettext_lazy("小时"),
    LimitUnit.CALENDAR_DAYS: gettext_lazy("天"),
    LimitUnit.MONTHS: gettext_lazy("天"),
}


def _day(clock: Clock, today: date) -> date:
    # 临期 and 黄牌 once, keyed on the day they were reached; 红牌 every day while red.
    return today if clock.level == L.RED else clock.crossed


def _due(case, clock: Clock, kind: str, unit_id: int | None, recipients: Recipients, today, texts: Texts) -> Due:
    units, users = recipients.for_level(clock.level, unit_id)
    body = fill(texts.body, {"township": case.township.name, "summary": case.summary[:80]})
    return Due(
        subject=f"case:{case.pk}",
        kind=kind,
        level=clock.level,
        day=_day(clock, today),
        title=fill(texts.title(kind, clock), {"n": case.number}),
        body=body + texts.citation_line(clock),
        url=f"{texts.case_prefix}{case.number}/",
        units=units,
        users=users,
    )


# --- The stage clocks, by group -------------------------------------------------------------------


@dataclass(frozen=True)
class ClockKeys:
    """What of a case can change its clock. A category, risk colour, unit kind or sector that no
    rule or statute names resolves like none at all, so each stands for its class (0 or "")."""

    categories: tuple[int, ...]
    risks: tuple[int, ...]
    kinds: tuple[str, ...]
    sectors: tuple[str, ...]
    # (status, level, category class, risk class) whose stage is counted in hours: keyed on the
    # moment the clock runs from; every other clock on its day.
    hourly: tuple[tuple[str, str, int, int], ...]

    @classmethod
    def of(cls, book: LimitBook) -> ClockKeys:
        categories = tuple(sorted({key[1] for _s, key, _l in book.rows if key[1] is not None}))
        risks = tuple(sorted({key[2] for _s, key, _l in book.rows if key[2] is not None}))
        hourly = tuple(
            (status, level, category, risk)
            for status, stage in STAGE_OF_STATUS.items()
            if stage != Stage.HANDLE  # runs to the end of a stored day whatever its unit
            for level in (TimeLimitRule.Level.COUNTY, TimeLimitRule.Level.TOWNSHIP)
            for category in (*categories, 0)
            for risk in (*risks, 0)
            if book.limit(stage, level=level, category_id=category or None, risk_level_id=risk or None).unit
            == LimitUnit.HOURS
        )
        return cls(
            categories,
            risks,
            tuple(sorted({s.handled_by_kind for s in book.statutes if s.handled_by_kind})),
            tuple(sorted({s.handled_by_sector for s in book.statutes if s.handled_by_sector})),
            hourly,
        )

    def annotate(self, cases: models.QuerySet) -> models.QuerySet:
        zone = timezone.get_default_timezone()
        handling = Q(status=Status.IN_PROGRESS)
        cases = cases.annotate(
            limit_level=models.Case(
                models.When(intake_unit__kind=Unit.Kind.COUNTY_CENTER, then=Value(TimeLimitRule.Level.COUNTY)),
                default=Value(TimeLimitRule.Level.TOWNSHIP),
            ),
            category_class=_class("category_id", self.categories, 0),
            risk_class=_class("risk_level_id", self.risks, 0),
            statute_kind=_class("lead_unit__kind", self.kinds, "", handling),
            statute_sector=_class("lead_unit__sector", self.sectors, "", handling),
            due_date=models.Case(
                models.When(status=Status.DISPATCHED, then=TruncDate("sign_due", tzinfo=zone)),
                models.When(status=Status.IN_PROGRESS, then=F("handle_due")),
                models.When(status=Status.PENDING_REVIEW, then=TruncDate("reported_at", tzinfo=zone)),
                default=TruncDate("closed_at", tzinfo=zone),
                output_field=models.DateField(),
            ),
        )
        started = {Status.DISPATCHED: F("sign_due"), Status.PENDING_REVIEW: F("reported_at")}
        cases = cases.annotate(
            due_moment=models.Case(
                *[
                    models.When(
                        Q(status=status, limit_level=level, category_class=category, risk_class=risk),
                        then=started.get(status, F("closed_at")),
                    )
                    for status, level, category, risk in self.hourly
                ],
                default=Value(None),
                output_field=models.DateTimeField(),
            )
        )
        parts = ("status", "limit_level", "category_class", "risk_class", "statute_kind", "statute_sector")
        texts = [Cast(part, models.TextField()) for part in (*parts, "due_date", "due_moment")]
        if connection.vendor == "sqlite":
            # Concat nests a pair per part, and SQLite's parser overflows its stack on the nested
            # CASEs (the embedded default): one flat `a || '|' || b …` instead, NULL as ''.
            texts = [Coalesce(text, Value("")) for text in texts]
            separated = [piece for text in texts for piece in (Value("|"), text)][1:]
            flat = models.Func(*separated, arg_joiner=" || ", template="(%(expressions)s)")
            return cases.annotate(clock_key=models.ExpressionWrapper(flat, output_field=models.TextField()))
        separated = [piece for text in texts for piece in (Value("|"), text)][1:]
        return cases.annotate(clock_key=Concat(*separated, output_field=models.TextField()))


def _class(field: str, named: tuple, other, condition: Q | None = None):
    """The field's value where the rules name it (and `condition` holds), else `other`."""
    if not named:
        return Value(other)
    return models.Case(
        models.When(Q(**{f"{field}__in": named}) & (condition or Q()), then=F(field)), default=Value(other)
    )


KEY_FIELDS = (
    "status",
    "limit_level",
    "category_class",
    "risk_class",
    "statute_kind",
    "statute_sector",
    "due_date",
    "due_moment",
    "clock_key",
)


def _stand_in(group: dict) -> SimpleNamespace:
    """A case with the group's key and nothing else: `standing` reads the same attributes."""
    zone = timezone.get_default_timezone()
    day = group["due_date"]
    moment = group["due_moment"] or (datetime.combine(day, time(12), tzinfo=zone) if day else None)
    county = group["limit_level"] == TimeLimitRule.Level.COUNTY
    return SimpleNamespace(
        status=group["status"],
        hold=Hold.RUNNING,  # the candidates in 办理中 are the running ones
        sign_due=moment,
        handle_due=day,
        reported_at=moment,
        closed_at=moment,
        visited_at=None,
        category_id=group["category_class"] or None,
        risk_level_id=group["risk_class"] or None,
        intake_unit=UnitRow(Unit.Kind.COUNTY_CENTER if county else "", ""),
        lead_unit_id=-1,  # "has one": its kind and sector are the class (empty when no statute names them)
        lead_unit=UnitRow(group["statute_kind"], group["statute_sector"]),
    )


@dataclass(frozen=True)
class GroupDue:
    """What every case of a group owes: the reminder, its title with the number left open, and
    the citation line that ends its body."""

    kind: str
    level: str
    day: date
    title: tuple[str, ...]
    citation: str
    to: str  # the level, or RED_AGAIN for a red card reached before today (its recipients)


@dataclass
class CaseClocks:
    """The stage reminders the candidate cases owe (a `DueSet`)."""

    cases: models.QuerySet  # the candidates, annotated with clock_key, owner and the wording's fields
    owed: dict[str, GroupDue]  # clock_key -> reminder, for the groups at some level
    recipients: dict[tuple[str, int, int], tuple[tuple[int, ...], tuple[int, ...]]]  # (level, owner, township)
    texts: Texts
    run: Pass
    # township id -> (its red cards, those that turned red today), for the leaders' 红牌汇总
    red: dict[int, tuple[int, int]] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)  # township id -> region code

    @property
    def since(self) -> datetime | None:
        """None: every candidate was read; else only those changed since then (a steady run)."""
        return self.run.since

    def delivered(self) -> None:
        self.run.record()

    def newly_red(self, per_township: int) -> dict[int, list[str]]:
        """township id -> the numbers of (at most `per_township` of) the cases that turned red
        today, the first by number. One query; the limit is per township, so a township with many
        new red cards leaves the others theirs."""
        keys = [key for key, group in self.owed.items() if group.to == L.RED]
        found: dict[int, list[str]] = defaultdict(list)
        if not keys:
            return found
        rows = (
            self.cases.filter(clock_key__in=keys)
            .annotate(rank=Window(RowNumber(), partition_by=F("township_id"), order_by=F("number").asc()))
            .filter(rank__lte=per_township)
            .values_list("township_id", "number")
        )
        for township, number in rows:
            found[township].append(number)
        return found

    def dues(self) -> Iterator[Due]:
        if not self.owed:
            return
        rows = self.cases.values_list("pk", "number", "summary", "township_id", "township__name", "owner", "clock_key")
        for pk, number, summary, township, township_name, owner, key in rows.iterator(chunk_size=5000):
            group = self.owed.get(key)
            if group is None:
                continue
            units, users = self.recipients[(group.to, owner, township)]
            body = fill(self.texts.body, {"township": township_name, "summary": summary[:80]})
            yield Due(
                subject=f"case:{pk}",
                kind=group.kind,
                level=group.level,
                day=group.day,
                title=fill(group.title, {"n": number}),
                body=body + group.citation,
                url=f"{self.texts.case_prefix}{number}/",
                units=units,
                users=users,
            )

    def owed_sql(self) -> tuple[str, list] | None:
        """The reminders of `dues()`, as one SELECT (PostgreSQL): one pass over the candidates'
        index, no join (each finds its group and its recipients in a JSON object by key, so no
        estimate can make the planner loop), no case read beyond the index's columns."""
        if connection.vendor != "postgresql":
            return None
        cases, cases_params = (
            self.cases.annotate(case_id=F("pk"), in_township=F("township_id"))
            .values("case_id", "owner", "in_township", "clock_key")
            .query.sql_with_params()
        )
        recipients = {
            f"{level}|{owner}|{township}": {"units": _array(units), "users": _array(users)}
            for (level, owner, township), (units, users) in self.recipients.items()
        }
        sql = f"""
            SELECT 'case:' || c.case_id::text AS subject, c.clock->>'kind' AS kind, c.clock->>'level' AS level,
                   (c.clock->>'day')::date AS day,
                   (c.recipients->>'units')::bigint[] AS units, (c.recipients->>'users')::bigint[] AS users,
                   c.case_id, c.clock_key
            FROM (
                SELECT c.case_id, c.clock_key, clock,
                       lookup.recipients -> concat_ws('|', clock->>'to', c.owner, c.in_township) AS recipients
                FROM ({cases}) AS c
                CROSS JOIN (SELECT %s::jsonb AS clocks, %s::jsonb AS recipients) AS lookup
                CROSS JOIN LATERAL (SELECT lookup.clocks -> c.clock_key AS clock) AS found
                WHERE clock IS NOT NULL
            ) AS c
        """
        return sql, [*cases_params, self._groups_json(), json.dumps(recipients)]

    def worded_sql(self, owed: str) -> tuple[str, list]:
        """Title, body and url of the rows of `owed` (from `owed_sql`), reading their cases."""
        body_sql, body_params = [], []
        for i, piece in enumerate(self.texts.body):
            if i % 2:
                body_sql.append({"township": "township.name", "summary": "left(c.summary, 80)"}[piece])
            else:
                body_sql.append("%s::text")
                body_params.append(piece)
        sql = f"""
            SELECT {owed}.*,
                   replace(lookup.clocks -> {owed}.clock_key ->> 'title', %s, c.number) AS title,
                   {" || ".join(body_sql)} || (lookup.clocks -> {owed}.clock_key ->> 'suffix') AS body,
                   %s::text || c.number || '/' AS url
            FROM {owed}
            CROSS JOIN (SELECT %s::jsonb AS clocks) AS lookup
            JOIN {Case._meta.db_table} AS c ON c.id = {owed}.case_id
            JOIN {Region._meta.db_table} AS township ON township.id = c.township_id
        """
        return sql, [NUMBER, *body_params, self.texts.case_prefix, self._groups_json()]

    def _groups_json(self) -> str:
        return json.dumps(
            {
                key: {
                    "kind": g.kind,
                    "level": g.level,
                    "to": g.to,
                    "day": g.day.isoformat(),
                    "title": NUMBER.join(g.title[::2]),
                    "suffix": g.citation,
                }
                for key, g in self.owed.items()
            }
        )


# Where a title takes the case number, in `owed_sql` (a private-use character: no wording has it).
NUMBER = "\ue000"


def _array(ids: tuple[int, ...]) -> str:
    return "{" + ",".join(map(str, ids)) + "}"


def _case_clocks(
    now: datetime, book: LimitBook, memo: WorkdayMemo, recipients: Recipients, texts: Texts, run: Pass
) -> CaseClocks:
    today = timezone.localtime(now).date()
    keys = ClockKeys.of(book)
    candidates = _candidates(now)
    if run.since is not None:
        candidates &= _may_have_moved(keys, book, run)
    cases = keys.annotate(
        Case.objects.filter(candidates)
        .annotate(
            owner=Coalesce(
                models.Case(
                    models.When(status__in=LEAD_UNIT_STATUSES, then=F("lead_unit_id")), default=F("intake_unit_id")
                ),
                0,
            )
        )
        .order_by()
    )
    owed: dict[str, GroupDue] = {}
    measured: set[str] = set()
    red: dict[int, Counter] = defaultdict(Counter)
    # Per township as well, for the leaders' 红牌汇总 (a dozen townships: a few times the groups).
    for group in cases.values(*KEY_FIELDS, "township_id").annotate(n=Count("pk")):
        key = group["clock_key"]
        if key not in measured:
            measured.add(key)
            clock = standing(_stand_in(group), now, book, memo)
            if clock is not None and clock.level:
                again = clock.level == L.RED and clock.crossed != today
                owed[key] = GroupDue(
                    clock.stage,
                    clock.level,
                    _day(clock, today),
                    texts.title(clock.stage, clock),
                    texts.citation_line(clock),
                    RED_AGAIN if again else clock.level,
                )
        due = owed.get(key)
        if due is not None and due.level == L.RED:
            red[group["township_id"]].update({"all": group["n"], "new": group["n"] if due.to == L.RED else 0})
    audiences = {group.to for group in owed.values()}
    to, codes = {}, {}
    if audiences:
        for owner, township, code in cases.values_list("owner", "township_id", "township__code").distinct():
            codes[township] = code
            for audience in audiences:
                to[(audience, owner, township)] = recipients.for_level(audience, owner or None)
    counts = {township: (n["all"], n["new"]) for township, n in red.items()}
    return CaseClocks(cases, owed, to, texts, run, counts, codes)


def case_reminders(now: datetime) -> Iterator[Due | DueSet]:
    """The scanner (settings.OVERDUE_SCANNERS): the stage clocks as one `DueSet`, then the listed
    supervisions and the daily digest. A steady run reads only what can have changed since this
    period's full pass (`steady_since`)."""
    book = LimitBook.from_database()
    yield from _case_reminders(now, book, steady_since(now, book))


def _case_reminders(now: datetime, book: LimitBook, run: Pass) -> Iterator[Due | DueSet]:
    today = timezone.localtime(now).date()
    memo = WorkdayMemo()
    recipients = Recipients()
    texts = Texts()
    clocks = _case_clocks(now, book, memo, recipients, texts, run)
    yield clocks

    for supervision in (
        Supervision.objects.filter(state=Supervision.State.OPEN, due__lte=today + timedelta(days=LOOKAHEAD_DAYS))
        .select_related("case__township")
        .only(
            "due",
            "leader_id",
            "case__number",
            "case__summary",
            "case__lead_unit",
            "case__intake_unit",
            "case__township__name",
        )
    ):
        clock = measure("supervision", end_of_day(supervision.due), SUPERVISION_LIMIT, now, memo=memo)
        if not clock.level:
            continue
        case = supervision.case
        owner = case.lead_unit_id or case.intake_unit_id
        due = _due(case, clock, "supervision", owner, recipients, today, texts)
        # The leader who listed it hears of a red card on their own listing.
        if clock.level == L.RED and supervision.leader_id not in due.users:
            due = Due(**{**due.__dict__, "users": (*due.users, supervision.leader_id)})
        yield due

    if timezone.localtime(now).time() >= DIGEST_AFTER:
        yield from _digests(now, memo, run.since)
        if run.since is None:  # counted over every case: the period's full pass
            yield from _leader_digests(clocks, recipients, now)


def case_dues(now: datetime) -> Iterator[Due]:
    """Every reminder the cases owe now, one `Due` each: what a full pass of `case_reminders`
    describes."""
    book = LimitBook.from_database()
    for item in _case_reminders(now, book, Pass(now, timezone.now(), {})):
        if isinstance(item, DueSet):
            yield from item.dues()
        else:
            yield item


def _leader_digests(clocks: CaseClocks, recipients: Recipients, now: datetime) -> Iterator[Due]:
    """领导每日汇总: one notice a day to each leader whose jurisdiction has red cards or new
    warnings: how many cases are red, the numbers of those that turned red today (at most
    DIGEST_CASES), the warnings raised in the last day (at most DIGEST_WARNINGS titles), and a link
    to the supervision list. Everything else a leader reads there or on the dashboard; single
    notices are left for what he asked for (the cases he listed, his visits). Three queries."""
    today = timezone.localtime(now).date()
    by_leader: dict[int, dict] = defaultdict(lambda: {"red": 0, "new": 0, "cases": [], "warnings": []})
    new_red = clocks.newly_red(DIGEST_CASES)
    for township, (red, new) in clocks.red.items():
        for leader in recipients.leaders_of(clocks.codes[township]):
            entry = by_leader[leader]
            entry["red"] += red
            entry["new"] += new
            entry["cases"] += new_red.get(township, [])
    raised = (
        EarlyWarning.objects.filter(raised_at__gt=now - timedelta(days=1), raised_at__lte=now)
        .order_by("-raised_at", "-pk")
        .values_list("township__code", "title")
    )
    for code, title in raised:
        for leader in recipients.leaders_of(code):
            by_leader[leader]["warnings"].append(title)
    url = reverse("disputes-supervision")
    day = today.strftime("%m-%d")
    for leader, entry in sorted(by_leader.items()):
        red, new, warnings = entry["red"], entry["new"], entry["warnings"]
        title = _("领导每日汇总（%(d)s）：红牌 %(n)d 件，新预警 %(w)d 条") % {"d": day, "n": red, "w": len(warnings)}
        lines = [
            _("今日新转红牌 %(new)d 件%(list)s；持续红牌 %(old)d 件，每日提醒主办单位负责人。")
            % {"new": new, "old": red - new, "list": _list(sorted(entry["cases"])[:DIGEST_CASES], new)}
        ]
        if warnings:
            lines.append(
                _("近一天新预警 %(n)d 条：%(t)s%(more)s。")
                % {
                    "n": len(warnings),
                    "t": "；".join(warnings[:DIGEST_WARNINGS]),
                    "more": _("等") if len(warnings) > DIGEST_WARNINGS else "",
                }
            )
        lines.append(_("详见督办清单和预警页面。"))
        yield Due(f"user:{leader}", "red_digest", L.DIGEST, today, title, "\n".join(lines), url, users=(leader,))


def _list(numbers: list[str], total: int) -> str:
    if not numbers:
        return ""
    more = _("等") if total > len(numbers) else ""
    return _("（%(n)s%(more)s）") % {"n": "、".join(numbers), "more": more}


def _digests(now: datetime, memo: WorkdayMemo, since: datetime | None = None) -> Iterator[Due]:
    """每日待办汇总: one notice a day to every unit that owes something. A steady run (`since`)
    counts only the units whose cases or listings changed since the period's full pass, which
    counted every unit: only a change can make a unit owe something it did not owe then."""
    today = timezone.localtime(now).date()
    soon = memo.add_working_days(today, due_soon_working_days())
    handling = Q(status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
    lead_units = center_units = supervising = extending = Q()
    if since is not None:
        touched = {
            unit
            for units in Case.objects.filter(updated_at__gte=since).values_list("lead_unit_id", "intake_unit_id")
            for unit in units
        }
        touched |= set(Supervision.objects.filter(created_at__gte=since).values_list("case__lead_unit_id", flat=True))
        # An extension request is asked of the case's center without saving the case.
        touched |= set(
            ExtensionRequest.objects.filter(requested_at__gte=since).values_list("case__intake_unit_id", flat=True)
        )
        touched.discard(None)
        # Those that had their digest today already are done (most, after the full pass).
        done = Reminder.objects.filter(
            subject__in=[f"unit:{unit}" for unit in touched], kind="digest", level=L.DIGEST, day=today
        ).values_list("subject", flat=True)
        touched -= {int(subject.removeprefix("unit:")) for subject in done}
        if not touched:
            return
        lead_units, center_units = Q(lead_unit_id__in=touched), Q(intake_unit_id__in=touched)
        supervising = Q(answering_unit__in=touched)
        extending = Q(case__intake_unit_id__in=touched)
    owed: dict[int, Counter] = defaultdict(Counter)
    lead = (
        Case.objects.filter(handling, lead_units, lead_unit__isnull=False)
        .values("lead_unit_id")
        .annotate(
            to_sign=Count("pk", filter=Q(status=Status.DISPATCHED)),
            overdue=Count("pk", filter=Q(status=Status.IN_PROGRESS, handle_due__lt=today)),
            due_soon=Count("pk", filter=Q(status=Status.IN_PROGRESS, handle_due__gte=today, handle_due__lte=soon)),
            paused=Count("pk", filter=Q(status=Status.IN_PROGRESS) & ~Q(hold=Hold.RUNNING)),
        )
    )
    for row in lead:
        owed[row.pop("lead_unit_id")].update({k: v for k, v in row.items() if v})
    center = (
        Case.objects.filter(
            Q(status__in=[Status.SUBMITTED, Status.REGISTERED, Status.PENDING_REVIEW])
            | Q(status__in=[Status.CLOSED, Status.EVALUATED], visited_at__isnull=True),
            center_units,
        )
        .values("intake_unit_id")
        .annotate(
            to_accept=Count("pk", filter=Q(status=Status.SUBMITTED)),
            to_dispatch=Count("pk", filter=Q(status=Status.REGISTERED)),
            to_review=Count("pk", filter=Q(status=Status.PENDING_REVIEW)),
            to_visit=Count("pk", filter=Q(status__in=[Status.CLOSED, Status.EVALUATED])),
        )
    )
    for row in center:
        owed[row.pop("intake_unit_id")].update({k: v for k, v in row.items() if v})
    supervised = (
        Supervision.objects.annotate(answering_unit=Coalesce("case__lead_unit_id", "case__intake_unit_id"))
        .filter(supervising, state=Supervision.State.OPEN)
        .values("answering_unit")
        .annotate(n=Count("pk"))
    )
    for row in supervised:
        owed[row["answering_unit"]]["supervisions"] += row["n"]
    # 延期申请 wait for the center that took the case in (services.request_extension notifies it).
    extensions = (
        ExtensionRequest.objects.filter(extending, decision=ExtensionRequest.Decision.PENDING)
        .values("case__intake_unit_id")
        .annotate(n=Count("pk"))
    )
    for row in extensions:
        owed[row["case__intake_unit_id"]]["to_extend"] += row["n"]

    labels = {
        "to_accept": _("待受理 %(n)d 件"),
        "to_dispatch": _("待分流 %(n)d 件"),
        "to_sign": _("待签收 %(n)d 件"),
        "overdue": _("办理逾期 %(n)d 件"),
        "due_soon": _("办理临期 %(n)d 件"),
        "paused": _("暂停计时 %(n)d 件"),
        "supervisions": _("挂牌督办待回复 %(n)d 件"),
        "to_review": _("办结待审核 %(n)d 件"),
        "to_extend": _("延期申请待审批 %(n)d 件"),
        "to_visit": _("待回访 %(n)d 件"),
    }
    url = reverse("disputes-work")
    title = _("每日待办汇总（%(d)s）") % {"d": today.strftime("%m-%d")}
    for unit_id, counts in owed.items():
        if not counts:
            continue
        body = "；".join(labels[key] % {"n": counts[key]} for key in labels if counts.get(key))
        yield Due(f"unit:{unit_id}", "digest", L.DIGEST, today, title, body, url, units=(unit_id,))
