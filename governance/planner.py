"""A hint to PostgreSQL's planner for a query whose best plan is the one it is written in.

The case detail fetches one case by its number with eight related rows joined (township, village,
grid, category, risk colour, units, registrar) and the jurisdiction's OR'd conditions. Searching
the join orders of nine tables took the planner 3–10 ms, against well under a millisecond to run
the plan it always ends with: start from the case found by its unique index, then look each
related row up by its primary key — the order the ORM writes the joins in. `joins_as_written()`
tells the planner to keep that order (`join_collapse_limit = 1`) for the queries inside it and
restores the setting afterwards. Elsewhere (lists, counts) the planner keeps choosing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection


@contextmanager
def joins_as_written() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET join_collapse_limit = 1")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET join_collapse_limit")
        except DatabaseError:  # an aborted transaction: its rollback undoes the SET as well
            pass
