"""The case list's filters, shared by the list page and the ledger export.

A search term never travels in the address: the filter form is a POST, the term is kept in the
session under a short random token, and the list is redirected to `?s=<token>` with the other
filters. Addresses end up in proxy and server logs, browser history and Referer headers, and a
full ID or phone number must not (PIPL; 等保2.0 三级 个人信息保护)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.forms import CaseFilterForm
from disputes.models import Case, Party, Supervision, overdue_q, sign_late_q
from disputes.stats import drill_cases
from governance.crypto import blind_index
from governance.drill import Drill, drill_in_scope, drill_title, place_name
from governance.indicators import FILTER_DIMENSIONS
from governance.validators import normalise_id_number, normalise_phone


class HasGrams(Func):
    """PostgreSQL: the column's n-grams hold every n-gram of the term (search_grams and
    search_term_grams, the SQL functions of the migration disputes.search_gram_indexes). That is necessary for the
    column to contain the term, so it only narrows the rows the GIN index of the same expression
    finds; `icontains` beside it still decides. Any script (Chinese has no spaces: pg_trgm finds
    nothing for a 2-character name), any term length: a term of n characters or fewer is one
    gram of the index."""

    output_field = BooleanField()

    def __init__(self, column: str, term: str, n: int):
        super().__init__(F(column), Value(term))
        self.n = n

    def as_sql(self, compiler, connection, **extra):
        column, term = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        term_sql, term_params = compiler.compile(term)
        # The left side is the indexed expression word for word, or the index is not used.
        sql = f"search_grams(UPPER({column_sql}), {self.n:d}) @> search_term_grams(UPPER({term_sql}), {self.n:d})"
        return sql, (*column_params, *term_params)


# The longest gram each index holds: case numbers are digits, whose bigrams are in every number.
NAME_GRAMS = SUMMARY_GRAMS = 2
NUMBER_GRAMS = 3


# The searched columns: the case's number and summary, its parties' names.
COLUMNS = ("number", "summary", "name")


def _column_conditions(q: str) -> dict[str, Q]:
    """Each column containing the term (any case); on PostgreSQL through its gram index."""
    conditions = {"number": Q(number__icontains=q), "summary": Q(summary__icontains=q), "name": Q(name__icontains=q)}
    if connection.vendor == "postgresql":  # SQLite, the embedded default, scans: same rule, same rows
        conditions["number"] &= HasGrams("number", q, NUMBER_GRAMS)
        conditions["summary"] &= HasGrams("summary", q, SUMMARY_GRAMS)
        conditions["name"] &= HasGrams("name", q, NAME_GRAMS)
    return conditions


def _column_rows(q: str) -> dict[str, QuerySet]:
    """Per column, the ids of the cases whose column contains the term."""
    conditions = _column_conditions(q)
    return {
        "number": Case.objects.order_by().filter(conditions["number"]).values_list("pk"),
        "summary": Case.objects.order_by().filter(conditions["summary"]).values_list("pk"),
        "name": Party.objects.order_by().filter(conditions["name"]).values_list("case_id"),
    }


def _by_personal_number(q: str) -> QuerySet:
    """The ids of the cases with a party whose full ID or phone number is the term (blind index)."""
    indexes = {blind_index(normalise_id_number(q)), blind_index(normalise_phone(q))}
    by_id = Q(id_number_index__in=indexes) | Q(phone_index__in=indexes)
    return Party.objects.order_by().filter(by_id).values_list("case_id")


def _contains(column: str, q: str) -> GreaterThan:
    """`column` contains `q`, any case — icontains written as strpos(…) > 0, which PostgreSQL
    estimates at a third of the rows: the LIKE it would otherwise estimate by the pattern's length
    (a few rows for a long phrase) makes it sort every case rather than walk the list's order."""
    return GreaterThan(StrIndex(Upper(column), Upper(Value(q))), 0)


