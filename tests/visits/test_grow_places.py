"""scripts/grow_cases.py fills the visits, reception days, visit issues, zero reports and patrol logs
over the two years its cases span, at the demo's rate, without booking a leader twice an evening."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.visits.conftest import held, issue
from visits.models import Visit, VisitIssue, VisitLeader
from visits.services import Ending

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
grow_cases = pytest.importorskip("grow_cases")


def test_the_demo_weeks_are_copied_back_over_two_years(org):
    today = timezone.localdate()
    visit = held(org, days_ago=3)
    assigned = issue(org, visit, Ending.ASSIGN)
    turned = issue(org, visit, Ending.CASE)
    with connection.cursor() as cursor:
        grow_cases.places(cursor, timezone.now())

    copies = Visit.objects.exclude(pk=visit.pk)
    assert copies.count() > 100  # a one-week window copied back week by week
    assert min(copies.values_list("date", flat=True)) >= today - timedelta(days=730)
    assert {d.weekday() for d in copies.values_list("date", flat=True)} == {visit.date.weekday()}
    assert set(copies.values_list("status", flat=True)) == {Visit.Status.RECORDED}
    booked = Counter(VisitLeader.objects.filter(is_active=True).values_list("leader_id", "date", "kind"))
    assert max(booked.values()) == 1
    old = VisitIssue.objects.exclude(pk__in=[assigned.pk, turned.pk])
    assert old.count() == 2 * copies.count()
    assert set(old.values_list("status", flat=True)) == {VisitIssue.Status.CLOSED}  # finished long ago
    assert not old.filter(case__isnull=False).exists()
    assert not old.filter(owner_unit__isnull=True).exists()

    with connection.cursor() as cursor:  # a second run adds nothing
        grow_cases.places(cursor, timezone.now())
    assert Visit.objects.count() == copies.count() + 1
