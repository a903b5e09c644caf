"""Demo report tables (seed_demo): the last twelve months' monthly tables of every township and the
county, one township filing late, one table corrected (重新生成), and the last month left unfiled
by one township so the supervision list and the reminders have something to show."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from governance.models import ReportFiling, ReportForm, ReportVersion, Role, Unit, User
from governance.report_data import MEDIATION, SURVEY
from governance.report_tables import (
    clean_typed,
    definition_version,
    form_kinds,
    last_complete,
    layout_of,
    live_table,
    regenerate_table,
    townships_of,
)
from governance.stats import day_bounds

MONTHS = 12
SEED = 14


def seed_report_tables(county, *, stats_days: int) -> int:
    """Submit the demo tables; return how many filings were made (none on a second run). Only the
    periods the daily statistics cover (`stats_days` back from today) are filed: twelve months at
    most, and the quarters, half-years and years that began since the first of them."""
    if ReportFiling.objects.filter(region__code__startswith=county.prefix).exists():
        return 0
    today, now = timezone.localdate(), timezone.now()
    months, period = [], last_complete("month", today)
    while len(months) < MONTHS and period.start >= today - timedelta(days=stats_days - 1):
        months.append(period)
        period = period.previous()
    if not months:
        return 0
    months.reverse()
    filing_from = months[0].start
    ReportForm.objects.filter(code__in=(SURVEY, MEDIATION)).update(filing_from=filing_from)
    townships = list(townships_of(county))
    units = {u.region_id: u for u in Unit.objects.filter(kind__in=("county_center", "township_center"))}
    clerks = {
        u.unit_id: u
        for u in User.objects.filter(groups__name__in=[Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF], unit__in=units.values())
    }
    rng = random.Random(SEED)
    late, missing = townships[-1:], townships[1:2]
    county_clerk = clerks.get(units[county.pk].pk) if county.pk in units else None
    made = 0
    for form in ReportForm.objects.filter(code__in=(SURVEY, MEDIATION)):
        for kind in form_kinds(form):
            periods = months if kind == "month" else _since(kind, filing_from, today)
            for i, period in enumerate(periods):
                for region in [*townships, county]:
                    unit = units.get(region.pk)
                    clerk = clerks.get(unit.pk) if unit else None
                    if unit is None or (kind == "month" and period == periods[-1] and region in missing):
                        continue  # the last month not filed yet by one township: 逾期未报 on the supervision list
                    data = {"campaigns.township": str(rng.randint(1, 4)), "campaigns.village": str(rng.randint(2, 9))}
                    if form.code == MEDIATION:
                        data = {"total.amount": str(rng.randint(5, 80)), "total.performed": str(rng.randint(3, 12))}
                    days = 3 if region in late else -2 - rng.randint(0, 2)
                    when = day_bounds(period.due(form) + timedelta(days=days))[0] + timedelta(hours=10)
                    when = min(when, now - timedelta(hours=2))  # a period due in a few days was filed already
                    filing = _file(form, period, region, unit, clerk or county_clerk, data, when)
                    if clerk and region != county and kind == "month" and i == len(periods) - 2 and form.code == SURVEY:
                        regenerate_table(
                            filing=filing,
                            user=clerk,
                            data={**data, "campaigns.village": "9"},
                            preparer=clerk.full_name or clerk.username,
                            signer="主任",
                            reason="补录一件漏登的邻里纠纷",
                        )
                    made += 1
    return made


def _since(kind: str, start, today) -> list:
    """The periods of `kind` that began on or after `start` and are over, oldest first."""
    periods, period = [], last_complete(kind, today)
    while period.start >= start:
        periods.append(period)
        period = period.previous()
    return periods[::-1]


def _file(form, period, region, unit, user, data, when) -> ReportFiling:
    """A township's table as its center filed it (the demo has a login for one township's clerk
    only; the others' tables are entered as if typed from their paper copies)."""
    table = live_table(form, period, region, clean_typed(layout_of(form), data, region.level))
    filing = ReportFiling.objects.create(
        form=form,
        region=region,
        unit=unit,
        kind=period.kind,
        start=period.start,
        end=period.end,
        due=period.due(form),
        submitted_at=when,
    )
    ReportVersion.objects.create(
        filing=filing,
        number=1,
        layout=table.layout,
        cells=table.data(),
        definition_version=definition_version(table.layout),
        preparer=f"{unit.name}统计员",
        signer="主任",
        submitted_by=user,
        submitted_at=when,
    )
    return filing
