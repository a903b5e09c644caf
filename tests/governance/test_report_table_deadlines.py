"""Filing deadlines (次月 5 日前) as data: a table not filed in time shows on the supervision list
and is reminded to its center once a day until it is filed."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone

from governance.models import Notification, Reminder, ReportForm
from governance.reminders import run_overdue_scan
from governance.report_data import SURVEY
from governance.report_tables import late_tables, parse_period, submit_table


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def owed(org):
    """Only the monthly 矛盾纠纷排查调处情况表 is owed, from May 2026."""
    ReportForm.objects.update(filing_from=None)
    ReportForm.objects.filter(code=SURVEY).update(filing_from=date(2026, 5, 1), kinds="month")
    return org


def file_b(org) -> None:
    form = ReportForm.objects.get(code=SURVEY)
    submit_table(
        form=form,
        period=parse_period(form, "month", "2026-05"),
        region=org.town_b,
        user=org["outsider"],
        data={},
        preparer="王五",
        signer="赵六",
    )


def test_a_table_is_late_only_after_its_deadline_and_until_it_is_filed(owed):
    org = owed
    with time_machine.travel(at(date(2026, 6, 5)), tick=False):
        assert late_tables("") == []  # 次月 5 日前: the 5th is still in time
    with time_machine.travel(at(date(2026, 6, 6)), tick=False):
        file_b(org)
        late = {(t.region.name, t.period.slug) for t in late_tables("")}
        assert late == {("示范县", "2026-05"), ("甲镇", "2026-05")}
        assert {t.region.name for t in late_tables(org.town_b.prefix)} == set()  # 乙镇 filed


def test_an_older_period_stays_owed_until_it_is_filed(owed):
    """A month not filed is still chased after the next month falls due, not forgotten."""
    org = owed
    with time_machine.travel(at(date(2026, 7, 8)), tick=False):
        file_b(org)  # 乙镇 filed May only
        late = {(t.region.name, t.period.slug) for t in late_tables(org.town_b.prefix)}
        assert late == {("乙镇", "2026-06")}
        late = {t.period.slug for t in late_tables(org.town_a.prefix)}
        assert late == {"2026-05", "2026-06"}


def test_a_period_before_the_form_was_in_use_is_not_owed(owed):
    ReportForm.objects.filter(code=SURVEY).update(filing_from=date(2026, 6, 1))
    with time_machine.travel(at(date(2026, 6, 20)), tick=False):
        assert late_tables("") == []


def test_a_late_table_shows_on_the_supervision_list_of_its_jurisdiction(owed, login):
    org = owed
    with time_machine.travel(at(date(2026, 6, 8)), tick=False):
        file_b(org)
        page = login(org["township_officer"]).get("/cases/supervision/").content.decode()
        section = page.split('data-testid="section-late-tables"')[1].split("</section>")[0]
        assert "矛盾纠纷排查调处情况表" in section and "甲镇" in section and "2026年5月" in section
        assert "示范县" not in section
        page = login(org["outsider"]).get("/cases/supervision/").content.decode()
        assert "矛盾纠纷排查调处情况表" not in page.split('data-testid="section-late-tables"')[1]


def test_a_late_table_is_reminded_once_a_day_to_its_center(owed):
    org = owed
    with time_machine.travel(at(date(2026, 6, 8)), tick=False):
        file_b(org)
        run_overdue_scan()
        run_overdue_scan()
    reminders = Reminder.objects.filter(kind="report_table")
    assert reminders.count() == 2  # 甲镇 and the county, once each
    notices = Notification.objects.filter(title__contains="逾期未报")
    assert set(notices.values_list("unit__name", flat=True)) == {"甲镇综治中心", "示范县综治中心"}
    with time_machine.travel(at(date(2026, 6, 9)), tick=False):
        run_overdue_scan()
    assert reminders.count() == 4  # again the next day
