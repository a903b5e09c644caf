"""The case search finds exactly what a substring match of the number, the summary or a party's
name finds (any case; a full ID or phone number through its blind index), and on PostgreSQL it
reads the gram indexes instead of every case and party."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from disputes import filters
from disputes.filters import COLUMNS, Search, text_condition
from disputes.models import Case, Party
from disputes.services import PartyData
from governance.crypto import blind_index
from governance.validators import normalise_id_number, normalise_phone
from tests.disputes.conftest import VALID_ID, intake


def substring_rule(term: str) -> set[int]:
    """The search as it was: a substring of the number, the summary or a name, scanned."""
    indexes = {blind_index(normalise_id_number(term)), blind_index(normalise_phone(term))}
    parties = Party.objects.filter(
        Q(name__icontains=term) | Q(id_number_index__in=indexes) | Q(phone_index__in=indexes)
    )
    cases = Case.objects.filter(
        Q(number__icontains=term) | Q(summary__icontains=term) | Q(pk__in=parties.values("case_id"))
    )
    return set(cases.values_list("pk", flat=True))


def found(term: str) -> set[int]:
    return set(Case.objects.filter(text_condition(term)).values_list("pk", flat=True))


def people(*names: str) -> list[PartyData]:
    return [
        PartyData(role=Party.Role.APPLICANT if i == 0 else Party.Role.RESPONDENT, name=n) for i, n in enumerate(names)
    ]


@pytest.fixture
def cases(org) -> list[Case]:
    return [
        intake(org, summary="王芳与邻居因排水沟堵塞发生纠纷", parties=people("王芳", "李四")),
        intake(org, summary="欠薪纠纷：ABC建材公司拖欠工资", parties=people("王芳芳", "abc建材有限公司")),
        intake(org, summary="土地承包经营权纠纷，涉及50%收益", parties=people("芳草", "赵莉巧")),
        intake(org, summary="宅基地边界争议 100_200 号", parties=people("欧阳娜娜", "Zhang San")),
        intake(org),  # 张三 with his ID and phone numbers, 李四; the default summary
    ]


TERMS = [
    "王",  # one character: in names and summaries
    "芳",
    "王芳",  # two characters: no trigram; 王芳 and 王芳芳
    "芳芳",
    "赵莉巧",
    "欧阳娜娜",
    "欧阳娜娜娜",  # longer than any name
    "排水沟堵塞",  # a phrase of a summary
    "纠纷",
    "abc",  # ASCII, any case
    "ABC建材",  # mixed Chinese and ASCII, any case
    "c建",
    "zhang s",  # a space inside the term
    "50%",  # LIKE's wildcards are plain characters
    "%",
    "_",
    "100_2",
    "欠薪纠纷：",  # full-width punctuation
    "无此人",
    "X",
    VALID_ID,  # a full ID number: its blind index
    "13900139000",  # a full phone number
]


def test_the_search_finds_what_the_substring_rule_finds(cases):
    number = cases[2].number
    terms = [*TERMS, number, number[:6], number[-5:], number[-3:].lower(), number[4:9]]
    for term in terms:
        assert found(term) == substring_rule(term), term
    assert found("王芳") == {cases[0].pk, cases[1].pk}
    assert found("ABC建材") == found("abc建材") == {cases[1].pk}
    assert found("50%") == {cases[2].pk} and found("100_2") == {cases[3].pk}
    assert found(number) == {cases[2].pk}
    assert found(VALID_ID) == {cases[4].pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite scans; the gram indexes are PostgreSQL's")
def test_the_search_reads_the_gram_indexes_not_every_row(cases):
    """With sequential scans priced out, the plan of every term length reaches the rows through
    the three gram indexes; a condition no index can answer would still show a Seq Scan."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for term in ("王", "王芳", "赵莉巧", "排水沟堵塞", "ABC建材", cases[0].number):
                sql, params = Case.objects.filter(text_condition(term)).values("pk").query.sql_with_params()
                cursor.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                for index in ("party_name_grams", "case_summary_grams", "case_number_grams"):
                    assert index in plan, (term, plan)
                assert "Seq Scan on disputes_party" not in plan and "Seq Scan on disputes_case" not in plan, plan
        finally:
            cursor.execute("RESET enable_seqscan")


