"""The leaders' dashboard: who sees what, bad input, query counts at two volumes, the ranking's
score, and drill-down links whose case list adds up to the number clicked (on the demo county)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from governance.dashboard import build
from governance.indicators import Figure, points, score
from governance.models import DailyStat, Indicator, ScoreBand, StatFill
from tests.factories import PERSONAS

A1, A2, B1 = "990101001001001", "990101001002001", "990101002001001"  # grids of 甲镇一村, 甲镇二村, 乙镇一村


def fill(volume: int, today: date) -> None:
    """DailyStat rows for `volume` days back from today across three grids (the dashboard reads
    nothing else)."""
    rows = []
    for n in range(volume):
        day = today - timedelta(days=n)
        for code, level in ((A1, "village"), (A2, "township"), (B1, "county")):
            rows += [
                DailyStat(
                    day=day, region_code=code, metric="received", value=3, level=level, category="land", channel="visit"
                ),
                DailyStat(day=day, region_code=code, metric="closed", value=2, level=level),
                DailyStat(day=day, region_code=code, metric="closed_resolved", value=1, level=level),
                DailyStat(day=day, region_code=code, metric="open_end", value=5, colour="red"),
                DailyStat(day=day, region_code=code, metric="evaluated", value=1, level=level),
                DailyStat(day=day, region_code=code, metric="evaluated_satisfied", value=1, level=level),
            ]
    DailyStat.objects.bulk_create(rows)
    mark_filled(today - timedelta(days=800), today)


def mark_filled(first: date, last: date) -> None:
    """The days count as counted (StatFill done): a window never filled shows 该时段尚未统计."""
    now = timezone.now()
    StatFill.objects.bulk_create(
        [
            StatFill(day=first + timedelta(days=n), state=StatFill.State.DONE, started_at=now, done_at=now)
            for n in range((last - first).days + 1)
        ],
        ignore_conflicts=True,
    )


def page(client: Client, query: str = ""):
    return client.get(f"/dashboard/{'?' + query if query else ''}")


# --- who sees what ----------------------------------------------------------------------------------

ALLOWED = {"county_officer", "township_officer", "leader", "township_leader", "outsider"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_dashboard_is_for_leaders_and_center_staff_only(org, login, persona):
    fill(3, timezone.localdate())
    response = page(login(org[persona]))
    if persona in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert b"990101" not in response.content


def test_anonymous_is_sent_to_sign_in(client, org):
    response = page(client)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_each_sees_the_figures_of_their_own_jurisdiction(org, login):
    fill(3, timezone.localdate())
    county = build(org["leader"], {})[0]
    township = build(org["township_leader"], {})[0]
    other = build(org["outsider"], {})[0]
    received = {
        b.place.name: next(c for c in b.cards if c.indicator.code == "received").result.value
        for b in (county, township, other)
    }
    # 本月 up to today: each grid 3 a day; the county has three grids, 甲镇 two, 乙镇 one.
    days = min(3, timezone.localdate().day)
    assert received == {"示范县": 9 * days, "甲镇": 6 * days, "乙镇": 3 * days}
    assert [r.place.name for r in county.rows] == ["甲镇", "乙镇"]
    assert [r.place.name for r in township.rows] == ["甲镇一村", "甲镇二村"]


def test_a_place_outside_the_jurisdiction_is_not_found(org, login):
    client = login(org["township_leader"])
    assert page(client, "place=990101002").status_code == 404  # 乙镇
    assert page(client, "place=990101").status_code == 404  # the county above him
    assert page(client, "place=99010100100").status_code == 404  # not a region's prefix
    assert page(client, "place=abc").status_code == 404
    response = page(client, "place=990101001001")  # 甲镇一村, inside
    assert response.status_code == 200
    assert [step.name for step, _url in response.context["board"].trail] == ["甲镇", "甲镇一村"]


def test_the_menu_offers_the_dashboard_to_leaders(org, login):
    body = login(org["leader"]).get("/").content.decode()
    assert 'data-nav="dashboard"' in body


# --- a leader's home ----------------------------------------------------------------------------------

LEADERS = {"leader", "township_leader"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_leaders_home_leads_with_the_dashboard(org, login, persona):
    fill(3, timezone.localdate())
    response = login(org[persona]).get("/")
    assert response.status_code == 200
    assert (b'data-testid="home-dashboard"' in response.content) == (persona in LEADERS)


def test_a_leaders_home_shows_this_months_cards_of_his_jurisdiction_first(org, login):
    fill(3, timezone.localdate())
    for persona, place in (("leader", "示范县"), ("township_leader", "甲镇")):
        response = login(org[persona]).get("/")
        lead = response.context["headline"]
        board = build(org[persona], {"w": "month"})[0]
        assert lead.place.name == place and lead.window == board.window
        assert [(c.indicator.code, c.result.display) for c in lead.cards] == [
            (c.indicator.code, c.result.display) for c in board.cards
        ]
        body = response.content.decode()
        # The figures come before the day's work; the full dashboard and the supervision list are a click away.
        assert body.index('data-testid="home-dashboard"') < body.index('data-testid="work-counts"')
        assert f'href="{lead.url}"' in body.replace("&amp;", "&") and "/dashboard/?place=" in lead.url
        assert 'data-testid="home-supervision-link"' in body and 'href="/cases/supervision/"' in body
        received = next(c for c in lead.cards if c.indicator.code == "received")
        assert received.result.value > 0


@pytest.mark.parametrize("volume", [3, 60])
def test_a_leaders_home_runs_a_fixed_number_of_queries(org, login, django_assert_max_num_queries, volume):
    fill(volume, timezone.localdate())
    client = login(org["leader"])
    with django_assert_max_num_queries(17):
        assert client.get("/").status_code == 200


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("w=custom&start=2026-10-01&end=2026-09-01", "晚于截止日期"),
        ("w=custom&start=2010-01-01&end=2020-01-01", "统计时段最长"),
        ("w=custom&start=yesterday&end=2026-09-01", "格式为 年-月-日"),
        ("w=custom&start=1899-01-01&end=1899-02-01", "起始日期不能早于"),
        ("w=decade", "未知的统计时段"),
        ("trend=no_such_thing", "未知或未启用的指标"),
        ("tile=" + "x" * 500, "未知或未启用的指标"),
    ],
)
def test_bad_input_gets_a_message_and_the_default_window(org, login, query, message):
    response = page(login(org["leader"]), query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["board"].window.kind in ("month", "custom")


def test_a_custom_window_is_shown(org, login):
    response = page(login(org["leader"]), "w=custom&start=2026-01-05&end=2026-02-04")
    window = response.context["board"].window
    assert (window.start, window.end) == (date(2026, 1, 5), date(2026, 2, 4))


def test_a_window_the_statistics_never_covered_is_unknown_not_zero(org):
    today = timezone.localdate()
    fill(3, today)
    StatFill.objects.filter(day__lt=today - timedelta(days=40)).delete()
    board = build(org["leader"], {"w": "month"})[0]
    received = next(c for c in board.cards if c.indicator.code == "received").result
    assert received.value == 9 * min(3, today.day)
    assert received.year_earlier.value is None and received.year_earlier.note == "该时段尚未统计"
    last_year = board.trend["series"][1]["points"]
    assert all(p["value"] is None for p in last_year)


def test_the_trend_sets_this_part_month_against_the_same_days_a_year_before(org):
    today = date(2026, 12, 10)
    rows = [
        DailyStat(day=date(year, 12, n), region_code=A1, metric="received", value=1, level="village")
        for year, days in ((2025, 31), (2026, 10))
        for n in range(1, days + 1)
    ]
    rows.append(DailyStat(day=date(2025, 11, 30), region_code=A1, metric="received", value=4, level="village"))
    DailyStat.objects.bulk_create(rows)
    mark_filled(date(2024, 12, 1), today)
    trend = build(org["leader"], {"w": "month"}, today=today)[0].trend
    this_year, last_year = (s["points"] for s in trend["series"])
    assert (this_year[11]["value"], last_year[11]["value"]) == (10, 10)  # 1–10 December, each year
    assert last_year[10]["value"] == 4  # a whole month stays whole
    assert trend["months"][11] == "12月（至10日）" and trend["months"][10] == "11月"
    assert trend["note"] == "12月只统计到10日，去年同月也只取1日至10日。"
    assert build(org["leader"], {"w": "month"}, today=date(2026, 11, 30))[0].trend["note"] == ""  # a whole month
    assert "from=2025-12-01&to=2025-12-10" in last_year[11]["url"]


# --- query counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("volume", [3, 60])
def test_the_dashboard_runs_a_fixed_number_of_queries(org, login, django_assert_max_num_queries, volume):
    fill(volume, timezone.localdate())
    client = login(org["leader"])
    with django_assert_max_num_queries(27):
        assert page(client, "w=year").status_code == 200
    with django_assert_max_num_queries(27):
        assert page(client, "w=quarter&place=990101001").status_code == 200


# --- the ranking's score --------------------------------------------------------------------------------


def test_points_are_linear_from_green_to_twice_the_yellow_gap(db):
    rate = Indicator(code="x", good_at=Decimal(90), warn_at=Decimal(80), direction="higher")
    assert [points(rate, v) for v in (95, 90, 85, 80, 70, 50, None)] == [100, 100, 75, 50, 0, 0, None]
    lower = Indicator(code="y", good_at=Decimal(5), warn_at=Decimal(10), direction="lower")
    assert [points(lower, v) for v in (0, 5, 10, 15)] == [100, 100, 50, 0]
    same = Indicator(code="z", good_at=Decimal(0), warn_at=Decimal(0), direction="lower")
    assert points(same, 5) == 50  # equal thresholds: a span of ten


def test_score_weighs_what_has_a_value_and_bands_are_data(db):
    a = Indicator(code="a", good_at=Decimal(90), warn_at=Decimal(80), direction="higher", weight=Decimal(30))
    b = Indicator(code="b", good_at=Decimal(5), warn_at=Decimal(10), direction="lower", weight=Decimal(10))
    c = Indicator(code="c", good_at=Decimal(90), warn_at=Decimal(80), direction="higher", weight=Decimal(0))
    figures = {"a": Figure(Decimal(85)), "b": Figure(Decimal(10)), "c": Figure(Decimal(0))}
    assert score([a, b, c], figures) == Decimal("68.8")  # (75·30 + 50·10) / 40
    assert score([a, b], {"a": Figure(None), "b": Figure(Decimal(5))}) == 100
    assert score([a, b], {}) is None
    assert [(band.name, band.min_score) for band in ScoreBand.objects.all()] == [
        ("优秀", 90),
        ("良好", 80),
        ("一般", 60),
        ("较差", 0),
    ]


# --- drill-down -----------------------------------------------------------------------------------------


def drilled(client: Client, url: str) -> tuple[int, int]:
    """Follow a drill link: (records the list counted, rows it lists) — the case list's 件次 and
    cases, another app's list (zero-reports, agreements) its records twice."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "drilled" in context:
        assert context["drilled"].error == "", (url, context["drilled"].error)
        return context["drilled"].records, context["page"].paginator.count
    assert context["drill"] is not None, (url, [str(m) for m in context["messages"]])
    return context["records"], context["page"].paginator.count


def test_a_drill_outside_the_jurisdiction_or_malformed_shows_nothing(org, login):
    client = login(org["township_leader"])
    today = timezone.localdate().isoformat()
    for query, message in [
        (f"stat=received&from={today}&to={today}&in=990101002", "超出您的工作范围"),
        (f"stat=received&from={today}&to={today}&in=990101", "超出您的工作范围"),
        (f"stat=no+such&from={today}&to={today}&in=990101001", "无法识别"),
        (f"stat=zr_due&from={today}&to={today}&in=990101001", "不能列出案件"),
        (f"stat=received&from=2026-13-01&to={today}&in=990101001", "日期格式不对"),
        (f"stat=received&from={today}&to=1999-01-01&in=990101001", "晚于截止日期"),
        (f"stat=received&from=0001-01-01&to={today}&in=990101001", "起始日期不能早于"),
        (f"stat=received&from={today}&to=2100-01-01&in=990101001", "不能统计未来"),
        (f"stat=received&from={today}&to={today}&in=9901x", "区划代码无效"),
    ]:
        response = client.get(f"/cases/?{query}")
        assert response.status_code == 200, query
        assert message in response.content.decode(), query
        assert response.context["page"].paginator.count == 0
