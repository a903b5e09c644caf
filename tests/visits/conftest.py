"""Visits made through the services, in any state."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from disputes.models import Category
from tests.factories import Org
from visits import services
from visits.models import Kind, Visit, VisitIssue


def plan(org: Org, *, date: datetime.date | None = None, village=None, by=None, leaders=None, **extra) -> Visit:
    return services.plan_visit(
        by=by or org["township_officer"],
        kind=extra.pop("kind", Kind.NIGHT_VISIT),
        date=date or timezone.localdate(),
        village=village or org.village_a1,
        leaders=leaders or [org["township_leader"]],
        **extra,
    )


def held(org: Org, *, days_ago: int = 0, by=None, **extra) -> Visit:
    """A visit planned `days_ago` days back (planned then, on the clock of that day) and recorded today."""
    today = timezone.localdate()
    day = today - datetime.timedelta(days=days_ago)
    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(9))), tick=False):
        visit = plan(org, date=day, by=by, **extra)
    return services.record_visit(
        visit=visit,
        by=by or org["township_officer"],
        households_visited=6,
        people_received=9,
        people_met="村两委",
        summary="走访6户",
    )


def issue(org: Org, visit: Visit, ending: str = services.Ending.ASSIGN, **extra) -> VisitIssue:
    defaults = {
        "village": visit.village or org.village_a1,
        "category": Category.objects.get(code="neighbourhood"),
        "summary": "村道路灯损坏，夜间出行不便",
        "leader": visit.leader_rows.first().leader,
        "raised_by_name": "王大爷",
        "owner_unit": org.police_a,
        "resolution": "当场协调电工维修",
    }
    defaults.update(extra)
    return services.raise_issue(visit=visit, by=org["township_officer"], ending=ending, **defaults)


@pytest.fixture
def recorded_visit(org) -> Visit:
    return held(org)
