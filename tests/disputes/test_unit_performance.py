"""Unit performance (承办单位办理情况): a period's finished work from the monthly counters, today's
due-soon and overdue cases from the case table, every number equal to a count over the cases the
person sees and drilling to exactly those cases."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone
from guardian.shortcuts import assign_perm

from disputes import performance, services
from disputes.models import Case, Status, UnitMonth
from disputes.performance import (
    DONE,
    MEASURES,
    Period,
    Span,
    cases_behind,
    due_soon_until,
    unit_performance,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the counters' trigger is PostgreSQL's")


def _local(moment):
    return timezone.localtime(moment).date()


def direct_count(user, period: Period, today) -> dict[int, tuple]:
    """The table as a person would count it by hand, case by case, in Python."""
    figures: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    signs, reports = defaultdict(list), defaultdict(list)
    for case in Case.objects.visible_to(user).filter(lead_unit__isnull=False):
        row = figures[case.lead_unit_id]
        if case.dispatched_at and period.start <= _local(case.dispatched_at) <= period.end:
            row["dispatched"] += 1
            if case.signed_at:
                signs[case.lead_unit_id].append(case.signed_at - case.dispatched_at)
        reported = case.reported_at and case.status in DONE and period.start <= _local(case.reported_at) <= period.end
        if reported and case.handle_due:
            row["on_time" if _local(case.reported_at) <= case.handle_due else "late"] += 1
        if reported and case.dispatched_at:
            reports[case.lead_unit_id].append(case.reported_at - case.dispatched_at)
        if case.status in (Status.DISPATCHED, Status.IN_PROGRESS) and case.handle_due:
            if case.handle_due < today:
                row["overdue"] += 1
            elif case.handle_due <= due_soon_until(today):
                row["due_soon"] += 1

    def average(times):
        return round((sum(times, timedelta()) / len(times)).total_seconds() / 86400, 1) if times else None

    return {
        unit: (*(row[m] for m in MEASURES), average(signs[unit]), average(reports[unit]))
        for unit, row in figures.items()
        if any(row[m] for m in MEASURES)
    }


def table(user, period: Period) -> dict[int, tuple]:
    return {
        row.unit.pk: (*(getattr(row, m) for m in MEASURES), row.days_to_sign, row.days_to_report)
        for row in unit_performance(user, period)
    }


@pytest.fixture
def varied(org, make_case):
    """Cases of every kind the figures must survive: on time, late, overdue, due soon, an extended
    deadline, a reopened case, one sent back, one returned and dispatched to another unit, one
    moved to 乙镇, one co-handled, one granted by name, and last month's work."""
    today = timezone.localdate()
    mediation_unit = org.mediation_a
    make_case(Status.PENDING_REVIEW)  # on time
    make_case(Status.CLOSED)
    late = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=late.pk).update(handle_due=today - timedelta(days=3))
    late.refresh_from_db()
    services.report_case(
        case=late, by=org["police"], outcome="resolved", routes=[], summary="迟办结", version=late.version
    )
    overdue = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=overdue.pk).update(handle_due=today - timedelta(days=1))
    soon = make_case(Status.DISPATCHED)
    Case.objects.filter(pk=soon.pk).update(handle_due=today)
    extended = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=extended.pk).update(handle_due=today - timedelta(days=2))
    extended.refresh_from_db()
    request = services.request_extension(case=extended, by=org["police"], days=10, reason="等待鉴定结果")
    services.decide_extension(extension=request, by=org["township_officer"], approve=True, days=10)
    reopened = make_case(Status.EVALUATED)
    services.reopen_case(case=reopened, by=org["township_officer"], reason="当事人不满意", version=reopened.version)
    sent_back = make_case(Status.PENDING_REVIEW)
    services.send_back_case(case=sent_back, by=org["township_officer"], reason="材料不全", version=sent_back.version)
    moved = make_case(Status.DISPATCHED)
    moved = services.return_case(case=moved, by=org["police"], reason="不属于本单位职责", version=moved.version)
    services.dispatch_case(
        case=moved,
        by=org["township_officer"],
        lead_unit=mediation_unit,
        due=today + timedelta(days=5),
        version=moved.version,
    )
    to_b = make_case(Status.PENDING_REVIEW)
    Case.objects.filter(pk=to_b.pk).update(township=org.town_b, village=org.village_b1)
    co_handled = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=co_handled.pk).update(township=org.town_b, village=org.village_b1, lead_unit=mediation_unit)
    co_handled.co_units.add(org.police_a)
    granted = make_case(Status.PENDING_REVIEW)
    Case.objects.filter(pk=granted.pk).update(township=org.town_b, village=org.village_b1)
    assign_perm("view_case", org["township_officer"], granted)
    last_month = make_case(Status.CLOSED)
    back = timedelta(days=today.day + 3)
    Case.objects.filter(pk=last_month.pk).update(
        dispatched_at=F("dispatched_at") - back, signed_at=F("signed_at") - back, reported_at=F("reported_at") - back
    )
    return today


