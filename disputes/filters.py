"""The case list's filters, shared by the list page and the ledger export.

A search term never travels in the address: the filter form is a POST, the term is kept in the
session under a short random token, and the list is redirected to `?s=<token>` with the other
filters. Addresses end up in proxy and server logs, browser history and Referer headers, and a
full ID or phone number must not (PIPL; 等保2.0 三级 个人信息保护)."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Value
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


def text_condition(q: str) -> Q:
    """Case number, summary or party name containing the term (any case); a full ID or phone
    number matches through its blind index.

    One list of case ids from each index, united: an OR of subqueries would make PostgreSQL test
    every case (a full scan of cases and parties at a million, and again for the count)."""
    number, summary, name = Q(number__icontains=q), Q(summary__icontains=q), Q(name__icontains=q)
    if connection.vendor == "postgresql":  # SQLite, the embedded default, scans: same rule, same rows
        number &= HasGrams("number", q, NUMBER_GRAMS)
        summary &= HasGrams("summary", q, SUMMARY_GRAMS)
        name &= HasGrams("name", q, NAME_GRAMS)
    indexes = {blind_index(normalise_id_number(q)), blind_index(normalise_phone(q))}
    by_id = Q(id_number_index__in=indexes) | Q(phone_index__in=indexes)
    ids = (
        Case.objects.order_by()
        .filter(number)
        .values("pk")
        .union(
            Case.objects.order_by().filter(summary).values("pk"),
            Party.objects.order_by().filter(name).values("case_id"),
            Party.objects.order_by().filter(by_id).values("case_id"),
        )
    )
    return Q(pk__in=ids)


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


def filter_cases(cases: QuerySet[Case], form: CaseFilterForm) -> QuerySet[Case]:
    if not form.is_valid():
        return cases
    data = form.cleaned_data
    if data["q"].strip():
        cases = cases.filter(text_condition(data["q"].strip()))
    for name in ("status", "channel"):
        if data[name]:
            cases = cases.filter(**{name: data[name]})
    for name in ("township", "category", "risk_level", "lead_unit"):
        if data[name] is not None:
            cases = cases.filter(**{name: data[name]})
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
