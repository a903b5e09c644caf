"""Indicators (口径) evaluated from hand-built DailyStat rows, against numbers worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance.indicator_data import DEFAULT_INDICATORS, load_indicators
from governance.indicators import (
    Window,
    WindowKind,
    evaluate,
    format_value,
    indicators_by_codes,
    parse_window,
)
from governance.models import DailyStat, Indicator

# Places: a grid of 甲镇一村, a grid of 乙镇一村, and the two villages (zero-reports, night visits).
A, B = "990101001001001", "990101002001001"
VA, VB = "990101001001", "990101002001"
MARCH = Window(date(2026, 3, 1), date(2026, 3, 31))


def row(day: date, code: str, metric: str, value: int, level: str = "", **dims) -> DailyStat:
    return DailyStat(day=day, region_code=code, metric=metric, value=value, level=level, **dims)


def d(day: int, month: int = 3, year: int = 2026) -> date:
    return date(year, month, day)


@pytest.fixture
def indicators(db) -> dict[str, Indicator]:
    load_indicators(Indicator)  # idempotent; the data migration loaded them already
    return {i.code: i for i in Indicator.objects.all()}


@pytest.fixture
def march(db) -> None:
    """A small county in March 2026 (the numbers each test expects are worked out from these)."""
    from tests.governance.test_dashboard import mark_filled

    mark_filled(date(2025, 1, 1), date(2026, 4, 30))  # counted days: a window never counted is unknown
    DailyStat.objects.bulk_create(
        [
            # 新受理 4 (甲) + 6 (乙) = 10; 上期结转: 在办 at the end of 28 February, 3 + 2 = 5.
            row(d(2), A, "received", 4, "township", channel="visit"),
            row(d(15), B, "received", 6, "county", channel="phone"),
            row(d(28, 2), A, "open_end", 3, colour="red"),
            row(d(28, 2), B, "open_end", 2),
            row(d(10), A, "open_end", 99),  # a stock in the middle of the window is never summed
            row(d(31), A, "open_end", 1),
            # 办结 10: by the resolver's level 3 村居, 2 乡镇, 4 县, 1 not recorded.
            row(d(5), A, "closed", 3, "village"),
            row(d(6), A, "closed", 2, "township"),
            row(d(20), B, "closed", 4, "county"),
            row(d(21), B, "closed", 1),
            row(d(5), A, "closed_resolved", 2, "village"),
            row(d(20), B, "closed_resolved", 3, "county"),
            row(d(6), A, "closed_partial", 1, "township"),
            row(d(1, 4), A, "closed", 50, "village"),  # after the window
            # Of the 10 closures, 9 had a deadline: 6 reported in time, 3 late.
            row(d(5), A, "closed_on_time", 3, "village"),
            row(d(20), B, "closed_on_time", 3, "county"),
            row(d(6), A, "closed_late", 2, "township"),
            row(d(20), B, "closed_late", 1, "county"),
            # 评价 8: 5 满意, 2 基本满意, 1 不满意.
            row(d(25), A, "evaluated", 8),
            row(d(25), A, "evaluated_satisfied", 5),
            row(d(25), A, "evaluated_basically", 2),
            row(d(25), A, "evaluated_dissatisfied", 1),
            row(d(3), B, "dispatched", 8, "county"),
            # 签收 against the dispatch's limit: 7 in time, 1 late.
            row(d(4), B, "signed_on_time", 7, "county"),
            row(d(12), B, "signed_late", 1, "county"),
            row(d(4), B, "returned", 2, "county"),
            row(d(22), A, "reopened", 1, "township"),
            # 零报告: due 4 (two villages, two report days), on time 3, late 1.
            row(d(2), VA, "zr_due", 1, "village"),
            row(d(2), VB, "zr_due", 1, "village"),
            row(d(9), VA, "zr_due", 1, "village"),
            row(d(9), VB, "zr_due", 1, "village"),
            row(d(2), VA, "zr_on_time", 1, "village"),
            row(d(9), VA, "zr_on_time", 1, "village"),
            row(d(9), VB, "zr_on_time", 1, "village"),
            row(d(2), VB, "zr_late", 1, "village"),
            # 夜访: 甲镇一村 twice, 乙镇一村 once: two villages.
            row(d(3), VA, "villages_visited", 1),
            row(d(17), VA, "villages_visited", 1),
            row(d(18), VB, "villages_visited", 1),
            # 村（社区）总数 at the window's end: the two, and 乙镇二村 that no one visited.
            row(d(31), VA, "villages", 1),
            row(d(31), VB, "villages", 1),
            row(d(31), "990101002002", "villages", 1),
            row(d(15), "990101002003", "villages", 1),  # a stock in mid-window is never read
            row(d(7), A, "agreements_signed", 2, "township"),
            row(d(28), A, "confirmations_confirmed", 1, "township"),
            # 在办超期 and 红牌 at the end of 31 March: 2 + 1 late, 1 of them red; mid-window never read.
            row(d(31), A, "overdue_end", 2, colour="red"),
            row(d(31), B, "overdue_end", 1),
            row(d(31), A, "red_end", 1, colour="red"),
            row(d(15), A, "overdue_end", 40),
        ]
    )


EXPECTED_MARCH = {
    "intake": 15,  # 10 + 5
    "received": 10,
    "carried_over": 5,
    "open": 1,
    "closed": 10,
    "closure_rate": Decimal("62.5"),  # 10 / (10 + 5 + 1 reopened)
    "resolution_rate": Decimal("31.3"),  # 5 / 16
    "mediation_success_rate": Decimal("50.0"),  # 5 / 10
    "on_time_closure_rate": Decimal("66.7"),  # 6 / (6 + 3)
    "evaluation_rate": Decimal("80.0"),  # 8 / 10
    "satisfaction_rate": Decimal("87.5"),  # (5 + 2) / 8
    "return_rate": Decimal("25.0"),  # 2 / 8
    "timely_sign_rate": Decimal("87.5"),  # 7 / (7 + 1)
    "reopen_rate": Decimal("10.0"),  # 1 / 10
    "village_rate": Decimal("30.0"),  # 3 / 10
    "township_rate": Decimal("50.0"),  # (3 + 2) / 10
    "in_county_rate": Decimal("90.0"),  # (3 + 2 + 4) / 10
    "zero_report_rate": Decimal("75.0"),  # 3 / 4
    "night_visit_coverage": Decimal("66.7"),  # 2 villages visited / 3 villages
    "agreements": 2,
    "confirmations": 1,
    "overdue": 3,  # 2 + 1 at the window's end
    "red_cards": 1,
}


def test_the_defaults_are_loaded_once_and_valid(indicators):
    assert len(indicators) == len(DEFAULT_INDICATORS)
    load_indicators(Indicator)
    assert Indicator.objects.count() == len(DEFAULT_INDICATORS)
    for indicator in indicators.values():
        indicator.full_clean()
    assert indicators["satisfaction_rate"].beside == indicators["evaluation_rate"]


def test_indicator_values_match_the_numbers_worked_out_by_hand(indicators, march):
    results = {r.indicator.code: r for r in evaluate(indicators.values(), MARCH, prefix="")}
    assert {code: results[code].value for code in EXPECTED_MARCH} == EXPECTED_MARCH
    closure = results["closure_rate"].current
    assert (closure.numerator, closure.denominator) == (10, 16)
    assert results["closure_rate"].display == "62.5%"
    assert results["intake"].display == "15"
    # Status against the thresholds: 评价 80 ≥ 80 is green; 满意 87.5 < 90 red; 回退 25 > 10 red.
    assert results["evaluation_rate"].status == "good"
    assert results["satisfaction_rate"].status == "bad"
    assert results["return_rate"].status == "bad"
    assert results["intake"].status == ""


def test_a_case_reopened_and_closed_again_keeps_the_closure_rate_at_most_100(indicators):
    """One case received and closed, reopened and closed again in the window: two closures of
    two cases-to-handle (the reopening is one), 100 %, not 200 %."""
    from tests.governance.test_dashboard import mark_filled

    mark_filled(d(1), d(31))
    DailyStat.objects.bulk_create(
        [
            row(d(2), A, "received", 1, "township"),
            row(d(5), A, "closed", 1, "township"),
            row(d(5), A, "closed_resolved", 1, "township"),
            row(d(9), A, "reopened", 1, "township"),
            row(d(20), A, "closed", 1, "township"),
            row(d(20), A, "closed_resolved", 1, "township"),
        ]
    )
    results = {
        r.indicator.code: r
        for r in evaluate(indicators_by_codes(["closure_rate", "resolution_rate"]), MARCH, prefix="")
    }
    assert [(results[c].current.numerator, results[c].current.denominator) for c in results] == [(2, 2), (2, 2)]
    assert results["closure_rate"].value == results["resolution_rate"].value == Decimal("100.0")


def test_a_shipped_definition_replaced_since_moves_only_a_row_the_county_left_alone(indicators):
    from governance.indicator_data import REPLACED, upgrade_defaults

    old = next(r for r in REPLACED if r[0] == "closure_rate" and r[1] == "denominator")
    Indicator.objects.filter(code="closure_rate").update(denominator=old[2])
    Indicator.objects.filter(code="resolution_rate").update(denominator="received")  # the county's own
    upgrade_defaults(Indicator)
    assert Indicator.objects.get(code="closure_rate").denominator == "received + open_end@start + reopened"
    assert Indicator.objects.get(code="resolution_rate").denominator == "received"
    assert upgrade_defaults(Indicator) == 0  # again: nothing left to move


def test_a_metric_no_provider_counts_gives_none_with_a_note_naming_it(indicators, march):
    results = {r.indicator.code: r for r in evaluate(indicators.values(), MARCH, prefix="")}
    assert {code: r.missing for code, r in results.items() if r.missing} == {}  # every shipped one is counted
    waiting = Indicator(code="mediator_load", name="调解员人均案件", unit="count", numerator="mediations_open")
    [result] = evaluate([waiting], MARCH, prefix="")
    assert result.missing == ["mediations_open"]
    assert result.value is None and result.display == "—"
    assert "尚无数据" in result.current.note and "mediations_open" in result.current.note


def test_a_rate_with_nothing_to_divide_is_none_and_shows_a_dash(indicators, march):
    # 乙镇 had no evaluation and no zero-report due at its grid: 满意率 and 零报告按时率 are "—",
    # never 0 % or 100 %; a count with nothing is 0.
    results = {r.indicator.code: r for r in evaluate(indicators.values(), MARCH, prefix="990101002001001")}
    assert results["satisfaction_rate"].value is None and results["satisfaction_rate"].display == "—"
    assert results["satisfaction_rate"].status == ""
    assert results["zero_report_rate"].display == "—"
    assert results["agreements"].value == 0
    # A month with no rows at all: every rate is "—".
    empty = evaluate(indicators.values(), Window(d(1, 1, 2020), d(31, 1, 2020)), prefix="")
    assert {r.display for r in empty if r.indicator.unit == Indicator.Unit.PERCENT} == {"—"}
    assert format_value(None, Indicator.Unit.COUNT) == "—"


def test_places_counts_distinct_villages_and_a_filter_picks_a_level(db, march):
    covered = Indicator(code="covered", name="夜访村数", unit="count", numerator="places:villages_visited")
    township_intake = Indicator(
        code="town_intake", name="乡镇受理", unit="count", numerator="received", numerator_filter="level=township"
    )
    red_carried = Indicator(
        code="red_carried", name="红色结转", unit="count", numerator="open_end@start", numerator_filter="colour=red"
    )
    values = [r.value for r in evaluate([covered, township_intake, red_carried], MARCH, prefix="")]
    assert values == [2, 4, 3]  # 甲镇一村 twice and 乙镇一村 once: 2 villages; 4 received at 乡镇; 3 red


def test_scope_by_user_and_by_region_prefix(indicators, org, march):
    codes = ["received", "closed", "village_rate"]
    chosen = indicators_by_codes(codes)

    def values(**scope) -> list:
        return [r.value for r in evaluate(chosen, MARCH, **scope)]

    assert values(user=org["county_officer"]) == [10, 10, Decimal("30.0")]
    assert values(user=org["leader"]) == [10, 10, Decimal("30.0")]
    assert values(user=org["township_officer"]) == [4, 5, Decimal("60.0")]  # 甲镇: 3 of 5 at 村居
    assert values(user=org["outsider"]) == [6, 5, Decimal("0.0")]  # 乙镇
    assert values(prefix="990101002") == [6, 5, Decimal("0.0")]
    assert values(user=org["sysadmin"]) == [0, 0, None]  # administrators see no business figures


def test_previous_window_and_a_year_earlier(indicators, march):
    DailyStat.objects.bulk_create(
        [
            # 环比 (February): 5 closed of which 1 at 村居; 在办 at the end of 31 January: 7.
            row(d(10, 2), A, "closed", 4, "township"),
            row(d(11, 2), A, "closed", 1, "village"),
            row(d(5, 2), A, "received", 3, "township"),
            row(d(31, 1), A, "open_end", 7),
            # 同比 (March 2025): 20 closed, all at 村居; nothing received, nothing carried over.
            row(d(12, 3, 2025), A, "closed", 20, "village"),
        ]
    )
    window = Window(d(1), d(31), WindowKind.MONTH)
    assert (window.previous(), window.year_earlier()) == (
        Window(d(1, 2), d(28, 2), WindowKind.MONTH),
        Window(d(1, 3, 2025), d(31, 3, 2025), WindowKind.MONTH),
    )
    results = {
        r.indicator.code: r
        for r in evaluate(indicators_by_codes(["closed", "village_rate", "closure_rate", "open"]), window, prefix="")
    }
    closed, village, closure, open_ = (results[c] for c in ("closed", "village_rate", "closure_rate", "open"))
    assert (closed.value, closed.previous.value, closed.year_earlier.value) == (10, 5, 20)
    assert (closed.change(closed.previous), closed.change(closed.year_earlier)) == (5, -10)
    assert (village.value, village.previous.value, village.year_earlier.value) == (
        Decimal("30.0"),
        Decimal("20.0"),
        Decimal("100.0"),
    )
    assert village.change(village.previous) == Decimal("10.0")  # percentage points
    # February: 5 closed ÷ (3 received + 7 carried over + 0 reopened) = 50 %; March 2025: nothing to divide.
    assert (closure.previous.value, closure.year_earlier.value) == (Decimal("50.0"), None)
    assert closure.change(closure.year_earlier) is None
    # 在办 in February is the stock at 28 February (5), not a sum over the month.
    assert (open_.value, open_.previous.value) == (1, 5)


def test_calendar_windows_run_to_today_and_compare_like_with_like():
    today = date(2026, 5, 10)  # a Sunday
    assert parse_window("today", today=today) == Window(today, today, "today")
    assert parse_window("today", today=today).previous() == Window(d(9, 5), d(9, 5), "today")
    week = parse_window("week", today=today)
    assert week == Window(d(4, 5), today, "week")
    assert week.previous() == Window(d(27, 4), d(3, 5), "week")
    quarter = parse_window("quarter", today=today)
    assert quarter == Window(d(1, 4), today, "quarter")
    assert quarter.previous() == Window(d(1, 1), d(9, 2), "quarter")  # 40 days into Q1
    month = parse_window("month", today=date(2026, 3, 31))
    assert month.previous() == Window(d(1, 2), d(28, 2), "month")  # cut at February's end
    assert parse_window("year", today=today).previous() == Window(d(1, 1, 2025), d(10, 5, 2025), "year")
    leap = Window(date(2028, 2, 29), date(2028, 2, 29))
    assert leap.year_earlier() == Window(date(2027, 2, 28), date(2027, 2, 28))
    custom = parse_window("custom", "2026-03-10", "2026-03-19", today=today)
    assert custom.previous() == Window(d(28, 2), d(9, 3), "custom")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("custom", "2026-03-19", "2026-03-10"), "起始日期 2026-03-19 晚于截止日期 2026-03-10"),
        (("custom", "2016-01-01", "2026-01-01"), "统计时段最长 732 天"),
        (("custom", "2026-03-01", "2026-06-01"), "不能统计未来"),
        (("custom", "2026-03-01", ""), "请填写截止日期"),
        (("custom", "3月1日", "2026-03-10"), "请填写起始日期"),
        (("decade",), "未知的统计时段"),
    ],
)
def test_bad_window_input_gets_a_clear_message(args, message):
    with pytest.raises(ValidationError) as error:
        parse_window(*args, today=date(2026, 5, 10))
    assert message in error.value.messages[0]


def test_an_unknown_or_inactive_indicator_is_refused_by_name(indicators):
    Indicator.objects.filter(code="agreements").update(active=False)
    with pytest.raises(ValidationError) as error:
        indicators_by_codes(["closed", "hua_jie_lv", "agreements"])
    assert error.value.messages == ["未知或未启用的指标：hua_jie_lv、agreements。"]


def _volume(days: int, places: int) -> None:
    codes = [f"9901010{t:02d}{v:03d}001" for t in range(1, 3) for v in range(1, places + 1)]
    first = d(1, 1, 2025)
    DailyStat.objects.bulk_create(
        [
            row(first + timedelta(days=n), code, metric, 1 + n % 3, level)
            for n in range(days)
            for code in codes
            for metric, level in (("received", "township"), ("closed", "village"), ("open_end", ""))
        ]
    )


@pytest.mark.parametrize(("days", "places"), [(3, 1), (500, 20)])
def test_a_fixed_number_of_queries_whatever_the_volume(indicators, org, days, places, django_assert_num_queries):
    _volume(days, places)
    chosen = list(indicators.values())
    year = Window(d(1, 1, 2026), d(31, 12, 2026), WindowKind.YEAR)
    with django_assert_num_queries(2):  # the rows, and which days were counted (StatFill)
        results = evaluate(chosen, year, prefix="990101")
    assert len(results) == len(chosen)
    user = type(org["leader"]).objects.get(pk=org["leader"].pk)
    with django_assert_num_queries(5):  # the person's groups, unit and region, then the rows and the fills
        evaluate(chosen, year, user=user)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"numerator": "closed@start"}, "numerator", "不是存量指标"),
        ({"numerator": "Closed"}, "numerator", "无法识别"),
        ({"numerator_filter": "town=甲镇"}, "numerator_filter", "维度=值"),
        ({"numerator_filter": "level=city"}, "numerator_filter", "办理层级只能是"),
        ({"denominator": ""}, "denominator", "比率指标必须有分母"),
        ({"mode": "cohort"}, "mode", "暂不能按批次计算"),
        ({"warn_at": Decimal("95")}, "warn_at", "黄色阈值不能高于绿色阈值"),
    ],
)
def test_a_bad_definition_is_refused_with_a_message(indicators, changes, field, message):
    indicator = indicators["closure_rate"]
    for name, value in changes.items():
        setattr(indicator, name, value)
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert message in " ".join(error.value.message_dict[field])


def test_the_system_administrator_adjusts_a_target_in_the_admin_with_history(indicators, org, login):
    client = login(org["sysadmin"])
    indicator = indicators["satisfaction_rate"]
    url = reverse("admin:governance_indicator_change", args=[indicator.pk])
    page = client.get(url)
    assert page.status_code == 200 and "口径说明" in page.content.decode()
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k not in ("id", "beside")}
    data.update(beside=indicator.beside_id, target="90", good_at="90", warn_at="85", active="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    indicator.refresh_from_db()
    assert (indicator.target, indicator.warn_at) == (Decimal("90.0"), Decimal("85.0"))
    assert indicator.history.latest().history_user == org["sysadmin"]
    assert login(org["county_officer"]).get(url).status_code in (302, 403)
