"""The case timeline's daily metrics (governance/stats.py stores them; settings.STATS_PROVIDERS).

Every figure is one GROUP BY over the day's `CaseEvent` rows (or the day's received cases), keyed
by the case's place (grid, else village, else township code), category, channel and risk colour
as they are now, and by the level of the unit that acted (its region's level: 村居 / 乡镇街道 / 县).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

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
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Cond
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate

from disputes.models import OPEN_STATUSES, Case, CaseEvent, Outcome, Satisfaction
from governance.stats import provides

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


@provides("received")
def received(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """新受理: cases received on the day (by their receipt time), by channel and the intake level."""
    cases = Case.objects.filter(received_at__gte=start, received_at__lt=end).order_by()
    return _rows(
        cases.values(**case_dimensions(), stat_level=F("intake_unit__region__level")).annotate(value=Count("pk")),
        "received",
    )


@provides(*STEP_METRICS.values(), *(f"evaluated_{rating}" for rating in (*Satisfaction.values, "unknown")))
def steps(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """The day's steps, each counted once, at the level of the unit that took it."""
    events = CaseEvent.objects.filter(at__gte=start, at__lt=end, action__in=list(STEP_METRICS)).order_by()
    grouped = events.values("action", **case_dimensions("case__"), stat_level=F("actor_unit__region__level")).annotate(
        value=Count("pk")
    )
    for row in grouped:
        action = row.pop("action")
        yield {**row, "metric": STEP_METRICS[action]}
    evaluated = (
        events.filter(action=Action.EVALUATE)
        .values(**case_dimensions("case__"), stat_level=F("actor_unit__region__level"), rating=KT("data__satisfaction"))
        .annotate(value=Count("pk"))
    )
    for row in evaluated:
        yield {**row, "metric": f"evaluated_{row.pop('rating') or 'unknown'}"}