def text_condition(q: str, walk: frozenset[str] = frozenset(), found: Sequence[int] | None = None) -> Q:
    """Case number, summary or party name containing the term (any case); a full ID or phone
    number matches through its blind index.

    One list of case ids from each index, united: an OR of subqueries would make PostgreSQL test
    every case (a full scan of cases and parties at a million, and again for the count). `found`:
    those ids, read once already (`Search.of`). The columns in `walk` (PostgreSQL: those where the
    term is too common, see BROAD_MATCHES) are instead tested on each case as the list reads it in
    its order, the party names through a scalar subquery per case (an EXISTS would be planned as a
    scan of every party up front)."""
    if found is None:
        rows = [rows for column, rows in _column_rows(q).items() if column not in walk]
        condition = Q(pk__in=_by_personal_number(q).union(*rows))
    else:
        condition = Q(pk__in=found)
    for column in ("number", "summary"):
        if column in walk:
            condition |= Q(_contains(column, q))
    if "name" in walk:
        from django.contrib.postgres.aggregates import BoolOr

        named = (
            Party.objects.filter(case=OuterRef("pk"))
            .order_by()
            .values("case")
            .annotate(hit=BoolOr(Q(name__icontains=q)))
            .values("hit")
        )
        condition |= Q(Subquery(named, output_field=BooleanField()))
    return condition


# A term the gram indexes find in more than BROAD_MATCHES cases of one column (before the person's
# scope: one character, a stock phrase) costs the exact search in proportion to its matches —
# each looked up, joined, sorted and counted (7 s for 王 at a million cases). Such a column is
# tested case by case as the list is read in its own order (`walk`): the newest matches are near
# the top; the list then offers its newest BROAD_CAP and asks to narrow the search.
BROAD_MATCHES = 2_000
BROAD_CAP = 100


@dataclass(frozen=True)
class Search:
    """The list's search term: the columns read case by case (see BROAD_MATCHES), and the ids the
    other columns' indexes found (PostgreSQL; read once, so the list's count and page do not search
    the indexes again)."""

    term: str
    walk: frozenset[str] = frozenset()
    found: tuple[int, ...] | None = None

    @classmethod
    def of(cls, term: str) -> Search:
        if connection.vendor != "postgresql":
            return cls(term)
        by_column = _first_rows(term, BROAD_MATCHES)
        walk = frozenset(column for column in COLUMNS if len(by_column[column]) > BROAD_MATCHES)
        found = sorted({pk for column, ids in by_column.items() if column not in walk for pk in ids})
        return cls(term, walk, tuple(found))

    @property
    def broad(self) -> bool:
        return bool(self.walk)

    def condition(self) -> Q:
        return text_condition(self.term, self.walk, self.found)

    @property
    def cap(self) -> int | None:
        """The list's cap for this search; None: the list's own (disputes/listing.py)."""
        return BROAD_CAP if self.broad else None


def _first_rows(term: str, n: int) -> dict[str, list[int]]:
    """Per column, the case ids its gram index finds for the term, at most n + 1 (so a common term
    costs no more than a rare one); under "id", those found by a full ID or phone number. One query."""
    parts, params = [], []
    sources = {
        **{column: rows[: n + 1] for column, rows in _column_rows(term).items()},
        "id": _by_personal_number(term),
    }
    for column, rows in sources.items():
        sql, part_params = rows.query.sql_with_params()
        parts.append(f"(SELECT %s, {column}.* FROM ({sql}) AS {column})")
        params += [column, *part_params]
    found: dict[str, list[int]] = {column: [] for column in sources}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for column, pk in cursor.fetchall():
            found[column].append(pk)
    return found


# A search token outlives an idle session by nothing: 30 minutes, and the last 20 per session.
SEARCH_TOKEN_SECONDS = 30 * 60
SEARCH_TOKENS_KEPT = 20
_SESSION_KEY = "case_searches"
_FULL_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}|1[3-9]\d{9}|0\d{9,11}")
# Form fields that never go into the redirect address.
_NOT_IN_ADDRESS = {"csrfmiddlewaretoken", "q", "s", "page"}


def looks_like_personal_number(term: str) -> bool:
    """A full ID number (15 or 18 characters) or a mobile/landline number, however typed."""
    compact = normalise_phone(normalise_id_number(term)).removeprefix("+86")
    return bool(_FULL_NUMBER.fullmatch(compact))


def search_address(request: HttpRequest, base: str) -> str:
    """The address the filter form's POST redirects to: the filters, and the term as a token."""
    params = QueryDict(mutable=True)
    for name, values in request.POST.lists():
        if name not in _NOT_IN_ADDRESS:
            params.setlist(name, [v for v in values if v])
    term = request.POST.get("q", "").strip()
    if term:
        token = secrets.token_urlsafe(9)
        now = time.time()
        kept = {k: v for k, v in request.session.get(_SESSION_KEY, {}).items() if now - v[1] < SEARCH_TOKEN_SECONDS}
        kept[token] = (term, now)
        request.session[_SESSION_KEY] = dict(sorted(kept.items(), key=lambda kv: kv[1][1])[-SEARCH_TOKENS_KEPT:])
        params["s"] = token
    query = params.urlencode()
    return f"{base}?{query}" if query else base


