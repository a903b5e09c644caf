"""小事不出村 in the demo county (disputes/demo.py, VILLAGE_FIRST): the township centers hand small
local disputes to the village committees, so 小事不出村率 is neither 0 % nor the same everywhere,
and the ranking shows a spread. Measured on a real demo run, from its daily statistics."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from disputes.models import Case, CaseEvent
from governance.dashboard import build
from governance.indicators import WindowKind, evaluate, evaluate_by_place, parse_window
from governance.models import Indicator, User


def test_small_cases_are_resolved_in_the_villages_at_rates_that_differ(seeded):
    # Who handled what: village committees lead small local cases, never a red one.
    leads = Counter(Case.objects.exclude(lead_unit=None).values_list("lead_unit__kind", "risk_level__code").order_by())
    assert sum(n for (kind, _c), n in leads.items() if kind == "village") > 500
    assert leads[("village", "red")] == 0
    reports = CaseEvent.objects.filter(action=CaseEvent.Action.REPORT, actor_unit__kind="village")
    assert reports.exists()

    # The last 90 days (filled by seed_demo), whatever the day the test runs.
    today = timezone.localdate()
    first = today - timedelta(days=89)
    window = parse_window(WindowKind.CUSTOM, first.isoformat(), today.isoformat())
    rate = Indicator.objects.get(code="village_rate")
    county = evaluate([rate], window, prefix="990101")[0].value
    by_township = {
        code: figures["village_rate"].value
        for code, figures in evaluate_by_place([rate], window, prefix="990101", length=9).items()
        if figures["village_rate"].value is not None
    }
    assert 30 <= county <= 70, county
    assert len(by_township) == 12
    assert max(by_township.values()) - min(by_township.values()) >= 15, by_township
    # The ranking: the townships' 小事不出村率 cells are not all one colour, and their scores spread.
    params = {"w": "custom", "start": first.isoformat(), "end": today.isoformat()}
    board, problem = build(User.objects.get(username="leader"), params)
    assert problem == ""
    column = next(i for i, indicator in enumerate(board.weighted) if indicator.code == "village_rate")
    assert len({row.cells[column]["status"] for row in board.rows if row.place.level}) >= 2
    scores = [row.score for row in board.rows if row.score is not None]
    assert len(scores) == 12 and max(scores) - min(scores) >= 15, scores
