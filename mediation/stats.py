"""People's mediation daily metrics (governance/stats.py; settings.STATS_PROVIDERS): agreements
that took effect, judicial confirmations applied for and confirmed, keyed by the case's
dimensions and the level of the mediation organisation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.db.models import Count, F, Max

from disputes.stats import case_dimensions
from governance.stats import provides
from mediation.models import Agreement, Confirmation


@provides("agreements_signed", "confirmations_applied", "confirmations_confirmed")
def agreements(day: date, start: datetime, end: datetime, now: datetime) -> Iterable[Mapping]:
    # A correction is a new version of the same agreement: only first versions count.
    signed = Agreement.objects.filter(status=Agreement.Status.FINAL, signed_on=day, supersedes=None).order_by()
    level = F("organisation__unit__region__level")
    for row in signed.values(**case_dimensions("case__"), stat_level=level).annotate(value=Count("pk")):
        yield {**row, "metric": "agreements_signed"}
    confirmations = Confirmation.objects.order_by()
    dims = case_dimensions("agreement__case__")
    level = F("agreement__organisation__unit__region__level")
    for row in confirmations.filter(applied_on=day).values(**dims, stat_level=level).annotate(value=Count("pk")):
        yield {**row, "metric": "confirmations_applied"}
    confirmed = confirmations.filter(decided_on=day, decision=Confirmation.Decision.CONFIRMED)
    for row in confirmed.values(**dims, stat_level=level).annotate(value=Count("pk")):
        yield {**row, "metric": "confirmations_confirmed"}


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
