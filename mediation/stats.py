"""People's mediation daily metrics (governance/stats.py; settings.STATS_PROVIDERS): agreements
that took effect, judicial confirmations applied for and confirmed, keyed by the case's
dimensions and the level of the mediation organisation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime

from django.db.models import Count, F, Max

from disputes.stats import case_dimensions
from governance.stats import by_day, chunks, provides, ranged
from mediation.models import Agreement, Confirmation


@provides("agreements_signed", "confirmations_applied", "confirmations_confirmed")
def agreements(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    return _agreements(day, day)


def _agreements(first: date, last: date, *by: str) -> Iterable[Mapping]:
    """The counts of [first, last]; grouped also by their date as `stat_day` when `by` asks."""
    days = (first, last)

    def dated(field: str) -> dict:
        return {"stat_day": F(field)} if by else {}

    # A correction is a new version of the same agreement: only first versions count.
    signed = Agreement.objects.filter(status=Agreement.Status.FINAL, signed_on__range=days, supersedes=None).order_by()
    level = F("organisation__unit__region__level")
    rows = signed.values(**case_dimensions("case__"), stat_level=level, **dated("signed_on"))
    for row in rows.annotate(value=Count("pk")):
        yield {**row, "metric": "agreements_signed"}
    confirmations = Confirmation.objects.order_by()
    dims = case_dimensions("agreement__case__")
    level = F("agreement__organisation__unit__region__level")
    applied = confirmations.filter(applied_on__range=days).values(**dims, stat_level=level, **dated("applied_on"))
    for row in applied.annotate(value=Count("pk")):
        yield {**row, "metric": "confirmations_applied"}
    confirmed = confirmations.filter(decided_on__range=days, decision=Confirmation.Decision.CONFIRMED)
    for row in confirmed.values(**dims, stat_level=level, **dated("decided_on")).annotate(value=Count("pk")):
        yield {**row, "metric": "confirmations_confirmed"}


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
