"""The case timeline's daily metrics (governance/stats.py stores them; settings.STATS_PROVIDERS).

Every figure is one GROUP BY over the day's `CaseEvent` rows (or the day's received cases), keyed
by the case's place (grid, else village, else township code), category, channel and risk colour
as they are now, and by the level of the unit that acted (its region's level: 村居 / 乡镇街道 / 县).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import reduce
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Cond
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.deadlines import DEADLINE_STEPS, LimitBook, latest_red_due, limit_for
from disputes.models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    Channel,
    Outcome,
    RiskLevel,
    Satisfaction,
    Stage,
    Status,
    overdue_q,
)
from governance.drill import Drill, drilled
from governance.indicators import Term
from governance.models import Unit
from governance.stats import RangeForm, by_day, chunks, day_bounds, days_between, provides, ranged
from governance.workdays import WorkdayMemo

Action = CaseEvent.Action

# A step and the metric it counts. A desk registration is a submission and its acceptance at once.
STEP_METRICS = {
    Action.REGISTER: "accepted",
    Action.ACCEPT: "accepted",
    Action.REJECT: "rejected",
    Action.DISPATCH: "dispatched",
    Action.SIGN: "signed",
    Action.RETURN: "returned",
    Action.REPORT: "reported",
    Action.SEND_BACK: "sent_back",
    Action.EVALUATE: "evaluated",
    # 当场化解: closed at the desk in the step that registers its result (also a closure, below).
    Action.SETTLE: "settled",
    Action.VISIT: "visited",
    Action.ARCHIVE: "archived",
    Action.REOPEN: "reopened",
}


def case_dimensions(prefix: str = "") -> dict:
    """The case's place, category, channel and colour as SQL expressions (`prefix`: "case__")."""
    return {
        "stat_region_code": Coalesce(
            F(f"{prefix}grid__code"),
            F(f"{prefix}village__code"),
            F(f"{prefix}township__code"),
            output_field=CharField(),
        ),
        "stat_category": Coalesce(F(f"{prefix}category__code"), Value(""), output_field=CharField()),
        "stat_channel": F(f"{prefix}channel"),
        "stat_colour": Coalesce(F(f"{prefix}risk_level__code"), Value(""), output_field=CharField()),
    }


def _rows(queryset, metric: str) -> Iterable[Mapping]:
    for row in queryset:
        yield {**row, "metric": metric}


DIMENSION_NAMES = ("stat_region_code", "stat_category", "stat_channel", "stat_colour", "stat_level")

# --- sources: each metric's records, as one queryset annotated with the stat_ dimensions --------
# The daily count groups a source over one day; the drill-down (`case_records`) filters the same
# source over a window, so the list behind a number is the number's own records.


def received_records(start: datetime, end: datetime) -> QuerySet:
    """新受理: cases received in [start, end) (by their receipt time), at the intake unit's level."""
    return (
        Case.objects.filter(received_at__gte=start, received_at__lt=end)
        .order_by()
        .annotate(**case_dimensions(), stat_level=F("intake_unit__region__level"), case_ref=F("pk"))
    )


def step_records(start: datetime, end: datetime, actions: Iterable[str] = tuple(STEP_METRICS)) -> QuerySet:
    """The steps taken in [start, end), at the level of the unit that took each."""
    return (
        CaseEvent.objects.filter(at__gte=start, at__lt=end, action__in=list(actions))
        .order_by()
        .annotate(
            **case_dimensions("case__"),
            stat_level=F("actor_unit__region__level"),
            rating=KT("data__satisfaction"),
            case_ref=F("case_id"),
        )
    )


# The steps that close a case: the center's approval of a 办结反馈, and 当场化解 at the desk, which is
# its own report and approval at once (so the "last report" of a settlement is the step itself).
CLOSING_STEPS = (Action.APPROVE, Action.SETTLE)
REPORTING_STEPS = (Action.REPORT, Action.SETTLE)


def _last_report() -> QuerySet:
    return CaseEvent.objects.filter(case=OuterRef("case"), action__in=REPORTING_STEPS, at__lte=OuterRef("at")).order_by(
        "-at", "-id"
    )


