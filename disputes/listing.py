"""Case lists at a million cases: each part of what a person sees drawn from its own index.

`Case.objects.visible_to` is one condition, an OR of the person's parts (`Visibility`). No index
serves an OR of a region, a lead unit and two id subqueries, so a count over it reads every case
of the county, and a list whose rows are sparse in its order (a police station's cases among a
million) walks a long way down the order's index. Here the parts are made disjoint (each without
the rows of the ones before it), filtered alike, and each is ordered and limited on its own, so
that every part uses its index (`township_id, received_at`, `lead_unit_id, received_at`, the
primary key) and no count reads a row the person cannot see:

- a page is the UNION ALL of the parts' first `offset + size` ids in the list's order, ordered and
  sliced again (one query), then the page's rows by id (one query, in that order);
- the count is the sum of the parts' counts, each capped at `LIST_CAP + 1` rows (one query). A
  list of more than `LIST_CAP` cases says "more than 10,000" and offers its newest 10,000 (500
  pages): nobody pages further, the filters narrow it, the exact totals are on the dashboard
  (governance/stats, from the daily figures) and the ledger export holds every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet

from disputes.models import Case, Visibility
from governance.models import User

LIST_CAP = 10_000
_DEFAULT = object()  # the cap read when the list is made (LIST_CAP), so a test may lower it

Narrow = Callable[[QuerySet[Case]], QuerySet[Case]]


def count_each(querysets: Sequence[QuerySet]) -> list[int]:
    """The number of rows of each queryset, in one query of one scalar subquery each."""
    parts, params = [], []
    for i, queryset in enumerate(querysets):
        try:
            sql, part_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a condition that matches nothing (a person with no unit, no region)
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS part_{i})")
        params += part_params
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return list(cursor.fetchone())


def union_all(parts: Sequence[QuerySet], order: Sequence[str] = ()) -> list[tuple]:
    """The rows of the `values_list` querysets (each may be ordered and limited), UNION ALL'd in one
    query where the database takes limits inside a compound statement (PostgreSQL), in `order` if
    given; elsewhere (SQLite, the embedded default, which refuses them) one query per part, the
    parts' rows one after the other — so `order` must begin with what tells the parts apart."""
    if not parts:
        return []
    first, *rest = parts
    if not rest:
        return list(first)
    if connection.features.supports_slicing_ordering_in_compound:
        merged = first.union(*rest, all=True)
        return list(merged.order_by(*order) if order else merged)
    return [row for part in parts for row in part]


def union_count(parts: Sequence[QuerySet]) -> int:
    """The number of rows of the (possibly limited) querysets together: one query on PostgreSQL."""
    if not parts:
        return 0
    first, *rest = parts
    if rest and connection.features.supports_slicing_ordering_in_compound:
        return first.union(*rest, all=True).count()
    return sum(part.count() for part in parts)


class ScopedCases:
    """The cases a person sees, narrowed by `narrow` (the list's filters), in `order`."""

    def __init__(self, user: User, narrow: Narrow, order: Sequence[str], cap: int | object | None = _DEFAULT):
        self.order = tuple(order)
        self.cap = LIST_CAP if cap is _DEFAULT else cap
        self.branches = [narrow(Case.objects.filter(part)) for part in Visibility.of(user).disjoint_parts()]

    def _ids(self, branch: QuerySet[Case], limit: int | None) -> QuerySet:
        columns = ["pk", *(name.lstrip("-") for name in self.order if name.lstrip("-") not in ("pk", "id"))]
        ids = branch.order_by(*self.order).values_list(*columns)
        return ids if limit is None else ids[:limit]

    def count(self) -> int:
        """Exact up to `cap`, then `cap + 1`: one query whatever the number of parts."""
        limit = None if self.cap is None else self.cap + 1
        if not self.branches:
            return 0
        total = union_count(
            [b.order_by().values_list("pk")[:limit] if limit else b.values_list("pk") for b in self.branches]
        )
        return total if limit is None else min(total, limit)

    def ids(self, offset: int, size: int) -> list[int]:
        """The ids of rows `offset` to `offset + size` in the list's order, in one query."""
        if not self.branches:
            return []
        first, *rest = [self._ids(b, offset + size) for b in self.branches]
        if not rest:
            return [row[0] for row in first[offset : offset + size]]
        if connection.features.supports_slicing_ordering_in_compound:
            merged = first.union(*rest, all=True).order_by(*(_column(name) for name in self.order))
            return [row[0] for row in merged[offset : offset + size]]
        # SQLite: each part's first rows, merged here in the list's order.
        rows = [row for part in (first, *rest) for row in part]
        columns = ["pk", *(name.lstrip("-") for name in self.order if name.lstrip("-") not in ("pk", "id"))]
        for name in reversed(self.order):  # a stable sort per key, the last key first
            bare = name.lstrip("-")
            i = 0 if bare in ("pk", "id") else columns.index(bare)
            rows.sort(key=lambda row, i=i: row[i], reverse=name.startswith("-"))
        return [row[0] for row in rows[offset : offset + size]]

    def rows(self, offset: int, size: int, decorate: Callable[[QuerySet[Case]], QuerySet[Case]]) -> list[Case]:
        """The page's cases, each with what `decorate` adds (related rows, annotations)."""
        return self.rows_of(self.ids(offset, size), decorate)

    def rows_of(self, ids: list[int], decorate: Callable[[QuerySet[Case]], QuerySet[Case]]) -> list[Case]:
        """These cases, in this order, each with what `decorate` adds."""
        if not ids:
            return []
        found = {case.pk: case for case in decorate(Case.objects.filter(pk__in=ids))}
        return [found[pk] for pk in ids if pk in found]


def _column(name: str) -> str:
    """An order name as a column of the UNION (the primary key is the column `id`)."""
    bare = name.lstrip("-")
    return ("-" if name.startswith("-") else "") + ("id" if bare == "pk" else bare)


class ScopedPaginator(Paginator):
    """Django's paginator over `ScopedCases`: the capped count, and each page by its ids.

    `whole`: read the ids of all the listed rows (at most the cap + 1) in one query, and count and
    page from them — for a small cap over rows that are costly to find (a broad search), so that
    they are not found twice, once to count and once for the page."""

    def __init__(
        self,
        cases: ScopedCases,
        per_page: int,
        decorate: Callable[[QuerySet[Case]], QuerySet[Case]],
        whole: bool = False,
    ):
        super().__init__([], per_page)
        self.cases = cases
        self.decorate = decorate
        self.whole = whole and cases.cap is not None

    @cached_property
    def _all_ids(self) -> list[int]:
        return self.cases.ids(0, self.cases.cap + 1)

    @cached_property
    def count(self) -> int:
        return len(self._all_ids) if self.whole else self.cases.count()

    @property
    def capped(self) -> bool:
        """More cases than are listed: the count says "more than" and the pages stop at the cap."""
        return self.cases.cap is not None and self.count > self.cases.cap

    @cached_property
    def num_pages(self) -> int:
        listed = min(self.count, self.cases.cap) if self.cases.cap is not None else self.count
        return max(1, -(-listed // self.per_page))

    def page(self, number) -> Page:
        number = self.validate_number(number)
        offset = (number - 1) * self.per_page
        size = self.per_page if self.cases.cap is None else min(self.per_page, self.cases.cap - offset)
        if self.whole:
            return Page(self.cases.rows_of(self._all_ids[offset : offset + size], self.decorate), number, self)
        return Page(self.cases.rows(offset, size, self.decorate), number, self)
