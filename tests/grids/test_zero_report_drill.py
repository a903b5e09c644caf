"""The zero-report board as the list behind a dashboard number (grids/stats.py,
zero_report_records): the (village, day) pairs the statistics counted, so the list's count equals
the number; scoped like the board; a malformed drill is refused in Chinese; fixed queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from governance.dashboard import build
from governance.models import DailyStat
from governance.stats import fill_day
from grids.models import Grid, Region, ZeroReport
from tests.factories import PERSONAS

MONDAY, NEXT_MONDAY = date(2026, 3, 2), date(2026, 3, 9)  # the weekly reporting day
METRICS = ("zr_due", "zr_on_time", "zr_late", "zr_missed")


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def total(metric: str, prefix: str = "") -> int:
    rows = DailyStat.objects.filter(metric=metric, region_code__startswith=prefix, day__range=(MONDAY, NEXT_MONDAY))
    return sum(rows.values_list("value", flat=True))


def report(org, village: Region, day: date, *, late: bool = False) -> ZeroReport:
    return ZeroReport.objects.create(
        village=village,
        date=day,
        reporter=org["township_officer"],
        submitted_at=at(day, 20 if late else 10),
        is_zero=True,
        is_late=late,
    )


@pytest.fixture
def reports(org):
    """Two Mondays of three villages: 一村 on time both, 二村 late then missed, 乙镇一村 missed both."""
    report(org, org.village_a1, MONDAY)
    report(org, org.village_a2, MONDAY, late=True)
    report(org, org.village_a1, NEXT_MONDAY)
    for day in (MONDAY + timedelta(days=n) for n in range(8)):
        with time_machine.travel(at(day, 23), tick=False):
            fill_day(day)
    return org


def drill(client, metric: str, prefix: str, start: date = MONDAY, end: date = NEXT_MONDAY, extra: str = ""):
    return client.get(f"/grids/board/?stat={metric}&from={start}&to={end}&in={prefix}{extra}")


def test_each_zero_report_number_lists_its_village_days(reports, login):
    org = reports
    client = login(org["county_officer"])
    expected = {"zr_due": 6, "zr_on_time": 2, "zr_late": 1, "zr_missed": 3}
    for metric in METRICS:
        for prefix in (org.county.prefix, org.town_a.prefix, org.village_a2.code):
            response = drill(client, metric, prefix)
            assert response.status_code == 200
            assert response.context["records"] == total(metric, prefix), (metric, prefix)
            assert response.context["page"].paginator.count == total(metric, prefix)
            assert 'data-testid="drill-banner"' in response.content.decode()
        assert total(metric) == expected[metric]
    missed = drill(client, "zr_missed", org.county.prefix).context["page"].object_list
    assert sorted((r.day, r.village.code) for r in missed) == [
        (MONDAY, org.village_b1.code),
        (NEXT_MONDAY, org.village_a2.code),
        (NEXT_MONDAY, org.village_b1.code),
    ]
    # Two terms (on time + late): both lists, as the number sums both.
    response = client.get(f"/grids/board/?stat=zr_on_time+%2B+zr_late&from={MONDAY}&to={NEXT_MONDAY}&in=990101")
    assert response.context["records"] == 3
    # The rows carry the village level and no colour: a filter on either is honoured.
    assert drill(client, "zr_due", "990101", extra="&d_level=village").context["records"] == 6
    assert drill(client, "zr_due", "990101", extra="&d_level=county").context["records"] == 0
    assert drill(client, "zr_due", "990101", extra="&d_colour=red").context["records"] == 0


def test_the_dashboard_card_links_to_the_board_and_adds_up(reports, login):
    org = reports
    client = login(org["leader"])
    params = {"w": "custom", "start": MONDAY.isoformat(), "end": NEXT_MONDAY.isoformat()}
    with time_machine.travel(at(NEXT_MONDAY + timedelta(days=1)), tick=False):
        board, _problem = build(org["leader"], params)
        card = next(c for c in board.cards if c.indicator.code == "zero_report_rate")
        assert card.numerator_url.startswith("/grids/board/?") and card.denominator_url.startswith("/grids/board/?")
        figure = card.result.current
        assert (figure.numerator, figure.denominator) == (2, 6)
        assert client.get(card.numerator_url).context["records"] == 2
        assert client.get(card.denominator_url).context["records"] == 6


ALLOWED = {"county_officer", "township_officer", "leader", "township_leader"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_the_drill_and_what_they_see(reports, login, persona):
    org = reports
    response = drill(login(org[persona]), "zr_due", org.town_a.prefix)
    if persona in ALLOWED:
        assert response.status_code == 200
        assert response.context["records"] == 4  # 甲镇's two villages, two Mondays
    elif persona == "outsider":  # 乙镇's center: 甲镇 is outside, nothing is counted
        assert response.status_code == 200
        assert "超出您的工作范围" in response.content.decode()
        assert response.context["records"] == 0
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("stat=received&from=2026-03-02&to=2026-03-09&in=990101001", "不是零报告的统计指标"),
        ("stat=no+such&from=2026-03-02&to=2026-03-09&in=990101001", "无法识别"),
        ("stat=places:villages_visited&from=2026-03-02&to=2026-03-09&in=990101001", "不能列出"),
        ("stat=zr_due&from=2026-3-2x&to=2026-03-09&in=990101001", "日期格式不对"),
        ("stat=zr_due&from=2026-03-09&to=2026-03-02&in=990101001", "晚于截止日期"),
        ("stat=zr_due&from=2026-03-02&to=2100-01-01&in=990101001", "不能统计未来"),
        ("stat=zr_due&from=2026-03-02&to=2026-03-09&in=9901x", "区划代码无效"),
        ("stat=zr_due&from=2026-03-02&to=2026-03-09&in=990101001&d_level=nowhere", "办理层级只能是"),
    ],
)
def test_a_malformed_drill_is_refused_in_chinese(reports, login, query, message):
    response = login(reports["township_officer"]).get(f"/grids/board/?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["records"] == 0


@pytest.mark.parametrize("villages", [3, 30])
def test_the_drill_takes_a_fixed_number_of_queries(reports, login, django_assert_max_num_queries, villages):
    org = reports
    for n in range(3, villages):
        village = Region.objects.create(
            code=f"990101001{n + 100:03d}", name=f"甲镇{n}村", level="village", kind="village", parent=org.town_a
        )
        Grid.objects.create(code=f"{village.code}001", name="第1网格", village=village)
        report(org, village, MONDAY)
    client = login(org["county_officer"])
    with django_assert_max_num_queries(15):
        assert drill(client, "zr_due", org.county.prefix).status_code == 200
