"""The zero-report board as a township or county officer reads it: per township how many villages
reported, how many of those late, how many missed and how many are in the grace, and the county's
totals on the cards above."""

import re
from datetime import date, datetime, time

import time_machine
from django.utils import timezone

from grids.zero_report import ReportData, file_report

MONDAY = date(2026, 11, 16)  # weekly reports are due on Mondays by 17:00, with 120 minutes' grace


def at(hh: int, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(MONDAY, time(hh, mm)))


def board(login, user, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        return login(user).get(f"/grids/board/?date={MONDAY}").content.decode()


def heading(page: str, code: str) -> str:
    """The summary line of a township's section, its tags stripped."""
    section = page.split(f'data-testid="township-{code}">', 1)[1].split("</button>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section)).strip()


def totals(page: str) -> dict[str, int]:
    cards = page.split('data-testid="board-totals"', 1)[1].split('id="townships"', 1)[0]
    return {
        label: int(n) for label, n in re.findall(r'text-muted small">([^<]+)</span><span class="[^"]*">(\d+)<', cards)
    }


def test_each_township_counts_its_reported_late_and_missed_villages(org, login):
    file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(20))
    page = board(login, org["county_officer"], at(21))
    assert heading(page, org.town_a.code) == "甲镇 已报 1/2 · 迟报 1 · 漏报 1"
    assert heading(page, org.town_b.code) == "乙镇 已报 0/1 · 漏报 1"
    assert totals(page) == {"应报单位": 3, "已报": 1, "其中迟报": 1, "临期": 0, "漏报": 2}


def test_a_report_in_time_is_not_counted_late(org, login):
    file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(9))
    page = board(login, org["township_officer"], at(21))
    assert heading(page, org.town_a.code) == "甲镇 已报 1/2 · 漏报 1"
    assert f'data-testid="township-{org.town_b.code}"' not in page
    assert totals(page) == {"应报单位": 2, "已报": 1, "其中迟报": 0, "临期": 0, "漏报": 1}


def test_in_the_grace_the_missing_villages_are_counted_due_soon_not_missed(org, login):
    file_report(by=org["grid_worker"], village=org.village_a1, day=MONDAY, data=ReportData(is_zero=True), now=at(9))
    page = board(login, org["county_officer"], at(17, 30))
    assert heading(page, org.town_a.code) == "甲镇 已报 1/2 · 临期 1"
    assert heading(page, org.town_b.code) == "乙镇 已报 0/1 · 临期 1"
    assert totals(page) == {"应报单位": 3, "已报": 1, "其中迟报": 0, "临期": 2, "漏报": 0}
    before_the_cutoff = board(login, org["county_officer"], at(16))
    assert heading(before_the_cutoff, org.town_b.code) == "乙镇 已报 0/1"
