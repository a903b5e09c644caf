#!/usr/bin/env python
"""Grow the demo county to N cases on PostgreSQL, in set-based SQL, for the benchmarks.

Run `manage.py seed_demo` first; its cases are the templates. Each new case is a copy of a demo
case with its whole timeline (CaseEvent rows), parties, co-units, mediation records (调解, 指派,
笔录, 协议书 with its obligations and follow-ups) and a history row, moved back in time by whole
weeks (weekday and office hours kept) and up to half an hour, so that the mix of channels,
categories, risk colours, statuses and steps is the demo's own. Receipt dates spread over two
years, busier lately (as the demo's year is): a case of age A weeks copies a demo case of age
A-2…A weeks (so the share of open cases by age is the demo's); a case older than a year copies a
finished (归档/不予受理) demo case of the same week of the year, so the season is kept. On top of
the demo's steps, which know no pauses, extensions or listings, some copies get the steps the
services write for them, with their rows and the handling deadline they make
(`handle_due_from_events`): 暂停计时/恢复计时 (5 % of the single-dispatch handled cases),
延期申请 approved or refused (6 %, own `ExtensionRequest`), 挂牌督办 with answer and lifting
(2 % of the dispatched cases, own `Supervision`), and the notices the dispatch step queues
(to the lead unit and each co-unit, marked delivered).

What is not copied: party ID and phone numbers (a copy's parties get a new name and no
identifiers, so no person appears in hundreds of cases and the key-person register is left as
it is), attachments, guardian grants. Night visits, reception days, visit issues, zero reports and
patrol logs belong to villages, grids and leaders, not cases (the region tree is not grown): they
are filled over the same two years at the demo's own rate (`places`). Steps are recorded when they happened (`recorded_at` = `at`), so the daily
statistics must be rebuilt afterwards (`manage.py fill_stats --from … --to …`).

Everything runs in one transaction on the server: `INSERT … SELECT` over `generate_series`,
secondary indexes of the big tables dropped first and built again at the end, foreign-key
triggers off for the session (`session_replication_role = replica`; the copies reference the
rows their templates reference). It refuses any database whose name does not start with
"bench" or "test" (or BENCH_OK=1).

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench .venv/bin/python manage.py seed_demo --force
    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/bench .venv/bin/python scripts/grow_cases.py --cases 1000000
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

os.environ.setdefault("DEBUG", "1")

from benchsetup import Rollback, database_name, refuse_unless_throwaway  # first: it sets Django up
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from governance.workdays import is_working_day

# Given names of the copies' parties (the demo's own characters, disputes/demo.py).
GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林峰建国志红卫东德福贵才海文武庆生荣春芳娜敏静丽艳娟霞秀英慧巧美玲桂兰凤洁琳素云莲雪爱香月瑞佳嘉琼勤珍莉萍梅燕玉翠"
# Tables whose secondary indexes are dropped during the load and built again after it.
BIG_TABLES = (
    "disputes_case",
    "disputes_caseevent",
    "disputes_party",
    "disputes_historicalcase",
    "disputes_historicalparty",
    "disputes_case_co_units",
    "governance_notification",
)
TEMPLATE = "c.created_at >= c.received_at + interval '30 minutes'"  # seeded, not loaded by this script


def run(cursor, label: str, sql: str, params=None) -> int:
    started = time.perf_counter()
    cursor.execute(sql, params)
    rows = cursor.rowcount
    print(f"  {label}: {rows if rows >= 0 else ''} rows, {time.perf_counter() - started:.1f}s", flush=True)
    return rows


def columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table]
    )
    return [row[0] for row in cursor.fetchall()]


def copy_sql(cursor, table: str, source: str, overrides: dict[str, str], skip: tuple[str, ...] = ("id",)) -> str:
    """INSERT INTO table (its columns) SELECT s.<column> or the override FROM <source> (alias s)."""
    cols = [c for c in columns(cursor, table) if c not in skip or c in overrides]
    select = ", ".join(overrides.get(c, f"s.{c}") for c in cols)
    return f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {source}"


def drop_indexes(cursor) -> list[str]:
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
        """,
        [list(BIG_TABLES)],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def workdays(cursor, first, last) -> None:
    """pg_temp.wd(day, n): n = working days from `first` up to `day` (the statutory calendar)."""
    cursor.execute("CREATE TEMP TABLE wd (day date PRIMARY KEY, n int NOT NULL) ON COMMIT DROP")
    cursor.execute("CREATE INDEX ON wd (n, day)")
    rows, n, day = [], 0, first
    while day <= last:
        n += is_working_day(day)
        rows.append((day, n))
        day += timedelta(days=1)
    cursor.executemany("INSERT INTO wd VALUES (%s, %s)", rows)
    # add_working_days(d, k) for k ≥ 0: the first day whose count is count(d) + k (a working day).
    cursor.execute(
        """
        CREATE FUNCTION pg_temp.add_wd(d date, k int) RETURNS date LANGUAGE sql STABLE AS $$
          SELECT CASE WHEN k <= 0 THEN d ELSE
            (SELECT min(w.day) FROM wd w WHERE w.n = (SELECT n FROM wd WHERE day = d) + k AND w.day > d) END
        $$;
        CREATE FUNCTION pg_temp.wd_between(a date, b date) RETURNS int LANGUAGE sql STABLE AS $$
          SELECT (SELECT n FROM wd WHERE day = b) - (SELECT n FROM wd WHERE day = a)
        $$;
        """
    )