def closure_records(start: datetime, end: datetime) -> QuerySet:
    """办结 (审核通过, or 当场化解) in [start, end), with the outcome and the level of the unit that
    resolved the case: the unit of the last 办结反馈 before the approval (小事不出村 counts who
    resolved, not who approved; a desk settlement, the center that settled it); `in_time`: that
    report came on or before the handling deadline the approval step recorded (`handle_due`), None
    when it recorded none (never dispatched — a desk settlement —, or an old step)."""
    due = Cast(NullIf(KT("data__handle_due"), Value(""), output_field=CharField()), DateField())
    return (
        CaseEvent.objects.filter(at__gte=start, at__lt=end, action__in=CLOSING_STEPS)
        .order_by()
        .annotate(
            **case_dimensions("case__"),
            outcome=Subquery(_last_report().values(o=KT("data__outcome"))[:1]),
            stat_level=Subquery(_last_report().values("actor_unit__region__level")[:1]),
            due=due,
            reported_on=Subquery(_last_report().values(on=TruncDate("at"))[:1]),
            case_ref=F("case_id"),
        )
        .annotate(
            in_time=Cond(
                When(Q(due=None) | Q(reported_on=None), then=Value(None)),
                When(reported_on__lte=F("due"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(null=True),
            )
        )
    )


def sign_records(start: datetime, end: datetime) -> QuerySet:
    """签收 in [start, end) with `in_time`: against the sign limit its dispatch recorded (`sign_due`),
    None when the dispatch recorded no limit (steps written before the limit was kept on the step)."""
    dispatch = CaseEvent.objects.filter(case=OuterRef("case"), action=Action.DISPATCH, at__lte=OuterRef("at"))
    limit = dispatch.order_by("-at", "-id").values(
        due=NullIf(KT("data__sign_due"), Value(""), output_field=CharField())
    )[:1]
    return (
        CaseEvent.objects.filter(at__gte=start, at__lt=end, action=Action.SIGN)
        .order_by()
        .annotate(
            **case_dimensions("case__"),
            stat_level=F("actor_unit__region__level"),
            limit=Cast(Subquery(limit), DateTimeField()),
            case_ref=F("case_id"),
        )
        .annotate(
            in_time=Cond(
                When(limit=None, then=Value(None)),
                When(at__lte=F("limit"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(null=True),
            )
        )
    )


def _open_delta():
    into_open = Q(to_status__in=OPEN_STATUSES) & ~Q(from_status__in=OPEN_STATUSES)
    out_of_open = Q(from_status__in=OPEN_STATUSES) & ~Q(to_status__in=OPEN_STATUSES)
    return Cond(
        # A desk registration records from 待受理 to 已受理 but is the case's first step.
        When(action=Action.REGISTER, then=Value(1)),
        When(into_open, then=Value(1)),
        When(out_of_open, then=Value(-1)),
        default=Value(0),
    )


def _open_at(end: datetime) -> tuple[QuerySet, QuerySet]:
    """Who was open at `end`, in two parts. A case with no status step since `end` stood then as it
    stands now: the cases open now and not moved since count +1 each (from the case table); only
    the cases moved since are summed over their steps before `end` (`_open_delta`). The same count
    as summing every case's steps, without reading the whole timeline for a recent day (at a
    million cases: 0.5 s instead of 17 s; README, "Statistics at a million cases")."""
    moved = CaseEvent.objects.filter(at__gte=end).exclude(to_status="")
    still = Case.objects.open().exclude(Exists(moved.filter(case=OuterRef("pk")))).order_by()
    steps = CaseEvent.objects.filter(at__lt=end, case_id__in=moved.values("case_id")).exclude(to_status="").order_by()
    return still, steps


def open_records(end: datetime) -> QuerySet:
    """The cases open (待受理 to 待审核) at `end`, from the timeline (`_open_at`)."""
    still, steps = _open_at(end)
    opened = steps.values("case_id").annotate(net=Sum(_open_delta())).filter(net__gt=0).values("case_id")
    return (
        Case.objects.filter(Q(pk__in=still.values("pk")) | Q(pk__in=opened))
        .order_by()
        .annotate(**case_dimensions(), stat_level=Value("", output_field=CharField()), case_ref=F("pk"))
    )


# --- the daily counts -----------------------------------------------------------------------------


def _grouped(records: QuerySet, *extra: str) -> QuerySet:
    return records.values(*DIMENSION_NAMES, *extra).annotate(value=Count("pk"))


@provides("received", drill="disputes-list")
def received(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """新受理: cases received on the day (by their receipt time), by channel and the intake level."""
    return _received(received_records(start, end))


def _received(records: QuerySet, *by: str) -> Iterable[Mapping]:
    return _rows(_grouped(records, *by), "received")


# 涉及人数 bands of the report tables (矛盾纠纷排查调处情况表): [low, high) people, and 重大矛盾纠纷.
PEOPLE_BANDS = {"lt50": (0, 50), "50_100": (50, 100), "100_500": (100, 500), "ge500": (500, None)}
PROFILE_METRICS = (*(f"received_people_{band}" for band in PEOPLE_BANDS), "received_major")


def _people_band():
    return Cond(
        *(
            When(Q(people_involved__gte=low) & (Q() if high is None else Q(people_involved__lt=high)), then=Value(band))
            for band, (low, high) in PEOPLE_BANDS.items()
        ),
        output_field=CharField(),
    )


@provides(*PROFILE_METRICS, drill="disputes-list")
def received_profile(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """The day's received cases by the number of people involved (PEOPLE_BANDS) and those marked
    重大紧急 (`received_major`), at the intake unit's level like `received`."""
    return _received_profile(received_records(start, end))


def _received_profile(records: QuerySet, *by: str) -> Iterable[Mapping]:
    for row in _grouped(records.annotate(band=_people_band()), "band", *by):
        yield {**row, "metric": f"received_people_{row.pop('band')}"}
    yield from _rows(_grouped(records.filter(major_emergency=True), *by), "received_major")


EVALUATED_METRICS = tuple(f"evaluated_{rating}" for rating in (*Satisfaction.values, "unknown"))


@provides(*STEP_METRICS.values(), *EVALUATED_METRICS, drill="disputes-list")
def steps(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """The day's steps, each counted once, at the level of the unit that took it."""
    return _steps(step_records(start, end))


def _steps(records: QuerySet, *by: str) -> Iterable[Mapping]:
    for row in _grouped(records, "action", *by):
        action = row.pop("action")
        yield {**row, "metric": STEP_METRICS[action]}
    for row in _grouped(records.filter(action=Action.EVALUATE), "rating", *by):
        yield {**row, "metric": f"evaluated_{row.pop('rating') or 'unknown'}"}


CLOSED_METRICS = ("closed", *(f"closed_{outcome}" for outcome in (*Outcome.values, "unknown")))


@provides(*CLOSED_METRICS, drill="disputes-list")
def closed(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """办结 (审核通过) by outcome, at the level of the unit that resolved the case (closure_records)."""
    return _closed(closure_records(start, end))


def _closed(records: QuerySet, *by: str) -> Iterable[Mapping]:
    for row in _grouped(records, "outcome", *by):
        outcome = row.pop("outcome") or "unknown"
        yield {**row, "metric": "closed"}
        yield {**row, "metric": f"closed_{outcome}"}


@provides("closed_on_time", "closed_late", drill="disputes-list")
def closures_in_time(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """按期办结: each of the day's closures by whether the last 办结反馈 before it came on or before
    the handling deadline in effect, which the approval step recorded: `closed_on_time` or
    `closed_late`, at the level of the unit that reported, like `closed`. A closure whose step
    recorded no deadline (never dispatched, or written before the deadline was kept on the step)
    is counted in neither."""
    return _closures_in_time(closure_records(start, end))


def _closures_in_time(records: QuerySet, *by: str) -> Iterable[Mapping]:
    for row in _grouped(records.exclude(in_time=None), "in_time", *by):
        yield {**row, "metric": "closed_on_time" if row.pop("in_time") else "closed_late"}


@provides("signed_on_time", "signed_late", drill="disputes-list")
def signs_in_time(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """及时签收: each of the day's signs against the sign limit its dispatch recorded, at the level of
    the signing unit: `signed_on_time` or `signed_late`. A sign whose dispatch recorded no limit is
    counted in neither, so the rate is never guessed."""
    return _signs_in_time(sign_records(start, end))


def _signs_in_time(records: QuerySet, *by: str) -> Iterable[Mapping]:
    for row in _grouped(records.exclude(in_time=None), "in_time", *by):
        yield {**row, "metric": "signed_on_time" if row.pop("in_time") else "signed_late"}


@provides("open_end", drill="disputes-list")
def open_at_end(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """在办 at the end of the day (a stock), by colour, counted from the timeline as it stood then
    (`_open_at`): the cases open now and not moved since, plus the cases moved since whose steps
    before the day's end took them into an open state more often than out of one."""
    still, moved = _open_at(end)
    yield from _rows(still.values(**case_dimensions()).annotate(value=Count("pk")), "open_end")
    yield from _rows(moved.values(**case_dimensions("case__")).annotate(value=Sum(_open_delta())), "open_end")


# --- the drill-down ---------------------------------------------------------------------------------

STEP_ACTIONS = {metric: [a for a, m in STEP_METRICS.items() if m == metric] for metric in set(STEP_METRICS.values())}


def metric_records(metric: str, start: datetime, end: datetime) -> QuerySet | None:
    """The records one metric counts in [start, end) (for a stock: at `end`), one row per unit
    counted, annotated with the stat_ dimensions and `case_ref`; None for a metric of another app."""
    if metric == "received":
        return received_records(start, end)
    if metric == "received_major":
        return received_records(start, end).filter(major_emergency=True)
    if metric.startswith("received_people_") and metric.removeprefix("received_people_") in PEOPLE_BANDS:
        low, high = PEOPLE_BANDS[metric.removeprefix("received_people_")]
        records = received_records(start, end).filter(people_involved__gte=low)
        return records if high is None else records.filter(people_involved__lt=high)
    if metric in STEP_ACTIONS:
        return step_records(start, end, STEP_ACTIONS[metric])
    if metric in EVALUATED_METRICS:
        rating = metric.removeprefix("evaluated_")
        records = step_records(start, end, [Action.EVALUATE])
        if rating == "unknown":
            return records.filter(Q(rating=None) | Q(rating=""))
        return records.filter(rating=rating)
    if metric in CLOSED_METRICS:
        records = closure_records(start, end)
        outcome = metric.removeprefix("closed").removeprefix("_")
        if not outcome:
            return records
        return (
            records.filter(Q(outcome=None) | Q(outcome="")) if outcome == "unknown" else records.filter(outcome=outcome)
        )
    if metric in ("closed_on_time", "closed_late"):
        return closure_records(start, end).filter(in_time=metric == "closed_on_time")
    if metric in ("signed_on_time", "signed_late"):
        return sign_records(start, end).filter(in_time=metric == "signed_on_time")
    if metric == "open_end":
        return open_records(end)
    if metric in ("overdue_end", "red_end"):
        return overdue_records(start, end, red=metric == "red_end")
    return None


@provides("overdue_end", "red_end", drill="disputes-list")
def overdue_at_end(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """在办超期 and 红牌 at the end of the day (stocks, like `open_end`; for today, as of now), per
    case dimension, level blank. Each case is taken as it stood at that moment, from the timeline:
    its status (its last step before the moment that moved it), its handling deadline (the
    `handle_due` its last deadline step recorded, deadlines.DEADLINE_STEPS: dispatch, return,
    reopen, resume, approved extension) and whether its clock was paused (its last 暂停/恢复计时).

    - `overdue_end`: 超期 by the lists' rule (`overdue_q`: 已分流待签收 or 办理中, the deadline
      before the moment's date), a paused case included, as the case list's 仅看逾期 and the
      supervision list's 逾期未办结 show it — so today's figure is the count those lists show now.
    - `red_end`: of those, the cases whose handling clock is at 红牌 by the time-limit matrix's
      red threshold for the case (`deadlines.latest_red_due`, the rule of the overdue scan); a
      paused clock stands still and has no card.

    A case whose last deadline step recorded no deadline (steps written before the deadline was
    kept on them) is counted in neither. The red threshold is the matrix's and the working days
    are the calendar's as they are when counted: after either is changed, `fill_stats` re-counts
    the past. The cases are `overdue_records` (the drill-down lists the same ones)."""
    cases = (
        _overdue_then(start, end, now)
        .values(**case_dimensions())
        .annotate(overdue=Count("pk"), red=Count("pk", filter=RED_THEN))
    )
    for row in cases:
        overdue, red = row.pop("overdue"), row.pop("red")
        yield {**row, "metric": "overdue_end", "value": overdue}
        yield {**row, "metric": "red_end", "value": red}


# Of the cases overdue at a moment (`_overdue_then`), those at 红牌: the deadline on or before the
# red cut-off, and the handling clock not paused (a paused clock stands still and has no card).
RED_THEN = Q(due_then__lte=F("red_due")) & ~Q(clock_then=Action.PAUSE)


def _overdue_then(start: datetime, end: datetime, now: datetime) -> QuerySet[Case]:
    """The cases overdue at the end of the day [start, end) (for today, at `now`), each as it stood
    then (see `overdue_at_end`), annotated with `status_then`, `due_then`, `clock_then` and
    `red_due` (the latest deadline at 红牌 for the case then)."""
    moment = min(end, now)
    then = _then(end)
    return (
        _handled_between(start, end)
        .annotate(status_then=then["status_then"], due_then=then["due_then"])
        .filter(overdue_q(timezone.localdate(moment), status="status_then", due="due_then"))
        .annotate(clock_then=then["clock_then"], red_due=_red_due(moment))
    )


def overdue_records(start: datetime, end: datetime, now: datetime | None = None, *, red: bool = False) -> QuerySet:
    """在办超期 (or, `red`, 红牌) at the end of the day [start, end) — for today, at `now` —: the
    cases `overdue_at_end` counts, one row each, with the stat_ dimensions (level blank)."""
    cases = _overdue_then(start, end, now or timezone.now())
    if red:
        cases = cases.filter(RED_THEN)
    return cases.annotate(**case_dimensions(), stat_level=Value("", output_field=CharField()), case_ref=F("pk"))


CLOSED_STATUSES = (Status.CLOSED, Status.EVALUATED, Status.ARCHIVED)
CLOCK_STEPS = (Action.PAUSE, Action.RESUME)


def _handled_between(start: datetime, end: datetime) -> QuerySet:
    """The cases that can have been handled at some moment of [start, end]. Narrowing only, on the
    case's own columns: a case received after `end`, or closed before `start` and not reopened
    since (closed_at is its last approval), was not; the timeline of the rest is read."""
    return (
        Case.objects.filter(received_at__lt=end)
        .exclude(status__in=CLOSED_STATUSES, closed_at__lt=start)
        .exclude(status=Status.REJECTED)
        .order_by()
    )


def _due_recorded() -> NullIf:
    """The handling deadline a deadline step recorded (DEADLINE_STEPS), as text; None if none."""
    return NullIf(KT("data__handle_due"), Value(""), output_field=CharField())


def _then(end: datetime) -> dict:
    """Each case's state at `end` from its timeline, as annotations: `status_then` (its last step
    before `end` that moved it), `due_then` (the deadline its last deadline step recorded) and
    `clock_then` (its last 暂停/恢复计时, "" if none)."""
    before = Q(case=OuterRef("pk"), at__lt=end)
    latest = ("-at", "-id")
    status = CaseEvent.objects.filter(before).exclude(to_status="").order_by(*latest).values("to_status")[:1]
    deadline = (
        CaseEvent.objects.filter(before, action__in=DEADLINE_STEPS).order_by(*latest).values(due=_due_recorded())[:1]
    )
    clock = CaseEvent.objects.filter(before, action__in=CLOCK_STEPS).order_by(*latest).values("action")[:1]
    return {
        "status_then": Subquery(status),
        "due_then": Cast(Subquery(deadline), DateField()),
        "clock_then": Coalesce(Subquery(clock), Value("")),
    }


def _red_due(moment: datetime) -> Cond | Value:
    """Per case, the latest handling deadline at 红牌 at `moment` (`deadlines.latest_red_due`) on
    the limit the matrix gives the case (`limit_for`: by its level, category and colour), as one
    SQL CASE. The limits are looked up in Python for every kind of intake unit, category and colour
    (a few hundred look-ups, two small queries), so the matrix's rule is called, not re-written."""
    book, memo = LimitBook.load(), WorkdayMemo()
    kinds = list(Unit.Kind.values)
    categories = [*Category.objects.values_list("pk", flat=True), None]
    colours = [*RiskLevel.objects.values_list("pk", flat=True), None]
    cutoffs: dict = {}
    by_cutoff: dict[date | None, set[tuple]] = {}
    for kind in kinds:
        for category in categories:
            for colour in colours:
                case = SimpleNamespace(
                    intake_unit=SimpleNamespace(kind=kind), category_id=category, risk_level_id=colour
                )
                limit = limit_for(case, Stage.HANDLE, book)
                if limit not in cutoffs:
                    cutoffs[limit] = latest_red_due(limit, moment, memo)
                by_cutoff.setdefault(cutoffs[limit], set()).add((kind, category, colour))
    # The most common date is the default; the others are tested first.
    common = Counter({cutoff: len(combos) for cutoff, combos in by_cutoff.items()}).most_common(1)[0][0]
    whens = [
        When(_one_of_combos(combos, kinds, categories), then=Value(cutoff, output_field=DateField()))
        for cutoff, combos in by_cutoff.items()
        if cutoff != common
    ]
    default = Value(common, output_field=DateField())
    return Cond(*whens, default=default, output_field=DateField()) if whens else default


def _one_of_combos(combos: set[tuple], kinds: list, categories: list) -> Q:
    """A compact condition for a set of (intake unit kind, category, colour): per colour and set of
    categories, the kinds that share them; a factor that allows every value is left out."""
    cats_by_kind_colour: dict[tuple, set] = {}
    for kind, category, colour in combos:
        cats_by_kind_colour.setdefault((kind, colour), set()).add(category)
    kinds_by_colour_cats: dict[tuple, set] = {}
    for (kind, colour), cats in cats_by_kind_colour.items():
        kinds_by_colour_cats.setdefault((colour, frozenset(cats)), set()).add(kind)
    terms = []
    for (colour, cats), kinds_ in kinds_by_colour_cats.items():
        term = Q(risk_level__isnull=True) if colour is None else Q(risk_level_id=colour)
        if set(kinds_) != set(kinds):
            term &= Q(intake_unit__kind__in=sorted(kinds_))
        if set(cats) != set(categories):
            term &= _one_of("category_id", cats)
        terms.append(term)
    return reduce(operator.or_, terms)


def _one_of(field: str, values: Iterable) -> Q:
    values = set(values)
    found = Q(**{f"{field}__in": sorted(v for v in values if v is not None)})
    return found | Q(**{f"{field.removesuffix('_id')}__isnull": True}) if None in values else found


# --- range forms (governance.stats.ranged): a month of days per pass ------------------------------


def _local_day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def _flow_range(records: Callable[[datetime, datetime], QuerySet], field: str, count: Callable) -> RangeForm:
    """The range form of a flow: the chunk's records, by the same definition as a day's, counted
    by the same function grouped also by the local day of `field` (one query per chunk each)."""

    def over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
        for chunk_first, chunk_last in chunks(first, last):
            chunk = records(day_bounds(chunk_first)[0], day_bounds(chunk_last)[1])
            yield from by_day(chunk_first, chunk_last, count(chunk.annotate(stat_day=_local_day(field)), "stat_day"))

    return over_range


ranged(received)(_flow_range(received_records, "received_at", _received))
ranged(received_profile)(_flow_range(received_records, "received_at", _received_profile))
ranged(steps)(_flow_range(step_records, "at", _steps))
ranged(closed)(_flow_range(closure_records, "at", _closed))
ranged(closures_in_time)(_flow_range(closure_records, "at", _closures_in_time))
ranged(signs_in_time)(_flow_range(sign_records, "at", _signs_in_time))

CASE_KEY = ("stat_region_code", "stat_category", "stat_channel", "stat_colour")


def _key(row: Mapping) -> tuple:
    return tuple(row[name] for name in CASE_KEY)


def _stock_rows(stock: Mapping[tuple, int], metric: str) -> list[Mapping]:
    return [{**dict(zip(CASE_KEY, key, strict=True)), "metric": metric, "value": n} for key, n in stock.items() if n]


@ranged(open_at_end)
def open_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    """在办 at each day's end, replayed: the stock at the range's start as open_at_end counts it
    (`_open_at`), then each day's status steps added by `_open_delta`, the sum open_at_end takes
    over a moved case's steps (one query per chunk)."""
    still, moved = _open_at(day_bounds(first)[0])
    stock: Counter = Counter()
    for row in still.values(**case_dimensions()).annotate(value=Count("pk")):
        stock[_key(row)] += row["value"]
    for row in moved.values(**case_dimensions("case__")).annotate(value=Sum(_open_delta())):
        stock[_key(row)] += row["value"]
    for chunk_first, chunk_last in chunks(first, last):
        steps = CaseEvent.objects.filter(at__gte=day_bounds(chunk_first)[0], at__lt=day_bounds(chunk_last)[1])
        deltas = (
            steps.exclude(to_status="")
            .order_by()
            .annotate(stat_day=_local_day("at"))
            .values("stat_day", **case_dimensions("case__"))
            .annotate(value=Sum(_open_delta()))
        )
        for day, rows in by_day(chunk_first, chunk_last, deltas):
            for row in rows:
                stock[_key(row)] += row["value"]
            yield day, _stock_rows(stock, "open_end")


@ranged(overdue_at_end)
def overdue_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    """在办超期 and 红牌 at each day's end, replayed: each case that can have been handled in the
    range (`_handled_between`) with its state at the range's start (`_then`), then the steps that
    change a state — a status, a recorded deadline (DEADLINE_STEPS), the clock — in order, one
    query per chunk. At each day's end, the rule of overdue_at_end: 超期 as `overdue_q` (handling,
    the deadline before the moment's date), 红牌 on or before the matrix's red date for the
    case's limit (`limit_for`, `latest_red_due`) with the clock not paused; the per-day narrowing
    of `_handled_between` applied to each day."""
    range_start, range_end = day_bounds(first)[0], day_bounds(last)[1]
    then = _then(range_start)
    cases = _handled_between(range_start, range_end).annotate(**then)
    fixed: dict[int, tuple] = {}  # pk: (received_at, status now, closed_at, limit kind, case key)
    state: dict[int, list] = {}  # pk: [status, due, clock] as they stand at the replay's moment
    fields = ("pk", "received_at", "status", "closed_at", "intake_unit__kind", "category_id", "risk_level_id")
    for row in cases.values(*fields, *then, **case_dimensions()):
        kind = (row["intake_unit__kind"], row["category_id"], row["risk_level_id"])
        fixed[row["pk"]] = (row["received_at"], row["status"], row["closed_at"], kind, _key(row))
        state[row["pk"]] = [row["status_then"], row["due_then"], row["clock_then"]]
    # The cases being handled with a deadline at the replay's moment: the only ones that can be late.
    handled = {pk for pk, (status, due, _clock) in state.items() if status in HANDLING_STATUSES and due is not None}
    red_on = _red_dates()
    for chunk_first, chunk_last in chunks(first, last):
        moves = iter(
            CaseEvent.objects.filter(at__gte=day_bounds(chunk_first)[0], at__lt=day_bounds(chunk_last)[1])
            .filter(~Q(to_status="") | Q(action__in=(*DEADLINE_STEPS, *CLOCK_STEPS)))
            .order_by("at", "id")
            .values_list("case_id", "at", "action", "to_status", Cast(_due_recorded(), DateField()))
        )
        move = next(moves, None)
        for day in days_between(chunk_first, chunk_last):
            start, end = day_bounds(day)
            while move is not None and move[1] < end:
                case_id, _at, action, to_status, due = move
                move = next(moves, None)
                if case_id not in state:  # not handled in the range (`_handled_between`)
                    continue
                then_ = state[case_id]
                if to_status:
                    then_[0] = to_status
                if action in DEADLINE_STEPS:
                    then_[1] = due
                if action in CLOCK_STEPS:
                    then_[2] = action
                if then_[0] in HANDLING_STATUSES and then_[1] is not None:
                    handled.add(case_id)
                else:
                    handled.discard(case_id)
            moment = min(end, now)
            today = timezone.localdate(moment)
            overdue: Counter = Counter()
            red: Counter = Counter()
            for pk in handled:
                _status, due, clock = state[pk]
                if not due < today:  # overdue_q: handled, and the deadline before the moment's date
                    continue
                received_at, status_now, closed_at, kind, key = fixed[pk]
                if received_at >= end or (status_now in CLOSED_STATUSES and closed_at and closed_at < start):
                    continue
                overdue[key] += 1
                red_due = red_on(kind, moment)
                if red_due is not None and due <= red_due and clock != Action.PAUSE:
                    red[key] += 1
            yield day, [*_stock_rows(overdue, "overdue_end"), *_stock_rows(red, "red_end")]


def _red_dates() -> Callable[[tuple, datetime], date | None]:
    """(intake unit kind, category, colour), moment → the latest deadline at 红牌 then, by the
    rule `_red_due` puts in SQL (`limit_for`, `latest_red_due`), remembered."""
    book, memo = LimitBook.load(), WorkdayMemo()
    limits: dict[tuple, object] = {}
    dates: dict[tuple, date | None] = {}

    def red_on(kind: tuple, moment: datetime) -> date | None:
        if kind not in limits:
            unit_kind, category, colour = kind
            case = SimpleNamespace(
                intake_unit=SimpleNamespace(kind=unit_kind), category_id=category, risk_level_id=colour
            )
            limits[kind] = limit_for(case, Stage.HANDLE, book)
        if (limits[kind], moment) not in dates:
            dates[limits[kind], moment] = latest_red_due(limits[kind], moment, memo)
        return dates[limits[kind], moment]

    return red_on


def changed_days(since: datetime) -> dict[date, datetime]:
    """Days whose case figures may have changed by steps written since `since`: the day each step
    is dated on and, for the stocks at a day's end (在办, 在办超期, 红牌), every day after it up to
    the day it was written (a step dated in the past changes them all); for a new case, its
    receipt day; for an acceptance (which sets the category and colour), every day from the
    case's receipt to the acceptance."""
    written = CaseEvent.objects.filter(recorded_at__gte=since).order_by()
    days: dict[date, datetime] = {}

    def note(day: date, at: datetime) -> None:
        days[day] = max(at, days.get(day, at))

    for day, at in written.values_list(TruncDate("at")).annotate(Max("recorded_at")):
        note(day, at)
        for later in days_between(day + timedelta(days=1), timezone.localdate(at)):
            note(later, at)
    for first, last, at in (
        written.filter(action__in=[Action.REGISTER, Action.SUBMIT, Action.ACCEPT])
        .values_list(TruncDate("case__received_at"), TruncDate("at"))
        .annotate(Max("recorded_at"))
    ):
        day = min(first, last)
        while day <= max(first, last):
            note(day, at)
            day += timedelta(days=1)
    return days


# --- names of the dimension values (settings.STATS_LABELS) ---------------------------------------


def category_labels() -> list[tuple[str, str]]:
    return [(code, name) for code, name in Category.objects.values_list("code", "name")]


def channel_labels() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in Channel.choices]


def colour_labels() -> list[tuple[str, str]]:
    return [(code, name) for code, name in RiskLevel.objects.values_list("code", "name")]


def drill_cases(drill: Drill, cases: QuerySet[Case]) -> tuple[QuerySet[Case], int]:
    """The cases of `cases` behind a dashboard number, and the number of records it counted (件次:
    a case closed twice in the window counts twice, as in the statistics)."""

    def records_of(term: Term) -> QuerySet:
        first, last = drill.days_of(term)
        records = metric_records(term.metric, day_bounds(first)[0], day_bounds(last)[1])
        if records is None:
            raise ValidationError(_("“%(m)s”不是案件的统计指标，不能列出案件。") % {"m": term.metric})
        return records

    return drilled(drill, cases, records_of, ref="case_ref")


def colour_hexes() -> list[tuple[str, str]]:
    return [(code, color) for code, color in RiskLevel.objects.values_list("code", "color")]