@provides("closed", *(f"closed_{outcome}" for outcome in (*Outcome.values, "unknown")))
def closed(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """办结 (审核通过) by outcome, at the level of the unit that resolved the case: the unit that
    made the last 办结反馈 before the approval (小事不出村 counts who resolved, not who approved)."""
    last_report = CaseEvent.objects.filter(
        case=OuterRef("case"), action=Action.REPORT, at__lte=OuterRef("at")
    ).order_by("-at", "-id")
    approvals = (
        CaseEvent.objects.filter(at__gte=start, at__lt=end, action=Action.APPROVE)
        .order_by()
        .annotate(
            outcome=Subquery(last_report.values(o=KT("data__outcome"))[:1]),
            resolver_level=Subquery(last_report.values("actor_unit__region__level")[:1]),
        )
        .values("outcome", **case_dimensions("case__"), stat_level=F("resolver_level"))
        .annotate(value=Count("pk"))
    )
    for row in approvals:
        outcome = row.pop("outcome") or "unknown"
        yield {**row, "metric": "closed"}
        yield {**row, "metric": f"closed_{outcome}"}


@provides("closed_on_time", "closed_late")
def closures_in_time(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """按期办结: each of the day's closures (审核通过) by whether the last 办结反馈 before it came on or
    before the handling deadline in effect, which the approval step recorded (`handle_due`):
    `closed_on_time` or `closed_late`, at the level of the unit that reported, like `closed`. A
    closure whose step recorded no deadline (never dispatched, or written before the deadline was
    kept on the step) is counted in neither."""
    last_report = CaseEvent.objects.filter(
        case=OuterRef("case"), action=Action.REPORT, at__lte=OuterRef("at")
    ).order_by("-at", "-id")
    due = Cast(NullIf(KT("data__handle_due"), Value(""), output_field=CharField()), DateField())
    closures = (
        CaseEvent.objects.filter(at__gte=start, at__lt=end, action=Action.APPROVE)
        .order_by()
        .annotate(
            due=due,
            reported_on=Subquery(last_report.values(on=TruncDate("at"))[:1]),
            resolver_level=Subquery(last_report.values("actor_unit__region__level")[:1]),
        )
        .exclude(due=None)
        .exclude(reported_on=None)
        .annotate(
            in_time=Cond(When(reported_on__lte=F("due"), then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .values("in_time", **case_dimensions("case__"), stat_level=F("resolver_level"))
        .annotate(value=Count("pk"))
    )
    for row in closures:
        yield {**row, "metric": "closed_on_time" if row.pop("in_time") else "closed_late"}


@provides("signed_on_time", "signed_late")
def signs_in_time(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """及时签收: each of the day's signs against the sign limit its dispatch recorded (`sign_due` in
    the dispatch step's data), at the level of the signing unit: `signed_on_time` or
    `signed_late`. A sign whose dispatch recorded no limit (steps written before the limit was kept
    on the step) is counted in neither, so the rate is never guessed."""
    dispatch = CaseEvent.objects.filter(case=OuterRef("case"), action=Action.DISPATCH, at__lte=OuterRef("at"))
    limit = dispatch.order_by("-at", "-id").values(due=NullIf(KT("data__sign_due"), Value(""), output_field=CharField()))[:1]
    signs = (
        CaseEvent.objects.filter(at__gte=start, at__lt=end, action=Action.SIGN)
        .order_by()
        .annotate(limit=Cast(Subquery(limit), DateTimeField()))
        .exclude(limit=None)
        .annotate(in_time=Cond(When(at__lte=F("limit"), then=Value(True)), default=Value(False), output_field=BooleanField()))
        .values("in_time", **case_dimensions("case__"), stat_level=F("actor_unit__region__level"))
        .annotate(value=Count("pk"))
    )
    for row in signs:
        yield {**row, "metric": "signed_on_time" if row.pop("in_time") else "signed_late"}


@provides("open_end")
def open_at_end(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """在办 at the end of the day (a stock), by colour: the net of every step before the day's end
    that took a case into an open state (+1) or out of one (−1), summed per case dimension — one
    GROUP BY over the timeline up to that moment, so any past day is counted as it stood."""
    into_open = Q(to_status__in=OPEN_STATUSES) & ~Q(from_status__in=OPEN_STATUSES)
    out_of_open = Q(from_status__in=OPEN_STATUSES) & ~Q(to_status__in=OPEN_STATUSES)
    delta = Cond(
        # A desk registration records from 待受理 to 已受理 but is the case's first step.
        When(action=Action.REGISTER, then=Value(1)),
        When(into_open, then=Value(1)),
        When(out_of_open, then=Value(-1)),
        default=Value(0),
    )
    # A case with no such step since the day's end stood then as it stands now: those open now
    # count +1 from the case table; only the cases moved since are summed over their steps. The
    # same count as summing every case's steps, without reading the whole timeline for a recent
    # day (at a million cases: 0.5 s instead of 17 s; see README, "Statistics at a million cases").
    moved = CaseEvent.objects.filter(at__gte=end).exclude(to_status="")
    still = Case.objects.open().exclude(Exists(moved.filter(case=OuterRef("pk")))).order_by()
    yield from _rows(still.values(**case_dimensions()).annotate(value=Count("pk")), "open_end")
    events = CaseEvent.objects.filter(at__lt=end, case_id__in=moved.values("case_id")).exclude(to_status="")
    yield from _rows(events.order_by().values(**case_dimensions("case__")).annotate(value=Sum(delta)), "open_end")


def changed_days(since: datetime) -> dict[date, datetime]:
    """Days whose case figures may have changed by steps written since `since`: the day each step
    is dated on; for a new case, its receipt day; for an acceptance (which sets the category and
    colour), every day from the case's receipt to the acceptance."""
    written = CaseEvent.objects.filter(recorded_at__gte=since).order_by()
    days: dict[date, datetime] = {}

    def note(day: date, at: datetime) -> None:
        days[day] = max(at, days.get(day, at))

    for day, at in written.values_list(TruncDate("at")).annotate(Max("recorded_at")):
        note(day, at)
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