def grow(target: int, seed: float) -> None:
    now = timezone.now()
    detail_url = reverse("disputes-detail", args=["NUMBER"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM disputes_case")
        existing = cursor.fetchone()[0]
        if existing >= target:
            print(f"{existing} cases already, nothing to do")
            return
        cursor.execute(f"SELECT count(*) FROM disputes_case c WHERE {TEMPLATE}")
        if not cursor.fetchone()[0]:
            raise SystemExit("no template cases: run `manage.py seed_demo --force` first")
        n = target - existing
        print(f"growing {existing} → {target} cases ({n} new)", flush=True)
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT setseed(%s)", [seed])
        today = timezone.localdate(now)
        workdays(cursor, today - timedelta(days=3 * 366), today + timedelta(days=366))
        started = time.perf_counter()
        definitions = drop_indexes(cursor)
        print(f"  dropped {len(definitions)} secondary indexes: {time.perf_counter() - started:.1f}s", flush=True)

        # --- Templates: the demo's cases by age in weeks; finished ones also by the week of the year.
        run(
            cursor,
            "templates",
            f"""
            CREATE TEMP TABLE tmpl ON COMMIT DROP AS
            SELECT c.id, LEAST(floor(extract(epoch FROM %(now)s - c.received_at) / 604800)::int, 51) AS week,
                   c.status IN ('archived', 'rejected') AS finished
            FROM disputes_case c WHERE {TEMPLATE}
            """,
            {"now": now},
        )
        run(
            cursor,
            "pools",
            """
            CREATE TEMP TABLE pool ON COMMIT DROP AS
            SELECT week AS pool, id, row_number() OVER (PARTITION BY week ORDER BY id) AS k FROM tmpl
            UNION ALL
            SELECT 100 + week, id, row_number() OVER (PARTITION BY week ORDER BY id) FROM tmpl WHERE finished;
            CREATE INDEX ON pool (pool, k);
            CREATE TEMP TABLE pool_size ON COMMIT DROP AS SELECT pool, count(*) AS size FROM pool GROUP BY pool;
            """,
        )
        # --- The plan: one row per new case, its template and how far back it moves.
        # Age in days: density falling linearly from 1.6 to 0.4 over two years (inverse CDF).
        run(
            cursor,
            "plan",
            """
            CREATE TEMP TABLE plan ON COMMIT DROP AS
            WITH drawn AS (
              SELECT i, floor(730 * (1.6 - sqrt(2.56 - 2.4 * random())) / 1.2 / 7)::int AS w, random() AS r
              FROM generate_series(1, %(n)s) AS i
            ), pooled AS (
              SELECT i, w, CASE
                WHEN w <= 51 THEN GREATEST(w - floor(r * 3)::int, 0)
                ELSE 100 + LEAST(GREATEST(w - 52, 10), 51)
              END AS pool FROM drawn
            ), chosen AS (
              SELECT p.i, p.w, p.pool, 1 + floor(random() * s.size)::int AS k
              FROM pooled p JOIN pool_size s USING (pool)
            )
            SELECT nextval(pg_get_serial_sequence('disputes_case', 'id')) AS new_id, t.id AS tmpl_id,
                   (c.w - (t.pool %% 100)) * 7 AS shift_days,
                   make_interval(days => (c.w - (t.pool %% 100)) * 7, secs => floor(random() * 1800)) AS shift,
                   random() AS r1, random() AS r2, random() AS r3
            FROM chosen c JOIN pool t ON t.pool = c.pool AND t.k = c.k
            """,
            {"n": n},
        )
        cursor.execute("ALTER TABLE plan ADD PRIMARY KEY (new_id); CREATE INDEX ON plan (tmpl_id); ANALYZE plan")

        # Case numbers: 年份-镇街序号-流水号, after the last one used per township and year.
        run(
            cursor,
            "numbers",
            """
            CREATE TEMP TABLE numbered ON COMMIT DROP AS
            WITH placed AS (
              SELECT p.new_id, c.township_id, substr(r.code, 7, 3) AS town, c.received_at - p.shift AS received_at,
                     extract(year FROM (c.received_at - p.shift) AT TIME ZONE 'Asia/Shanghai')::int AS year
              FROM plan p JOIN disputes_case c ON c.id = p.tmpl_id JOIN grids_region r ON r.id = c.township_id
            ), used AS (
              -- The last number given per township and year: the sequence row or a number already used.
              SELECT township_id, year, max(last) AS last FROM (
                SELECT township_id, year, last FROM disputes_casesequence
                UNION ALL
                SELECT township_id, split_part(number, '-', 1)::int, max(split_part(number, '-', 3)::int)
                FROM disputes_case WHERE number ~ '^[0-9]{4}-[0-9]{3}-[0-9]+$' GROUP BY 1, 2
              ) x GROUP BY 1, 2
            )
            SELECT x.new_id, x.township_id, x.year, x.town,
                   COALESCE(u.last, 0)
                   + row_number() OVER (PARTITION BY x.township_id, x.year ORDER BY x.received_at, x.new_id) AS seq
            FROM placed x LEFT JOIN used u ON u.township_id = x.township_id AND u.year = x.year
            """,
        )
        cursor.execute("CREATE UNIQUE INDEX ON numbered (new_id)")

        shifted = {
            col: f"s.{col} - p.shift"
            for col in (
                "received_at",
                "dispatched_at",
                "signed_at",
                "reported_at",
                "closed_at",
                "evaluated_at",
                "visited_at",
                "archived_at",
                "sign_due",
            )
        }
        run(
            cursor,
            "cases",
            copy_sql(
                cursor,
                "disputes_case",
                "plan p JOIN disputes_case s ON s.id = p.tmpl_id JOIN numbered n ON n.new_id = p.new_id",
                {
                    "id": "p.new_id",
                    "number": "n.year || '-' || n.town || '-' || lpad(n.seq::text, GREATEST(5, length(n.seq::text)), '0')",
                    **shifted,
                    "handle_due": "s.handle_due - p.shift_days",
                    "created_at": "s.received_at - p.shift",
                    "updated_at": "s.received_at - p.shift",
                },
            ),
        )
        data = """CASE s.action
            WHEN 'dispatch' THEN s.data || jsonb_build_object(
              'due', ((s.data->>'due')::date - p.shift_days)::text,
              'sign_due', CASE WHEN COALESCE(s.data->>'sign_due', '') = '' THEN '' ELSE
                to_char(((s.data->>'sign_due')::timestamptz - p.shift) AT TIME ZONE 'Asia/Shanghai',
                        'YYYY-MM-DD"T"HH24:MI:SS') || '+08:00' END)
            WHEN 'approve' THEN s.data || jsonb_build_object(
              'handle_due', CASE WHEN COALESCE(s.data->>'handle_due', '') = '' THEN '' ELSE
                ((s.data->>'handle_due')::date - p.shift_days)::text END)
            ELSE s.data END"""
        run(
            cursor,
            "events",
            copy_sql(
                cursor,
                "disputes_caseevent",
                "plan p JOIN disputes_caseevent s ON s.case_id = p.tmpl_id",
                {"case_id": "p.new_id", "at": "s.at - p.shift", "recorded_at": "s.at - p.shift", "data": data},
            ),
        )
        run(
            cursor,
            "parties",
            copy_sql(
                cursor,
                "disputes_party",
                "plan p JOIN disputes_party s ON s.case_id = p.tmpl_id",
                {
                    "case_id": "p.new_id",
                    "name": f"""CASE WHEN s.kind = 'person' THEN left(s.name, 1)
                        || substr('{GIVEN}', 1 + floor(random() * {len(GIVEN)})::int, 1)
                        || CASE WHEN random() < 0.6 THEN substr('{GIVEN}', 1 + floor(random() * {len(GIVEN)})::int, 1)
                           ELSE '' END
                        ELSE s.name END""",
                    **{
                        c: "''"
                        for c in (
                            "id_number_encrypted",
                            "id_number_index",
                            "id_number_masked",
                            "phone_encrypted",
                            "phone_index",
                            "phone_masked",
                        )
                    },
                },
            ),
        )
        run(
            cursor,
            "co-units",
            "INSERT INTO disputes_case_co_units (case_id, unit_id) "
            "SELECT p.new_id, s.unit_id FROM plan p JOIN disputes_case_co_units s ON s.case_id = p.tmpl_id",
        )
        mediation(cursor)
        extras(cursor, now)
        run(
            cursor,
            "notices",
            """
            INSERT INTO governance_notification (title, body, url, created_at, dispatched_at, unit_id)
            SELECT '新转办案件：' || c.number || '，请及时签收', '', replace(%(url)s, 'NUMBER', c.number),
                   c.dispatched_at, c.dispatched_at + interval '1 minute', c.lead_unit_id
            FROM plan p JOIN disputes_case c ON c.id = p.new_id WHERE c.lead_unit_id IS NOT NULL
            UNION ALL
            SELECT '协办案件：' || c.number, '', replace(%(url)s, 'NUMBER', c.number),
                   c.dispatched_at, c.dispatched_at + interval '1 minute', u.unit_id
            FROM plan p JOIN disputes_case c ON c.id = p.new_id
            JOIN disputes_case_co_units u ON u.case_id = c.id WHERE c.dispatched_at IS NOT NULL
            """,
            {"url": detail_url},
        )
        # Each case's updated_at: its last step.
        run(
            cursor,
            "updated_at",
            """
            UPDATE disputes_case c SET updated_at = e.last FROM (
              SELECT case_id, max(at) AS last FROM disputes_caseevent e JOIN plan p ON p.new_id = e.case_id
              GROUP BY case_id) e
            WHERE c.id = e.case_id
            """,
        )
        history_cols = [c for c in columns(cursor, "disputes_historicalcase") if not c.startswith("history_")]
        run(
            cursor,
            "case history",
            f"""
            INSERT INTO disputes_historicalcase ({", ".join(history_cols)}, history_date, history_type, history_user_id)
            SELECT {", ".join(f"c.{col}" for col in history_cols)}, c.updated_at, '+', c.registered_by_id
            FROM plan p JOIN disputes_case c ON c.id = p.new_id
            """,
        )
        party_cols = [c for c in columns(cursor, "disputes_historicalparty") if not c.startswith("history_")]
        run(
            cursor,
            "party history",
            f"""
            INSERT INTO disputes_historicalparty ({", ".join(party_cols)}, history_date, history_type, history_user_id)
            SELECT {", ".join(f"x.{col}" for col in party_cols)}, c.created_at, '+', c.registered_by_id
            FROM plan p JOIN disputes_case c ON c.id = p.new_id JOIN disputes_party x ON x.case_id = c.id
            """,
        )
        run(
            cursor,
            "case sequences",
            """
            INSERT INTO disputes_casesequence (township_id, year, last)
            SELECT township_id, year, max(seq) FROM numbered GROUP BY 1, 2
            ON CONFLICT (township_id, year) DO UPDATE SET last = GREATEST(disputes_casesequence.last, EXCLUDED.last)
            """,
        )
        started = time.perf_counter()
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for definition in definitions:
            cursor.execute(definition)
        print(f"  rebuilt {len(definitions)} indexes: {time.perf_counter() - started:.1f}s", flush=True)


def mediation(cursor) -> None:
    """The templates' mediation records, ids mapped, dates moved with their case."""
    run(
        cursor,
        "mediations",
        copy_sql(
            cursor,
            "mediation_mediation",
            "plan p JOIN mediation_mediation s ON s.case_id = p.tmpl_id",
            {
                "case_id": "p.new_id",
                "started_on": "s.started_on - p.shift_days",
                "due_on": "s.due_on - p.shift_days",
                "failed_at": "s.failed_at - p.shift",
            },
        ),
    )
    run(
        cursor,
        "assignments",
        copy_sql(
            cursor,
            "mediation_assignment",
            "plan p JOIN mediation_assignment s ON s.case_id = p.tmpl_id",
            {
                "case_id": "p.new_id",
                "assigned_at": "s.assigned_at - p.shift",
                "withdrawn_at": "s.withdrawn_at - p.shift",
            },
        ),
    )
    for table, key, parent in (
        ("mediation_session", "case_id", None),
        ("mediation_agreement", "case_id", None),
        ("mediation_obligation", "agreement_id", "mediation_agreement"),
        ("mediation_followup", "obligation_id", "mediation_obligation"),
    ):
        # map_<table>(old, new, plan row): new ids drawn from the table's sequence.
        if parent is None:
            source = f"plan p JOIN {table} s ON s.case_id = p.tmpl_id"
        else:
            source = f"map_{parent} m JOIN {table} s ON s.{key} = m.old JOIN plan p ON p.new_id = m.new_case"
        cursor.execute(
            f"""
            CREATE TEMP TABLE map_{table} ON COMMIT DROP AS
            SELECT s.id AS old, nextval(pg_get_serial_sequence('{table}', 'id')) AS new, p.new_id AS new_case
            FROM {source};
            CREATE INDEX ON map_{table} (old, new_case);
            """
        )
    common = "JOIN plan p ON p.new_id = m.new_case"
    run(
        cursor,
        "sessions",
        copy_sql(
            cursor,
            "mediation_session",
            f"map_mediation_session m JOIN mediation_session s ON s.id = m.old {common}",
            {
                "id": "m.new",
                "case_id": "m.new_case",
                "held_at": "s.held_at - p.shift",
                "recorded_at": "s.recorded_at - p.shift",
            },
        ),
    )
    run(
        cursor,
        "agreements",
        copy_sql(
            cursor,
            "mediation_agreement",
            f"""map_mediation_agreement m JOIN mediation_agreement s ON s.id = m.old {common}
            LEFT JOIN map_mediation_session ms ON ms.old = s.session_id AND ms.new_case = m.new_case
            LEFT JOIN map_mediation_agreement ma ON ma.old = s.supersedes_id AND ma.new_case = m.new_case""",
            {
                "id": "m.new",
                "case_id": "m.new_case",
                "session_id": "ms.new",
                "supersedes_id": "ma.new",
                "created_at": "s.created_at - p.shift",
                "signed_on": "s.signed_on - p.shift_days",
                "finalized_at": "s.finalized_at - p.shift",
                "performance_deadline": "s.performance_deadline - p.shift_days",
            },
        ),
    )
    run(
        cursor,
        "obligations",
        copy_sql(
            cursor,
            "mediation_obligation",
            f"""map_mediation_obligation m JOIN mediation_obligation s ON s.id = m.old {common}
            JOIN map_mediation_agreement ma ON ma.old = s.agreement_id AND ma.new_case = m.new_case""",
            {"id": "m.new", "agreement_id": "ma.new", "due_on": "s.due_on - p.shift_days"},
        ),
    )
    run(
        cursor,
        "follow-ups",
        copy_sql(
            cursor,
            "mediation_followup",
            f"""map_mediation_followup m JOIN mediation_followup s ON s.id = m.old {common}
            JOIN map_mediation_obligation mo ON mo.old = s.obligation_id AND mo.new_case = m.new_case""",
            {
                "id": "m.new",
                "obligation_id": "mo.new",
                "due_on": "s.due_on - p.shift_days",
                "done_at": "s.done_at - p.shift",
            },
        ),
    )


def places(cursor, now) -> None:
    """Night visits, reception days, visit issues, zero reports and patrol logs over the two years
    the cases span, at the demo's own rate: they belong to villages, grids and leaders (a leader
    visits one village an evening, a village files one zero report a day), which the loader does
    not grow, so they cannot grow with the cases. The demo's recorded weeks (its template window
    of W whole weeks) are copied back by W, 2W, … weeks until two years back, weekdays and hours
    kept; windows do not overlap, so no leader is booked twice an evening and no village reports
    twice a day. Copies older than the window are finished: an issue still assigned, or turned
    into a case (whose case is the template's, not a copy's), is closed by its owner unit before
    its deadline. Run once: a database whose visits already reach back a year is left as it is."""
    today = timezone.localdate(now)
    start = today - timedelta(days=730)
    cursor.execute("SELECT min(date) FROM visits_visit WHERE status <> 'planned'")
    first_visit = cursor.fetchone()[0]
    if first_visit is None or first_visit < today - timedelta(days=365):
        print("  places: visits already reach back a year (or there are none): left as they are")
        return

    def tiles(table: str, first, label: str) -> tuple[int, int]:
        """map_<table>(old, new, shift_days): the template rows copied back by whole windows."""
        weeks = max(1, -(-((today - first).days + 1) // 7))
        count = -(-(today - start).days // (7 * weeks))
        cursor.execute(
            f"""
            CREATE TEMP TABLE map_{table} ON COMMIT DROP AS
            SELECT s.id AS old, nextval(pg_get_serial_sequence('{table}', 'id')) AS new, k * %(days)s AS shift_days,
                   make_interval(days => k * %(days)s) AS shift
            FROM {table} s CROSS JOIN generate_series(1, %(count)s) AS k
            WHERE s.date >= %(first)s AND s.date <= %(today)s AND s.date - k * %(days)s >= %(start)s
              {"AND s.status <> 'planned'" if table == "visits_visit" else ""};
            CREATE UNIQUE INDEX ON map_{table} (old, new);
            """,
            {"days": 7 * weeks, "count": count, "first": first, "today": today, "start": start},
        )
        print(f"  {label}: window of {weeks} weeks copied back {count} times", flush=True)
        return weeks, count

    tiles("visits_visit", first_visit, "visit templates")
    m = "map_visits_visit m JOIN visits_visit s ON s.id = m.old"
    run(
        cursor,
        "visits",
        copy_sql(
            cursor,
            "visits_visit",
            m,
            {
                "id": "m.new",
                "date": "s.date - m.shift_days",
                "created_at": "s.created_at - m.shift",
                "recorded_at": "s.recorded_at - m.shift",
            },
        ),
    )
    run(
        cursor,
        "visit leaders",
        copy_sql(
            cursor,
            "visits_visitleader",
            "map_visits_visit m JOIN visits_visitleader s ON s.visit_id = m.old",
            {"visit_id": "m.new", "date": "s.date - m.shift_days"},
        ),
    )
    finished = "s.status IN ('assigned', 'case')"
    run(
        cursor,
        "visit issues",
        copy_sql(
            cursor,
            "visits_visitissue",
            "map_visits_visit m JOIN visits_visitissue s ON s.visit_id = m.old",
            {
                "visit_id": "m.new",
                "status": f"CASE WHEN {finished} THEN 'closed' ELSE s.status END",
                "created_at": "s.created_at - m.shift",
                "assigned_at": f"CASE WHEN {finished} THEN COALESCE(s.assigned_at, s.created_at) - m.shift END",
                "due": f"""CASE WHEN {finished}
                    THEN COALESCE(s.due, (s.created_at AT TIME ZONE 'Asia/Shanghai')::date + 10) - m.shift_days
                    ELSE s.due - m.shift_days END""",
                "owner_unit_id": f"""CASE WHEN {finished} THEN COALESCE(s.owner_unit_id,
                    (SELECT u.unit_id FROM governance_user u WHERE u.id = s.created_by_id)) ELSE s.owner_unit_id END""",
                "closed_at": f"""CASE WHEN {finished} THEN s.created_at - m.shift + interval '5 days'
                    ELSE s.closed_at - m.shift END""",
                "answer": f"CASE WHEN {finished} THEN '已协调相关单位办结，已向反映人反馈。' ELSE s.answer END",
                "answered_by_id": f"CASE WHEN {finished} THEN s.created_by_id ELSE s.answered_by_id END",
                "case_id": "NULL",
            },
        ),
    )
    cursor.execute("SELECT min(date) FROM grids_zeroreport WHERE date <= %s", [today])
    first_report = cursor.fetchone()[0]
    if first_report is not None:
        tiles("grids_zeroreport", first_report, "zero-report templates")
        run(
            cursor,
            "zero reports",
            copy_sql(
                cursor,
                "grids_zeroreport",
                "map_grids_zeroreport m JOIN grids_zeroreport s ON s.id = m.old",
                {"id": "m.new", "date": "s.date - m.shift_days", "submitted_at": "s.submitted_at - m.shift"},
            ),
        )
        run(
            cursor,
            "zero-report items",
            copy_sql(
                cursor,
                "grids_zeroreportitem",
                "map_grids_zeroreport m JOIN grids_zeroreportitem s ON s.report_id = m.old",
                {"report_id": "m.new", "case_id": "NULL"},
            ),
        )
    cursor.execute("SELECT min(date) FROM grids_patrollog WHERE date <= %s", [today])
    first_patrol = cursor.fetchone()[0]
    if first_patrol is not None:
        tiles("grids_patrollog", first_patrol, "patrol-log templates")
        run(
            cursor,
            "patrol logs",
            copy_sql(
                cursor,
                "grids_patrollog",
                "map_grids_patrollog m JOIN grids_patrollog s ON s.id = m.old",
                {
                    "id": "m.new",
                    "date": "s.date - m.shift_days",
                    "created_at": "s.created_at - m.shift",
                    "case_id": "NULL",
                },
            ),
        )


def extras(cursor, now) -> None:
    """Pauses, extension requests and listings on some copies, as the services write them."""
    # The copies handled by one unit after one dispatch (no return, no reopen), with their steps.
    run(
        cursor,
        "handled copies",
        """
        CREATE TEMP TABLE handled ON COMMIT DROP AS
        SELECT e.case_id, p.r1, p.r2, p.r3, c.status, c.handle_due, c.township_id,
               max(e.at) FILTER (WHERE e.action = 'dispatch') AS dispatched,
               max(e.at) FILTER (WHERE e.action = 'sign') AS signed,
               min(e.at) FILTER (WHERE e.action = 'report') AS reported,
               max(e.at) FILTER (WHERE e.action = 'approve') AS approved,
               (array_agg(e.actor_id ORDER BY e.at) FILTER (WHERE e.action = 'dispatch'))[1] AS center_actor,
               (array_agg(e.actor_unit_id ORDER BY e.at) FILTER (WHERE e.action = 'dispatch'))[1] AS center_unit,
               (array_agg(e.actor_id ORDER BY e.at) FILTER (WHERE e.action = 'sign'))[1] AS unit_actor,
               (array_agg(e.actor_unit_id ORDER BY e.at) FILTER (WHERE e.action = 'sign'))[1] AS unit_id
        FROM plan p JOIN disputes_caseevent e ON e.case_id = p.new_id JOIN disputes_case c ON c.id = p.new_id
        WHERE c.handle_due IS NOT NULL
        GROUP BY e.case_id, p.r1, p.r2, p.r3, c.status, c.handle_due, c.township_id
        HAVING count(*) FILTER (WHERE e.action = 'dispatch') = 1
           AND count(*) FILTER (WHERE e.action IN ('return', 'reopen')) = 0
        """,
    )
    cursor.execute(
        """
        ALTER TABLE handled ADD COLUMN until timestamptz;
        UPDATE handled SET until = COALESCE(reported, %(now)s);
        DELETE FROM handled WHERE signed IS NULL AND r3 >= 0.02;
        """,
        {"now": now},
    )
    # Fallback actors: the center and leader logins of the demo.
    cursor.execute(
        """
        SELECT username, id, unit_id FROM governance_user WHERE username IN ('county', 'leader', 'tleader')
        """
    )
    users = {name: (pk, unit) for name, pk, unit in cursor.fetchall()}
    county, leader = users.get("county"), users.get("leader")
    if county is None or leader is None:
        raise SystemExit("the demo logins county and leader are missing: run seed_demo")
    params = {"county": county[0], "county_unit": county[1], "leader": leader[0], "leader_unit": leader[1]}

    # 暂停计时 … 恢复计时: 5 % of the signed copies with at least four days of handling.
    run(
        cursor,
        "pauses",
        """
        CREATE TEMP TABLE paused ON COMMIT DROP AS
        SELECT case_id, signed + (until - signed) * 0.25 AS paused_at, signed + (until - signed) * 0.6 AS resumed_at,
               CASE WHEN r2 < 0.6 THEN 'materials' ELSE 'appraisal' END AS reason, unit_actor, unit_id
        FROM handled WHERE signed IS NOT NULL AND until - signed >= interval '4 days' AND r1 < 0.05;
        INSERT INTO disputes_caseevent (case_id, action, actor_id, actor_unit_id, at, recorded_at, from_status,
                                        to_status, note, data)
        SELECT case_id, 'pause', unit_actor, unit_id, paused_at, paused_at, '', '',
               CASE reason WHEN 'materials' THEN '等待当事人补充提交相关票据和证明材料。' ELSE '已委托司法鉴定，等待鉴定意见。' END,
               jsonb_build_object('reason', reason)
        FROM paused
        UNION ALL
        SELECT case_id, 'resume', unit_actor, unit_id, resumed_at, resumed_at, '', '',
               CASE reason WHEN 'materials' THEN '当事人已补充材料。' ELSE '鉴定意见已出具。' END, '{}'::jsonb
        FROM paused
        """,
    )
    # 延期申请: 6 % of the others, three in four approved; one still pending if not decided by now.
    run(
        cursor,
        "extensions",
        """
        CREATE TEMP TABLE extended ON COMMIT DROP AS
        SELECT h.case_id, signed + (until - signed) * 0.5 AS asked_at,
               signed + (until - signed) * 0.5 + interval '1 day' AS decided_at,
               (ARRAY[5, 10, 15])[1 + floor(r2 * 3)::int] AS days, r2 < 0.75 AS approved,
               h.unit_actor, h.unit_id, h.center_actor, h.center_unit
        FROM handled h
        WHERE signed IS NOT NULL AND until - signed >= interval '4 days' AND r1 >= 0.05 AND r1 < 0.11;
        UPDATE extended SET decided_at = NULL WHERE decided_at > %(now)s;
        INSERT INTO disputes_caseevent (case_id, action, actor_id, actor_unit_id, at, recorded_at, from_status,
                                        to_status, note, data)
        SELECT case_id, 'extension_request', unit_actor, unit_id, asked_at, asked_at, '', '',
               '案情复杂，需进一步调查取证，申请延长办理期限。', jsonb_build_object('days', days)
        FROM extended
        UNION ALL
        SELECT case_id, CASE WHEN approved THEN 'extension_approve' ELSE 'extension_refuse' END,
               COALESCE(center_actor, %(county)s), COALESCE(center_unit, %(county_unit)s), decided_at, decided_at,
               '', '', CASE WHEN approved THEN '同意延期。' ELSE '理由不充分，请按原期限办结。' END,
               CASE WHEN approved THEN jsonb_build_object('days', days) ELSE '{}'::jsonb END
        FROM extended WHERE decided_at IS NOT NULL
        """,
        {"now": now, **params},
    )
    # The deadline the steps make (handle_due_from_events): the dispatch's, plus the working days
    # paused, plus the days approved. The case and its approval step carry it.
    run(
        cursor,
        "deadlines",
        """
        CREATE TEMP TABLE moved ON COMMIT DROP AS
        SELECT x.case_id, (e.data->>'due')::date AS old_due, x.add AS add, x.extension
        FROM (
          SELECT case_id, pg_temp.wd_between((paused_at AT TIME ZONE 'Asia/Shanghai')::date,
                                             (resumed_at AT TIME ZONE 'Asia/Shanghai')::date) AS add, false AS extension
          FROM paused
          UNION ALL
          SELECT case_id, CASE WHEN approved AND decided_at IS NOT NULL THEN days ELSE 0 END, true FROM extended
        ) x JOIN disputes_caseevent e ON e.case_id = x.case_id AND e.action = 'dispatch';
        ALTER TABLE moved ADD COLUMN new_due date;
        UPDATE moved SET new_due = pg_temp.add_wd(old_due, GREATEST(add, 0));
        UPDATE disputes_case c SET handle_due = m.new_due, version = c.version + 2
        FROM moved m WHERE c.id = m.case_id AND c.handle_due IS NOT NULL;
        UPDATE disputes_caseevent e SET data = e.data || jsonb_build_object('handle_due', m.new_due::text)
        FROM moved m WHERE e.case_id = m.case_id AND e.action = 'approve';
        """,
    )
    run(
        cursor,
        "extension requests",
        """
        INSERT INTO disputes_extensionrequest (case_id, requested_by_id, requested_at, days, reason, decision,
                                               decided_by_id, decided_at, approved_days, decision_note, old_due,
                                               new_due)
        SELECT x.case_id, COALESCE(x.unit_actor, %(county)s), x.asked_at, x.days,
               '案情复杂，需进一步调查取证，申请延长办理期限。',
               CASE WHEN x.decided_at IS NULL THEN 'pending' WHEN x.approved THEN 'approved' ELSE 'refused' END,
               CASE WHEN x.decided_at IS NULL THEN NULL ELSE COALESCE(x.center_actor, %(county)s) END, x.decided_at,
               CASE WHEN x.approved AND x.decided_at IS NOT NULL THEN x.days END,
               CASE WHEN x.decided_at IS NULL THEN '' WHEN x.approved THEN '同意延期。' ELSE '理由不充分，请按原期限办结。' END,
               m.old_due, CASE WHEN x.approved AND x.decided_at IS NOT NULL THEN m.new_due END
        FROM extended x JOIN moved m ON m.case_id = x.case_id AND m.extension
        """,
        params,
    )
    # 挂牌督办: 2 % of the dispatched copies, two days after dispatch; answered when the unit
    # reported, lifted a day after the closure.
    run(
        cursor,
        "supervisions",
        """
        CREATE TEMP TABLE listed ON COMMIT DROP AS
        SELECT case_id, dispatched + interval '2 days' AS listed_at,
               ((dispatched + interval '2 days') AT TIME ZONE 'Asia/Shanghai')::date + 10 AS due,
               CASE WHEN reported IS NOT NULL AND reported > dispatched + interval '2 days'
                    THEN reported END AS answered_at,
               CASE WHEN approved IS NOT NULL AND approved + interval '1 day' < %(now)s
                         AND reported > dispatched + interval '2 days'
                    THEN approved + interval '1 day' END AS lifted_at,
               unit_actor, unit_id
        FROM handled WHERE r3 < 0.02 AND dispatched + interval '2 days' < %(now)s
          AND (reported IS NULL OR reported > dispatched + interval '2 days');
        INSERT INTO disputes_supervision (case_id, leader_id, instruction, due, created_at, state, answer,
                                          answered_by_id, answered_at, lifted_at)
        SELECT case_id, %(leader)s, '请主办单位高度重视，依法依规尽快化解，按期报送办理结果。', due, listed_at,
               CASE WHEN lifted_at IS NOT NULL THEN 'lifted' WHEN answered_at IS NOT NULL THEN 'answered' ELSE 'open' END,
               CASE WHEN answered_at IS NOT NULL THEN '已组织双方调解，纠纷已化解，详见办结反馈。' ELSE '' END,
               CASE WHEN answered_at IS NOT NULL THEN COALESCE(unit_actor, %(county)s) END, answered_at, lifted_at
        FROM listed;
        INSERT INTO disputes_caseevent (case_id, action, actor_id, actor_unit_id, at, recorded_at, from_status,
                                        to_status, note, data)
        SELECT case_id, 'supervise', %(leader)s, %(leader_unit)s, listed_at, listed_at, '', '',
               '请主办单位高度重视，依法依规尽快化解，按期报送办理结果。', jsonb_build_object('due', due::text)
        FROM listed
        UNION ALL
        SELECT case_id, 'supervision_answer', unit_actor, unit_id, answered_at, answered_at, '', '',
               '已组织双方调解，纠纷已化解，详见办结反馈。', '{}'::jsonb
        FROM listed WHERE answered_at IS NOT NULL
        UNION ALL
        SELECT case_id, 'supervision_lift', %(leader)s, %(leader_unit)s, lifted_at, lifted_at, '', '', '', '{}'::jsonb
        FROM listed WHERE lifted_at IS NOT NULL
        """,
        {"now": now, **params},
    )


def report() -> None:
    """What the database holds now, by table, and the mix of steps and statuses."""
    with connection.cursor() as cursor:
        for table in (
            "disputes_case",
            "disputes_caseevent",
            "disputes_party",
            "disputes_case_co_units",
            "disputes_supervision",
            "disputes_extensionrequest",
            "governance_notification",
            "mediation_mediation",
            "mediation_session",
            "mediation_agreement",
            "visits_visit",
            "visits_visitissue",
            "grids_zeroreport",
            "grids_patrollog",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"  {table}: {cursor.fetchone()[0]}")
        cursor.execute("SELECT status, count(*) FROM disputes_case GROUP BY 1 ORDER BY 2 DESC")
        print("  statuses:", ", ".join(f"{s} {n}" for s, n in cursor.fetchall()))
        cursor.execute("SELECT action, count(*) FROM disputes_caseevent GROUP BY 1 ORDER BY 2 DESC")
        print("  steps:", ", ".join(f"{s} {n}" for s, n in cursor.fetchall()))


def check(sample: int = 2000) -> int:
    """Read a random sample of the loaded cases back through the models and compare what the app
    derives from the timeline with the stored fields: the status is the last step's, the handling
    deadline is handle_due_from_events, and each model's validation passes. Returns the faults."""
    from disputes.deadlines import handle_due_from_events
    from disputes.models import Case

    faults = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM disputes_case c WHERE NOT (" + TEMPLATE + ") ORDER BY random() LIMIT %s", [sample]
        )
        ids = [row[0] for row in cursor.fetchall()]
    for case in Case.objects.filter(pk__in=ids).prefetch_related("events", "parties"):
        events = sorted(case.events.all(), key=lambda e: (e.at, e.pk))
        last = next((e.to_status for e in reversed(events) if e.to_status), "submitted")
        due = handle_due_from_events(events) if case.handle_due else None
        problems = []
        if last != case.status:
            problems.append(f"status {case.status} but last step to {last}")
        if due != case.handle_due:
            problems.append(f"handle_due {case.handle_due} but the steps make {due}")
        try:
            case.full_clean(exclude=["status", "hold"], validate_unique=False)
            for party in case.parties.all():
                party.full_clean(validate_unique=False)
        except ValidationError as error:
            problems.append(f"invalid: {error}")
        if problems:
            faults += 1
            if faults <= 10:
                print(f"  {case.number}: {'; '.join(problems)}")
    print(f"  checked {len(ids)} loaded cases: {faults} with faults")
    return faults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="cases in all after the load")
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL setseed() value in [-1, 1]")
    parser.add_argument("--rollback", action="store_true", help="roll everything back at the end (a trial run)")
    args = parser.parse_args()
    refuse_unless_throwaway()
    if connection.vendor != "postgresql":
        raise SystemExit("grow_cases.py needs PostgreSQL")
    print(f"database: {database_name()!r}")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            grow(args.cases, args.seed)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                places(cursor, timezone.now())
            if args.rollback:
                report()
                check()
                raise Rollback
    except Rollback:
        print("rolled back")
        return
    load = time.perf_counter() - started
    with connection.cursor() as cursor:
        # The unit-performance counters' trigger did not fire under `replica`: recount them.
        counted = time.perf_counter()
        cursor.execute("SELECT disputes_unit_month_rebuild()")
        print(f"  unit-month counters: {time.perf_counter() - counted:.1f}s")
        analyze = time.perf_counter()
        cursor.execute("ANALYZE")
        print(f"  analyze: {time.perf_counter() - analyze:.1f}s")
        cursor.execute("SELECT (SELECT count(*) FROM disputes_case), (SELECT count(*) FROM disputes_caseevent)")
        cases, events = cursor.fetchone()
    print(f"done in {time.perf_counter() - started:.0f}s (load {load:.0f}s): {cases} cases, {events} events")
    print("the daily statistics are now stale: rebuild them with manage.py fill_stats --from … --to …")


if __name__ == "__main__":
    main()
