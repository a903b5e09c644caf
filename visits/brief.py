"""访前调查准备: what a leader should know before going to a village — its open cases with colour
and deadline, its key persons, the last weeks' patrol logs and zero-reports, and the issues
earlier visits left unfinished. Six queries whatever the size of the village."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from disputes.key_persons import listed_party_ids
from disputes.models import Case, Party
from grids.models import PatrolLog, Region, ZeroReport
from visits.models import Visit, VisitIssue

RECENT_WEEKS = 4
ROWS = 50


@dataclass
class Brief:
    village: Region
    since: date
    cases: list[Case]
    key_persons: list[dict]
    patrols: list[PatrolLog]
    reports: list[ZeroReport]
    unfinished: list[VisitIssue]


def build_brief(visit: Visit, village: Region | None = None) -> Brief:
    village = village or visit.village
    since = visit.date - timedelta(weeks=RECENT_WEEKS)
    cases = list(
        Case.objects.filter(village=village)
        .open()
        .select_related("category", "risk_level", "lead_unit")
        .order_by("-risk_level__severity", "handle_due", "received_at")[:ROWS]
    )
    # Key persons (重点人员) named in the village's cases of the last year; shown masked.
    year_ago = visit.date - timedelta(days=365)
    persons: dict[tuple[str, str], dict] = {}
    parties = list(
        Party.objects.filter(case__village=village, case__received_at__date__gte=year_ago, kind=Party.Kind.PERSON)
        .select_related("case")
        .order_by("name", "-case__received_at")
    )
    listed = listed_party_ids(parties)
    for party in (p for p in parties if p.pk in listed):
        key = (party.name, party.phone_index or party.id_number_index or party.name)
        row = persons.setdefault(
            key, {"name": party.name, "phone": party.phone_masked, "address": party.address, "cases": []}
        )
        row["cases"].append(party.case)
    patrols = list(
        PatrolLog.objects.filter(grid__village=village, date__gte=since, date__lte=visit.date)
        .select_related("grid", "worker", "case")
        .order_by("-date", "-id")[:ROWS]
    )
    reports = list(
        ZeroReport.objects.filter(village=village, date__gte=since, date__lte=visit.date)
        .select_related("grid", "reporter")
        .order_by("-date")[:ROWS]
    )
    unfinished = list(
        VisitIssue.objects.filter(Q(village=village), ~Q(visit=visit), visit__date__lte=visit.date)
        .open()
        .select_related("visit", "owner_unit", "leader", "category")
        .order_by("due", "pk")[:ROWS]
    )
    return Brief(village, since, cases, list(persons.values())[:ROWS], patrols, reports, unfinished)
