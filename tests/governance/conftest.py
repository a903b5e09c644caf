"""Shared fixtures of tests/governance: a hand-built county's daily statistics for the report tables."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from governance.models import DailyStat, StatFill
from governance.report_tables import period_of

A1, A2, B1 = "990101001001001", "990101001002001", "990101002001001"  # grids of 甲镇一村, 甲镇二村, 乙镇一村
TOWN_A = "990101001"


def mark_filled(first: date, last: date) -> None:
    """The days count as counted (StatFill done): a window never filled is unknown, not zero."""
    now = timezone.now()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    StatFill.objects.bulk_create(
        [StatFill(day=day, state=StatFill.State.DONE, started_at=now, done_at=now) for day in days],
        ignore_conflicts=True,
    )


def last_month() -> date:
    return period_of("month", timezone.localdate()).previous().start


def stat(code: str, metric: str, value: int, *, level: str, category: str = "land_contract", day=None) -> DailyStat:
    return DailyStat(
        day=day or last_month().replace(day=10),
        region_code=code,
        metric=metric,
        value=value,
        level=level,
        category=category,
    )


@pytest.fixture
def county_stats(org):
    """甲镇 last month: 5 received at village level (land), 3 at township level (labour), 2 at county
    level; 4 closed by the village (3 resolved), 2 by the township (1 resolved); 乙镇: 7 received
    at township level. Earlier this year (in 甲镇, still in the year): 6 received at village level.
    One case of 60 people, one 重大 (甲镇, township level)."""
    start = last_month()
    rows = [
        stat(A1, "received", 5, level="village"),
        stat(A2, "received", 3, level="township", category="labour"),
        stat(A1, "received", 2, level="county"),
        stat(A1, "closed", 4, level="village"),
        stat(A1, "closed_resolved", 3, level="village"),
        stat(A2, "closed", 2, level="township", category="labour"),
        stat(A2, "closed_resolved", 1, level="township", category="labour"),
        stat(B1, "received", 7, level="township"),
        stat(A2, "received_people_50_100", 1, level="township", category="labour"),
        stat(A2, "received_major", 1, level="township", category="labour"),
    ]
    if start.month > 1:
        rows.append(stat(A1, "received", 6, level="village", day=start.replace(month=1, day=1)))
    DailyStat.objects.bulk_create(rows)
    mark_filled(start.replace(month=1, day=1), timezone.localdate())
    return org