def test_a_search_from_the_list_counts_and_pages_right(org, login):
    for n in range(23):
        intake(org, parties=people(f"王芳{n}", "李四"))
    intake(org, parties=people("芳王", "李四"))
    client = login(org["township_officer"])
    response = client.post("/cases/", {"q": "王芳"})
    page = client.get(response["Location"] + "&page=2").context["page"]
    assert page.paginator.count == 23 and len(page.object_list) == 3


# --- a broad term: read along the list's order, case by case (disputes/filters.py, BROAD_MATCHES) ---

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the gram indexes are PostgreSQL's")


@postgresql_only
def test_columns_tested_case_by_case_find_what_the_substring_rule_finds(cases):
    number = cases[2].number
    walks = [frozenset(COLUMNS), frozenset({"name"}), frozenset({"summary"}), frozenset({"number", "summary"})]
    for term in [*TERMS, number, number[-5:]]:
        for walk in walks:
            found = set(Case.objects.filter(text_condition(term, walk)).values_list("pk", flat=True))
            assert found == substring_rule(term), (term, walk)


@postgresql_only
def test_a_search_read_once_finds_what_the_substring_rule_finds(cases, monkeypatch):
    number = cases[2].number
    for limit in (1000, 1):  # every column from its index; the common ones case by case
        monkeypatch.setattr(filters, "BROAD_MATCHES", limit)
        for term in [*TERMS, number, number[-5:]]:
            search = Search.of(term)
            assert set(Case.objects.filter(search.condition()).values_list("pk", flat=True)) == substring_rule(term), (
                term,
                search,
            )
    assert Search.of("王芳").walk == {"name"} and set(Search.of("王芳").found) == {cases[0].pk}  # by the summary


@postgresql_only
def test_a_term_is_broad_when_the_indexes_find_it_in_more_cases_than_the_limit(cases, monkeypatch):
    monkeypatch.setattr(filters, "BROAD_MATCHES", 1)
    assert len(substring_rule("赵莉巧")) == 1 and not Search.of("赵莉巧").broad  # exactly the limit
    assert Search.of("王芳").walk == {"name"}  # two parties' names; one summary
    assert Search.of("芳").walk == {"name"}
    assert Search.of("纠纷").walk == {"summary"}
    assert not Search.of("无此人").broad and not Search.of(VALID_ID).broad
    assert Search.of("王芳").cap == filters.BROAD_CAP and Search.of("赵莉巧").cap is None


@postgresql_only
def test_the_walk_reads_each_case_s_parties_not_every_party(cases):
    """EXISTS would be planned as one scan of every party hashed up front (0.8 s at a million);
    the scalar subquery runs per case read, from the party table's case index."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            walked = Case.objects.filter(text_condition("王", frozenset(COLUMNS))).order_by("-received_at")[:20]
            sql, params = walked.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "Index Cond: (case_id = disputes_case.id)" in plan, plan  # the names: per case read
    assert "Seq Scan on disputes_party" not in plan, plan  # (a hashed subplan is the blind indexes')


@postgresql_only
def test_the_list_of_a_broad_term_shows_its_newest_matches_and_asks_to_narrow(
    org, login, monkeypatch, django_assert_max_num_queries
):
    made = [intake(org, parties=people(f"王芳{n}", "李四")) for n in range(8)]
    intake(org, parties=people("赵莉巧", "李四"))
    newest = sorted(made, key=lambda c: (c.received_at, c.pk), reverse=True)
    client = login(org["township_officer"])
    address = client.post("/cases/", {"q": "王芳"})["Location"]
    exact = client.get(address).context["page"]
    assert exact.paginator.count == 8 and 'data-testid="list-capped"' not in client.get(address).content.decode()

    monkeypatch.setattr(filters, "BROAD_MATCHES", 3)
    monkeypatch.setattr(filters, "BROAD_CAP", 5)
    with django_assert_max_num_queries(20):
        response = client.get(address)
    page, html = response.context["page"], response.content.decode()
    assert response.context["search"].broad
    assert [c.pk for c in page.object_list] == [c.pk for c in newest[:5]]
    assert page.paginator.capped and page.paginator.num_pages == 1
    assert 'data-testid="list-capped"' in html and "“王芳”找到的案件很多：列出最新的 5 条" in html
    # A rare term is still counted exactly; a term found nowhere lists nothing.
    page = client.get(client.post("/cases/", {"q": "赵莉巧"})["Location"]).context["page"]
    assert page.paginator.count == 1 and not page.paginator.capped
    page = client.get(client.post("/cases/", {"q": "无此人"})["Location"]).context["page"]
    assert page.paginator.count == 0 and list(page.object_list) == []