def test_every_figure_equals_a_count_over_the_cases(org, varied):
    today = varied
    for span in (Span.MONTH, Span.YEAR):
        for month in (today, today.replace(day=1) - timedelta(days=1)):
            period = Period.of(month, span, today)
            for persona in ("county_officer", "leader", "township_officer", "outsider", "police"):
                assert table(org[persona], period) == direct_count(org[persona], period, today), (persona, span, month)
    # The varied set reaches every figure (a check on the fixture, so the comparison means something).
    period = Period.of(today, Span.MONTH, today)
    county = table(org["county_officer"], period)
    assert all(sum(row[i] for row in county.values()) for i in range(len(MEASURES)))
    assert table(org["outsider"], period) != county  # 乙镇 sees only its own cases


def kept_and_recounted() -> tuple[list, list]:
    """The counters' non-zero rows, and the same figures recounted from the cases now."""
    columns = ("month", "lead_unit", "township", "dispatched", "signed", "sign_us", "on_time", "late")
    kept = UnitMonth.objects.exclude(dispatched=0, on_time=0, late=0, signed=0, reported=0)
    kept = sorted(kept.values_list(*columns, "reported", "report_us"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.month, p.lead_unit_id, p.township_id, sum(p.dispatched), sum(p.signed), sum(p.sign_us),"
            " sum(p.on_time), sum(p.late), sum(p.reported), sum(p.report_us)"
            " FROM disputes_case c, LATERAL disputes_unit_month_parts(c, 1) p"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
        recount = [tuple(int(v) if i > 2 else v for i, v in enumerate(row)) for row in cursor.fetchall()]
    return [tuple(row) for row in kept], recount


def test_the_counters_equal_a_recount_after_any_change(org, varied):
    """The trigger keeps UnitMonth exact through every path (the services above, a bulk update
    outside them); a recount from the cases agrees."""
    kept, recount = kept_and_recounted()
    assert kept == recount and kept
    Case.objects.filter(lead_unit__isnull=False).update(lead_unit=org.mediation_a, township=org.town_b)
    kept, recount = kept_and_recounted()
    assert kept == recount and {row[1] for row in kept} == {org.mediation_a.pk}
    # A load with triggers off (scripts/grow_cases.py) leaves them stale until it recounts them.
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            Case.objects.filter(lead_unit__isnull=False).update(lead_unit=org.police_a)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        assert kept_and_recounted()[0] != kept_and_recounted()[1]
        cursor.execute("SELECT disputes_unit_month_rebuild()")
    kept, recount = kept_and_recounted()
    assert kept == recount and {row[1] for row in kept} == {org.police_a.pk}


def test_each_number_drills_to_its_cases(org, login, varied):
    today = varied
    period = Period.of(today, Span.YEAR, today)
    client = login(org["township_officer"])
    rows = unit_performance(org["township_officer"], period)
    assert rows
    for row in rows:
        for measure in MEASURES:
            behind = cases_behind(org["township_officer"], measure, row.unit.pk, period)
            assert behind.count() == getattr(row, measure), (row.unit, measure)
            response = client.get(
                f"/cases/performance/cases/?measure={measure}&unit={row.unit.pk}&month={today:%Y-%m}&span=year"
            )
            assert response.status_code == 200
            assert response.context["page"].paginator.count == getattr(row, measure)
            for case in behind:
                assert case.number in response.content.decode()
    body = client.get(f"/cases/performance/?month={today:%Y-%m}&span=year").content.decode()
    assert "/cases/performance/cases/?measure=on_time&amp;unit=" in body


def test_a_bad_drill_is_refused_with_a_message(org, login):
    client = login(org["leader"])
    for query in ("measure=everything&unit=1", "measure=late&unit=x", "measure=late"):
        response = client.get(f"/cases/performance/cases/?{query}", follow=True)
        assert response.status_code == 200
        assert "统计项或主办单位无效" in response.content.decode()
    assert client.get("/cases/performance/cases/?measure=late&unit=999999").status_code == 404
    assert login(org["police"]).get("/cases/performance/cases/?measure=late&unit=1").status_code == 403


def test_the_table_takes_a_fixed_number_of_queries(org, make_case, django_assert_max_num_queries):
    make_case(Status.PENDING_REVIEW)
    period = Period.of(timezone.localdate(), Span.YEAR)
    with django_assert_max_num_queries(40) as small:
        unit_performance(org["township_officer"], period)
    for _n in range(5):
        make_case(Status.CLOSED)
        make_case(Status.IN_PROGRESS)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert unit_performance(org["township_officer"], period)[0].dispatched == 11


def index_holds(cursor, name: str) -> tuple[set[str], set[str]]:
    """An index's columns (key and included), and the columns its predicate names."""
    import re

    cursor.execute(
        """SELECT array_agg(a.attname), pg_get_expr(i.indpred, i.indrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
           WHERE c.relname = %s GROUP BY i.indpred, i.indrelid""",
        [name],
    )
    columns, predicate = cursor.fetchone()
    return set(columns), set(re.findall(r"\b([a-z_]+)\b(?= IS|\)::text| =)", predicate or ""))


def test_the_live_and_period_parts_read_covering_indexes(org, make_case):
    """Every case-table part of the table can be counted from its covering index (the period's
    dispatches, its reports, the deadlines being handled): the index holds every column of
    `disputes_case` the part reads, but those its predicate fixes. (Not a plan test: on a few-row
    table the planner may take any index; at a million cases it takes these, index-only.)"""
    import re

    make_case(Status.PENDING_REVIEW)
    today = timezone.localdate()
    period = Period.of(today)
    q = {m: performance.measure_q(m, period, today) for m in MEASURES}
    visible = Case.objects.visible_to(org["county_officer"]).order_by()
    parts = [*performance._counted_cases(visible, q), performance._due_now(visible, q, today)]
    with connection.cursor() as cursor:
        for part, index in zip(
            parts, ("case_perf_dispatched", "case_perf_reported", "case_perf_handling"), strict=True
        ):
            columns, fixed = index_holds(cursor, index)
            assert fixed, index  # a partial index
            read = set(re.findall(r'"disputes_case"\."(\w+)"', part.query.sql_with_params()[0]))
            assert read - fixed <= columns, (index, read - fixed - columns)


def test_the_ledger_page_is_the_ledgers_head_and_count(org, varied):
    """超期台账 on the page: its first rows and total, drawn part by part, are the ledger's own."""
    today = varied
    late = Case.objects.filter(status=Status.IN_PROGRESS).first()
    Case.objects.filter(pk=late.pk).update(handle_due=today - timedelta(days=40))
    for persona in ("county_officer", "leader", "township_officer", "outsider"):
        for month in (today, today.replace(day=1) - timedelta(days=1)):
            ledger = list(performance.overdue_ledger(org[persona], month, today))
            for n in (1, 2, 100):
                rows, total = performance.overdue_ledger_page(org[persona], month, n, today)
                assert (rows, total) == (ledger[:n], len(ledger)), (persona, month, n)
    assert performance.overdue_ledger_page(org["county_officer"], today, 100, today)[1] >= 2


def test_the_ledger_parts_read_covering_indexes(org, varied):
    """Each part of the ledger can be counted from its own index with the scope applied there: the
    index's predicate is the part's (reported or not) and it holds every column of `disputes_case`
    the part's count reads. (Not a plan test: on a test table of a few rows the planner may take
    any index that serves the predicate; at a million cases it takes these, index-only.)"""
    import re

    with connection.cursor() as cursor:
        parts = performance._ledger_parts(org["county_officer"], varied)
        for part, index, predicate in zip(
            parts,
            ("case_unreported_due", "case_perf_reported"),
            ("(reported_at IS NULL)", "(reported_at IS NOT NULL)"),
            strict=True,
        ):
            cursor.execute(
                """SELECT array_agg(a.attname), pg_get_expr(i.indpred, i.indrelid)
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                   WHERE c.relname = %s GROUP BY i.indpred, i.indrelid""",
                [index],
            )
            columns, held = cursor.fetchone()
            assert held == predicate, (index, held)
            sql = part.values("pk").query.sql_with_params()[0]
            read = set(re.findall(r'"disputes_case"\."(\w+)"', sql))
            assert read - {"reported_at"} <= set(columns), (index, read - set(columns))  # (the predicate's)
