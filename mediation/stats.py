"""People's mediation daily metrics (governance/stats.py; settings.STATS_PROVIDERS): agreements
that took effect, judicial confirmations applied for and confirmed, keyed by the case's
dimensions and the level of the mediation organisation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, QuerySet
from django.utils.translation import gettext as _

from disputes.stats import DIMENSION_NAMES, case_dimensions
from governance.drill import Drill, drilled
from governance.stats import by_day, chunks, provides, ranged
from mediation.models import Agreement, Confirmation

AGREEMENT_METRICS = ("agreements_signed", "confirmations_applied", "confirmations_confirmed")


# The date each metric's records are counted on.
AGREEMENT_DAY = {
    "agreements_signed": "signed_on",
    "confirmations_applied": "confirmation__applied_on",
    "confirmations_confirmed": "confirmation__decided_on",
}


@provides(*AGREEMENT_METRICS, drill="mediation-agreements")
def agreements(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    """Each metric's agreements of the day (`agreement_records`), by the case's dimensions and the
    level of the mediation organisation."""
    return _agreements(day, day)


def _agreements(first: date, last: date, *by: str) -> Iterable[Mapping]:
    """The counts of [first, last]; grouped also by their date as `stat_day` when `by` asks."""
    for metric in AGREEMENT_METRICS:
        dated = {"stat_day": F(AGREEMENT_DAY[metric])} if by else {}
        rows = agreement_records(metric, first, last).values(*DIMENSION_NAMES, **dated)
        for row in rows.annotate(value=Count("pk")):
            yield {**row, "metric": metric}


def agreement_records(metric: str, first: date, last: date) -> QuerySet[Agreement]:
    """The agreements one metric counts on the days [first, last], annotated with the stat_
    dimensions: signed (first versions only: a correction is a new version of the same agreement),
    judicial confirmation applied for, or confirmed by the court (one confirmation per agreement).
    The daily count groups them by day, the drill-down lists them."""
    if metric == "agreements_signed":
        chosen = Agreement.objects.filter(
            status=Agreement.Status.FINAL, signed_on__range=(first, last), supersedes=None
        )
    elif metric == "confirmations_applied":
        chosen = Agreement.objects.filter(confirmation__applied_on__range=(first, last))
    elif metric == "confirmations_confirmed":
        chosen = Agreement.objects.filter(
            confirmation__decided_on__range=(first, last), confirmation__decision=Confirmation.Decision.CONFIRMED
        )
    else:
        raise ValidationError(_("“%(m)s”不是人民调解协议的统计指标，不能列出协议。") % {"m": metric})
    return chosen.order_by().annotate(**case_dimensions("case__"), stat_level=F("organisation__unit__region__level"))


def drilled_agreements(drill: Drill, agreements: QuerySet) -> tuple[QuerySet, int]:
    """The agreements of `agreements` (the person's) behind a dashboard number, and how many records it counted
    (governance.drill.drilled)."""
    mine = agreements.values("pk")
    return drilled(
        drill, agreements, lambda term: agreement_records(term.metric, drill.start, drill.end).filter(pk__in=mine)
    )


@ranged(agreements)
def agreements_over_range(first: date, last: date, now: datetime) -> Iterator[tuple[date, list[Mapping]]]:
    for chunk_first, chunk_last in chunks(first, last):
        yield from by_day(chunk_first, chunk_last, _agreements(chunk_first, chunk_last, "stat_day"))


def changed_days(since: datetime) -> dict[date, datetime]:
    days: dict[date, datetime] = {}
    finalized = Agreement.objects.filter(finalized_at__gte=since, signed_on__isnull=False).order_by()
    recorded = Confirmation.history.filter(history_date__gte=since).order_by()
    pairs = [
        *finalized.values_list("signed_on").annotate(Max("finalized_at")),
        *recorded.values_list("applied_on").annotate(Max("history_date")),
        *recorded.filter(decided_on__isnull=False).values_list("decided_on").annotate(Max("history_date")),
    ]
    for day, at in pairs:
        days[day] = max(at, days.get(day, at))
    return days