@dataclass
class FilterData:
    data: QueryDict | None
    notice: str = ""


def filter_data(request: HttpRequest) -> FilterData:
    """The list's filters from the address, the search term taken back from its token.

    A full ID or phone number typed straight into `?q=` (an old bookmark, a hand-made link) is
    not searched for: the person is asked to use the search box."""
    if not request.GET:
        return FilterData(None)
    params = request.GET.copy()
    notice = ""
    typed = params.pop("q", [""])[-1].strip()
    if typed and looks_like_personal_number(typed):
        notice = _("为保护个人信息，身份证号和电话号码不能写在网址中，请在搜索框中输入后点“查询”。")
    elif typed:
        params["q"] = typed
    token = params.pop("s", [""])[-1]
    if token:
        stored = request.session.get(_SESSION_KEY, {}).get(token)
        if stored and time.time() - stored[1] < SEARCH_TOKEN_SECONDS:
            params["q"] = stored[0]
        else:
            notice = _("搜索条件已过期，请重新输入搜索内容。")
    return FilterData(params, notice)


def list_search(form: CaseFilterForm) -> Search | None:
    """The list page's search (one query to tell a broad term), or None without a term."""
    if form.is_valid() and (term := form.cleaned_data["q"].strip()):
        return Search.of(term)
    return None


def filter_cases(cases: QuerySet[Case], form: CaseFilterForm, search: Search | None = None) -> QuerySet[Case]:
    """The form's filters. The search term as `search` reads it (the list page), else exactly
    through the indexes (the export, a dashboard number's cases)."""
    if not form.is_valid():
        return cases
    data = form.cleaned_data
    if data["q"].strip():
        cases = cases.filter((search or Search(data["q"].strip())).condition())
    for name in ("status", "channel"):
        if data[name]:
            cases = cases.filter(**{name: data[name]})
    for name in ("township", "category", "risk_level", "lead_unit"):
        if data[name] is not None:
            cases = cases.filter(**{name: data[name]})
    if data["visited"]:
        cases = cases.filter(visited_at__isnull=data["visited"] == "no")
    if data["overdue"]:
        cases = cases.filter(overdue_q(timezone.localdate()))
    if data["sign_late"]:
        cases = cases.filter(sign_late_q(timezone.now()))
    if data["date_from"]:
        cases = cases.filter(received_at__date__gte=data["date_from"])
    if data["date_to"]:
        cases = cases.filter(received_at__date__lte=data["date_to"])
    return cases


def with_listing(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Mark 挂牌督办 cases (a subquery, so lists stay one query)."""
    active = Supervision.objects.filter(case=OuterRef("pk")).exclude(state=Supervision.State.LIFTED)
    return cases.annotate(is_listed=Exists(active))


# The case list's order: the newest first (disputes/listing.py draws each part in it).
LIST_ORDER = ("-received_at", "-id")


def list_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    return with_listing(
        cases.select_related("township", "village", "category", "risk_level", "lead_unit", "intake_unit").order_by(
            *LIST_ORDER
        )
    )


@dataclass
class DrilledCases:
    """The cases behind a dashboard number (governance.drill), what the number counted, and a
    message when the drill in the address is refused."""

    cases: QuerySet[Case]
    drill: Drill | None = None
    records: int | None = None
    error: str = ""
    params: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""  # the indicator and side the number came from
    place: str = ""  # the region or grid of the drill's code prefix


DRILL_PARAMS = ("stat", "from", "to", "in", *(f"d_{d}" for d in FILTER_DIMENSIONS))


def drilled_cases(request: HttpRequest, cases: QuerySet[Case]) -> DrilledCases:
    """Narrow `cases` (already the person's visible ones) to a drill in the address. A drill outside
    the person's jurisdiction is refused like a malformed one: no count leaks from outside it."""
    try:
        drill = drill_in_scope(request.user, request.GET)
        if drill is None:
            return DrilledCases(cases)
        chosen, records = drill_cases(drill, cases)
    except ValidationError as error:
        return DrilledCases(cases.none(), error=" ".join(error.messages))
    params = [(name, value) for name in (*DRILL_PARAMS, "ind", "side") for value in request.GET.getlist(name)]
    return DrilledCases(
        chosen, drill, records, params=params, title=drill_title(request.GET), place=place_name(drill.prefix)
    )
