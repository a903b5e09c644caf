"""The third miss in a row reaches the county center, and the check says how many it escalated."""

from datetime import date, datetime, time, timedelta

import time_machine
from django.core.management import call_command
from django.utils import timezone

from governance.models import Role
from grids.models import Grid
from grids.zero_report import ReportData, file_report
from tests.factories import make_user

MONDAY = date(2026, 11, 16)  # weekly reports are due on Mondays by 17:00, with 120 minutes' grace


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def check(day: date, capsys) -> str:
    with time_machine.travel(at(day, 20), tick=False):
        call_command("run_zero_report_check", "--date", day.isoformat())
    return capsys.readouterr().out


def test_the_check_counts_the_villages_it_reported_to_the_county(org, login, capsys):
    # 甲镇一村 reports every week; 甲镇二村 misses three Mondays running; 乙镇一村 reports the second.
    b1_worker = make_user("b1_worker", Role.GRID_WORKER, None)
    Grid.objects.get(code=f"{org.village_b1.code}001").workers.add(b1_worker)
    zero = ReportData(is_zero=True)
    for weeks in (2, 1, 0):
        day = MONDAY - timedelta(weeks=weeks)
        file_report(by=org["grid_worker"], village=org.village_a1, day=day, data=zero, now=at(day, 10))
        if weeks == 1:
            file_report(by=b1_worker, village=org.village_b1, day=day, data=zero, now=at(day, 10))
        out = check(day, capsys)
        if weeks == 2:
            assert "应报 3 个单位，已报 1，漏报 2，本次提醒 2（其中通报县级 0）" in out
    assert out == "2026-11-16：应报 3 个单位，已报 1，漏报 2，本次提醒 2（其中通报县级 1）。\n"

    county = login(org["county_officer"]).get("/inbox/").content.decode()
    assert ">● 甲镇二村 2026-11-16 零报告未报送</strong>" in county
    assert '<div class="small text-muted">连续漏报 3 次，请尽快补报。</div>' in county
    assert "乙镇一村 2026-11-16 零报告未报送" not in county
