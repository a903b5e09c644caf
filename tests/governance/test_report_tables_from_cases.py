"""The report table from real cases: intake, closure and a reopen counted by the daily statistics,
the 涉及人数 band and 重大 cells linking to their cases, and a frozen table that does not move when a
closed case is reopened and re-classified afterwards."""

from __future__ import annotations

from datetime import date, datetime, time

import time_machine
from django.utils import timezone

from disputes import services
from disputes.models import Case, Category
from governance.models import ReportForm
from governance.report_data import SURVEY
from governance.report_tables import live_table, parse_period, submit_table
from governance.stats import fill_range
from tests.disputes.conftest import advance, intake

MARCH = date(2026, 3, 10)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_a_table_from_real_cases_links_to_them_and_stays_frozen_after_a_reopen(org, login):
    with time_machine.travel(at(MARCH), tick=False):
        crowd = intake(org, people_involved=60, summary="六十户村民因灌溉用水引发纠纷")
        urgent = intake(org, major_emergency=True, summary="征地补偿款分配引发群体纠纷")
        closed = advance(org, intake(org), "evaluated")
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        fill_range(date(2026, 1, 1), date(2026, 4, 1))
        form = ReportForm.objects.get(code=SURVEY)
        period = parse_period(form, "month", "2026-03")
        table = live_table(form, period, org.town_a)
        cells = table.cells
        assert cells["neighbourhood-found.township"].value == "3"  # received by 甲镇's center
        assert cells["neighbourhood-handled.township"].value == "1"  # resolved by 甲镇派出所
        assert cells["people-50.subtotal"].value == "1" and cells["people-lt50.subtotal"].value == "2"
        assert cells["major.subtotal"].value == "1"
        clerk = login(org["township_officer"])
        page = clerk.get(cells["people-50.township"].url).content.decode()
        assert crowd.number in page and urgent.number not in page
        page = clerk.get(cells["major.township"].url).content.decode()
        assert urgent.number in page and crowd.number not in page
        filing = submit_table(
            form=form,
            period=period,
            region=org.town_a,
            user=org["township_officer"],
            data={},
            preparer="甲",
            signer="乙",
        )
    with time_machine.travel(at(date(2026, 4, 3)), tick=False):
        closed.refresh_from_db()
        services.reopen_case(case=closed, by=org["township_officer"], reason="群众不满意", version=closed.version)
        Case.objects.filter(pk=closed.pk).update(category=Category.objects.get(code="labour"))  # re-classified
        fill_range(date(2026, 3, 1), date(2026, 4, 2))
        now = live_table(form, period, org.town_a).cells
        assert now["neighbourhood-handled.township"].value in ("0", None)
        assert now["labour-handled.township"].value == "1"
    version = filing.versions.get()
    assert version.cells["neighbourhood-handled.township"]["v"] == "1"
    assert version.cells["neighbourhood-found.township"]["v"] == "3"
