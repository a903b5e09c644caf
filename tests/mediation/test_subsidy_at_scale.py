"""一案一补 at a million cases: the month's closures drawn from their index, the rate rule in one
place (RateSchedule), and the statement written in the background like the case ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from disputes.models import Category
from governance.export_jobs import run_export_job
from governance.models import ExportJob
from mediation import queries, services
from mediation.models import SubsidyRate
from tests.mediation.test_services import close_resolved


def test_the_rate_rule_prefers_the_category_then_the_newest_in_force():
    general_old = SubsidyRate(
        pk=1, difficulty="ordinary", category_id=None, amount=Decimal(100), valid_from=date(2025, 1, 1)
    )
    general_new = SubsidyRate(
        pk=2, difficulty="ordinary", category_id=None, amount=Decimal(150), valid_from=date(2026, 1, 1)
    )
    family = SubsidyRate(pk=3, difficulty="ordinary", category_id=7, amount=Decimal(300), valid_from=date(2025, 6, 1))
    hard = SubsidyRate(pk=4, difficulty="difficult", category_id=None, amount=Decimal(500), valid_from=date(2025, 1, 1))
    schedule = queries.RateSchedule(sorted([general_old, general_new, family, hard], key=lambda r: r.valid_from)[::-1])
    assert schedule.amount("ordinary", None, date(2025, 12, 31)) == 100
    assert schedule.amount("ordinary", None, date(2026, 1, 1)) == 150
    assert schedule.amount("ordinary", 7, date(2026, 3, 1)) == 300  # the category's, though older
    assert schedule.amount("ordinary", 7, date(2025, 5, 31)) == 100  # not yet in force: the general one
    assert schedule.amount("difficult", 7, date(2026, 3, 1)) == 500
    assert schedule.amount("difficult", None, date(2024, 12, 31)) == 0  # nothing in force


@pytest.fixture
def statement(org, med, mediated_case):
    """Three successful mediations closed today at two rates, and a failed one."""
    today = timezone.localdate()
    county = org["county_officer"]
    for difficulty, amount in (("ordinary", "200"), ("difficult", "500")):
        services.set_subsidy_rate(
            by=county,
            difficulty=difficulty,
            category=None,
            amount=Decimal(amount),
            valid_from=today - timedelta(days=400),
        )
    family = Category.objects.get(code="marriage_family")
    services.set_subsidy_rate(
        by=county, difficulty="ordinary", category=family, amount=Decimal("300"), valid_from=today - timedelta(days=400)
    )
    for who, difficulty, category in (
        (med.zhao, "ordinary", None),
        (med.zhao, "difficult", None),
        (med.qian, "ordinary", family),
    ):
        case = mediated_case(assign=False, **({"category": category} if category else {}))
        services.assign_mediators(case=case, by=org["mediator"], mediators=[who], lead=who, difficulty=difficulty)
        close_resolved(org, case)
    return today


def test_the_statement_is_written_in_the_background(org, login, statement, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    month = f"{statement:%Y-%m}"
    client = login(org["county_officer"])
    assert client.get(f"/mediation/subsidy.xlsx?month={month}").status_code == 405  # no longer in the request
    response = client.post(f"/mediation/subsidy.xlsx?month={month}")
    assert response["Location"] == "/exports/"
    job = ExportJob.objects.get(kind="subsidy", user=org["county_officer"])
    assert job.title == f"{statement:%Y年%m月}"
    assert run_export_job(job.pk) == "done"
    job.refresh_from_db()
    assert (job.rows_written, job.rows_total) == (3, 3)
    book = load_workbook(BytesIO(b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)))
    detail = list(book["案件明细"].values)[2:]
    assert sorted(row[7] for row in detail) == [200, 300, 500]
    assert list(book["按调解组织"].values)[1:] == [("甲镇人民调解委员会", 3, 1000)]
    assert {row[1]: row[3] for row in list(book["按调解员"].values)[1:]} == {"赵调解": 700, "钱调解": 300}
    # The page shows the same sums.
    body = client.get(f"/mediation/subsidy/?month={month}").content.decode()
    assert "1000.00" in body and "700.00" in body
    # 乙镇's center asks for the same month: a statement without 甲镇's cases.
    outsider = login(org["outsider"])
    outsider.post(f"/mediation/subsidy.xlsx?month={month}")
    theirs = ExportJob.objects.get(kind="subsidy", user=org["outsider"])
    assert run_export_job(theirs.pk) == "done"
    theirs.refresh_from_db()
    assert theirs.rows_written == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the partial covering index is PostgreSQL's")
def test_the_month_is_drawn_from_the_closures_index(org, statement):
    """The month's successful closures can be read from their partial index alone (a scan of every
    case before): its predicate is the statement's (resolved) and it holds every column of
    `disputes_case` the statement's scoped query reads, for the county, a township and a leader.
    (Not a plan test: on a few-row table the planner may take any index; at a million cases it
    takes this one.)"""
    import re

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT array_agg(a.attname), pg_get_expr(i.indpred, i.indrelid)
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE c.relname = 'case_resolved_closed' GROUP BY i.indpred, i.indrelid"""
        )
        columns, predicate = cursor.fetchone()
    assert predicate == "((outcome)::text = 'resolved'::text)", predicate
    for persona in ("county_officer", "township_officer", "leader"):
        cases = queries.subsidised_cases(org[persona], statement)
        sql = cases.order_by().values("pk").query.sql_with_params()[0]
        read = set(re.findall(r'"disputes_case"\."(\w+)"', sql)) - {"outcome"}
        assert read <= set(columns), (persona, read - set(columns))


def test_the_page_lists_the_latest_closures_and_says_so(org, login, statement, monkeypatch):
    from mediation import views

    monkeypatch.setattr(views, "SUBSIDY_ROWS", 2)
    response = login(org["county_officer"]).get(f"/mediation/subsidy/?month={statement:%Y-%m}")
    rows = response.context["rows"]
    newest = list(queries.subsidised_cases(org["county_officer"], statement).order_by("-closed_at", "-pk")[:2])
    assert [c.pk for c in rows] == [c.pk for c in newest]
    assert all(c.subsidy > 0 for c in rows)
    assert 'data-testid="subsidy-rows-note"' in response.content.decode()
    assert sum(r["n"] for r in response.context["totals"]["organisations"]) == 3  # the sums cover every case
