"""The case search's indexes (disputes/filters.py, text_condition), PostgreSQL only.

A case is found by a substring of its number, its summary or a party's name, in any case. At a
million cases a plain `ILIKE '%term%'` reads every case and every party. pg_trgm does index
Chinese under a C.UTF-8 cluster, but a term needs 3 characters to give it a trigram: a
2-character name (王芳) or phrase (工资) falls back to reading the whole index. So the index is
ours: `search_grams(t, n)` is every distinct 1- to n-character piece of t, and a column contains
a term only if its pieces hold `search_term_grams(term, n)` (the term itself up to n characters,
else its n-character pieces); GIN answers that `@>` from the posting lists, `ILIKE` checks the few
rows it returns. Names and summaries keep pieces of 2; case numbers, digits whose pairs are in
every number, of 3. No extension is needed, and no column: the pieces live in the index only.

The indexes are built CONCURRENTLY (the cases stay writable: 5 minutes at a million
cases), so this migration is not atomic. SQLite, the embedded default, scans: nothing to do."""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION search_grams(t text, n integer) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, k)), '{}')
    FROM generate_series(1, n) k, generate_series(1, length(t) - k + 1) i
$$;
CREATE OR REPLACE FUNCTION search_term_grams(t text, n integer) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN length(t) <= n THEN ARRAY[t]
           ELSE (SELECT array_agg(DISTINCT substr(t, i, n)) FROM generate_series(1, length(t) - n + 1) i) END
$$;
"""

# (index, table, column, n): the expressions must stay word for word those of filters.HasGrams.
INDEXES = [
    ("party_name_grams", "disputes_party", "name", 2),
    ("case_summary_grams", "disputes_case", "summary", 2),
    ("case_number_grams", "disputes_case", "number", 3),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for index, table, column, n in INDEXES:
        # An interrupted concurrent build leaves an invalid index behind: build it again.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY {index} ON {table} USING gin (search_grams(upper({column}), {n}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, *_ in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")
    schema_editor.execute("DROP FUNCTION IF EXISTS search_grams(text, integer), search_term_grams(text, integer)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("disputes", "0008_case_event_recorded_at"),
    ]

    operations = [migrations.RunPython(create, drop)]
