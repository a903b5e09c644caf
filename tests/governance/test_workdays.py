"""Working days on the statutory calendar, with the admin's table for years the library lacks."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from governance.checks import calendar_years_known
from governance.models import CalendarDay, CalendarYear
from governance.services import record_official_schedule
from governance.workdays import (
    add_working_days,
    is_estimated_year,
    is_working_day,
    library_knows,
    touches_estimated,
    unknown_years_ahead,
    working_days_between,
)
from tests.factories import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the Spring Festival
        (date(2026, 2, 14), True),  # Saturday: 调休 working day
        (date(2026, 2, 16), False),  # Monday in the Spring Festival
        (date(2026, 2, 23), False),  # last day of the holiday
        (date(2026, 2, 24), True),
        (date(2026, 1, 4), True),  # Sunday: 调休 for New Year's Day
        (date(2026, 11, 22), False),  # an ordinary Sunday
    ],
)
def test_statutory_calendar(db, day, working):
    assert is_working_day(day) is working


def test_adding_across_the_spring_festival(db):
    # From Friday 13 Feb: Sat 14 (调休) is the 1st; the holiday runs to Mon 23; Tue 24 is the 2nd.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert add_working_days(date(2026, 2, 24), -2) == date(2026, 2, 13)
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2


def test_a_tiaoxiu_sunday_counts(db):
    # Friday 2 Jan 2026 is a holiday, Sunday 4 Jan a working day.
    assert add_working_days(date(2026, 1, 1), 1) == date(2026, 1, 4)


def test_admin_table_covers_years_the_library_does_not_know(db):
    assert not library_knows(2099)
    bridge = date(2099, 1, 2)  # the Friday after 元旦 (a Thursday)
    assert is_working_day(bridge)  # no 调休 is guessed
    CalendarDay.objects.create(date=bridge, is_working_day=False, name="元旦")
    assert not is_working_day(bridge)  # the edit is seen at once (cache cleared on save)
    assert add_working_days(date(2098, 12, 31), 1) == date(2099, 1, 5)
    CalendarDay.objects.filter(date=bridge).get().delete()
    assert is_working_day(bridge)


def test_admin_table_overrides_the_library(db):
    CalendarDay.objects.create(date=date(2026, 11, 23), is_working_day=False, name="县里临时放假")
    assert not is_working_day(date(2026, 11, 23))


# --- Years nobody has published yet: the statute by rule, marked 预估 ---------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), False),  # 元旦, a Friday
        (date(2027, 2, 4), True),
        (date(2027, 2, 5), False),  # 农历除夕 (2025 revision: 春节 is 除夕 and 初一 to 初三)
        (date(2027, 2, 8), False),  # 初三
        (date(2027, 2, 9), False),  # 补假 for 初一 on a Saturday (Art. 6)
        (date(2027, 2, 10), False),  # 补假 for 初二 on a Sunday
        (date(2027, 2, 11), True),
        (date(2027, 2, 20), False),  # a Saturday: no 调休 is guessed
        (date(2027, 4, 5), False),  # 清明, by the solar term
        (date(2027, 5, 3), False),  # 劳动节 1–2 May fall on the weekend: 补假
        (date(2027, 5, 4), False),
        (date(2027, 5, 5), True),
        (date(2027, 6, 9), False),  # 端午
        (date(2027, 9, 15), False),  # 中秋
        (date(2027, 10, 5), False),  # 国庆 1–3 Oct, two of them on the weekend
        (date(2027, 10, 6), True),
    ],
)
def test_a_year_the_library_lacks_counts_the_statutory_holidays(db, day, working):
    assert not library_knows(2027)
    assert is_working_day(day) is working


def test_deadlines_into_an_unknown_year_skip_its_holidays(db):
    # Thursday 31 Dec 2026: 元旦 (Fri 1 Jan 2027) and the weekend are not working days.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert working_days_between(date(2027, 2, 4), date(2027, 2, 11)) == 1


def test_estimated_years_are_known_as_such(db):
    assert touches_estimated(date(2026, 12, 1), date(2027, 1, 5))
    assert touches_estimated(date(2027, 1, 5), date(2026, 12, 1))
    assert not touches_estimated(date(2026, 1, 1), date(2026, 12, 31))
    assert unknown_years_ahead(date(2026, 11, 30)) == [2027]  # 90 days reach 28 Feb 2027
    assert unknown_years_ahead(date(2026, 9, 1)) == []


def test_the_system_check_warns_when_90_days_reach_an_unknown_year(db):
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=SHANGHAI), tick=False):
        warnings = calendar_years_known(None)
        assert [w.id for w in warnings] == ["governance.W011"]
        assert "2027" in warnings[0].msg
    with time_machine.travel(datetime(2026, 9, 1, 9, tzinfo=SHANGHAI), tick=False):
        assert calendar_years_known(None) == []


def test_healthz_names_the_unknown_years_without_failing(db, client):
    from governance.models import Heartbeat

    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=SHANGHAI), tick=False):
        Heartbeat.objects.create(name="heartbeat", at=timezone.now())  # the scheduler is alive
        response = client.get("/healthz")
        assert response.json()["calendar"] == {"unknown_years": [2027], "status": "estimated"}
        assert response.status_code == 200
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=SHANGHAI), tick=False):
        assert client.get("/healthz").json()["calendar"] == {"unknown_years": [], "status": "ok"}


def test_the_home_page_warns_the_system_administrator_only(org, login):
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=SHANGHAI), tick=False):
        page = login(org["sysadmin"]).get("/").content.decode()
        assert 'data-testid="calendar-unknown"' in page
        assert "2027" in page
        other = Client()
        other.post("/login/", {"username": org["county_officer"].username, "password": PASSWORD})
        assert 'data-testid="calendar-unknown"' not in other.get("/").content.decode()


# --- The administrator enters the State Council's notice ------------------------------------------

NOTICE_2027 = {
    "year": "2027",
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
    "new_year_first": "2027-01-01",
    "new_year_last": "2027-01-03",
    "spring_first": "2027-02-05",
    "spring_last": "2027-02-12",
    "spring_work": "2027-02-20、2027-01-31",
    "national_first": "2027-10-01",
    "national_last": "2027-10-07",
    "national_work": "2027-09-26, 2027-10-09",
}


def test_the_system_administrator_enters_a_year_in_one_form(org, login):
    client = login(org["sysadmin"])
    assert client.get("/admin/governance/calendaryear/add/").status_code == 200
    response = client.post("/admin/governance/calendaryear/add/", NOTICE_2027)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = CalendarYear.objects.get(year=2027)
    assert entry.entered_by == org["sysadmin"]
    assert entry.days.count() == 3 + 8 + 7 + 4
    assert not is_estimated_year(2027)
    assert unknown_years_ahead(date(2026, 11, 30)) == []
    assert is_working_day(date(2027, 2, 20))  # a 调休 Saturday
    assert not is_working_day(date(2027, 2, 12))
    assert CalendarDay.objects.get(date=date(2027, 1, 31)).name == "春节调休上班"
    # The notice is the calendar now: the rule's 清明 is not, since this notice (a test) left it out.
    assert is_working_day(date(2027, 4, 5))
    page = client.get(f"/admin/governance/calendaryear/{entry.pk}/change/")
    assert page.status_code == 200 and "春节调休上班" in page.content.decode()
    # Deleted from the list (a bulk action, which skips the model's delete): estimated again at once.
    client.post(
        "/admin/governance/calendaryear/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert not CalendarDay.objects.exists()
    assert is_estimated_year(2027)


def test_a_year_entered_without_any_tiaoxiu_still_counts_as_known(org):
    record_official_schedule(
        year=2027, source="测试", holidays=[("元旦", date(2027, 1, 1), date(2027, 1, 1))], working_days=[], by=None
    )
    assert not touches_estimated(date(2026, 12, 1), date(2027, 3, 1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"spring_work": "2027-02-17"}, "应是2027年内的周六或周日"),  # a Wednesday
        ({"spring_work": "2027-2-30"}, "不是日期"),
        ({"spring_work": "2027-02-06"}, "落在放假期间内"),
        ({"national_first": "2027-02-11", "national_last": "2027-02-13"}, "重叠"),
        ({"spring_last": ""}, "请同时填写春节放假的起止日期"),
        ({"spring_first": "2027-02-12", "spring_last": "2027-02-05"}, "截止日期应在起始日期之后"),
        ({"new_year_first": "2026-11-30", "new_year_last": "2026-11-30"}, "不在2027年内"),
    ],
)
def test_a_wrong_notice_is_refused_and_nothing_is_saved(org, login, change, message):
    client = login(org["sysadmin"])
    response = client.post("/admin/governance/calendaryear/add/", {**NOTICE_2027, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()


def test_deleting_an_entered_year_makes_it_estimated_again(org):
    entry = record_official_schedule(
        year=2027, source="测试", holidays=[("元旦", date(2027, 1, 1), date(2027, 1, 2))], working_days=[], by=None
    )
    assert not is_estimated_year(2027)
    entry.delete()
    assert is_estimated_year(2027)
    assert not CalendarDay.objects.exists()


def test_counting_between_two_days_agrees_with_asking_each_day(db):
    """The running count per year gives what asking is_working_day for every day between gives, across
    years the library knows, an admin's override and 调休 day, and a year it lacks (2027)."""
    import random
    from datetime import timedelta

    from governance.workdays import forget_overrides

    CalendarDay.objects.create(date=date(2026, 11, 23), is_working_day=False, name="县里临时放假")
    CalendarDay.objects.create(date=date(2026, 11, 29), is_working_day=True, name="调休上班")
    forget_overrides()
    rng = random.Random(12)
    for _ in range(200):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        end = start + timedelta(days=rng.randrange(-400, 400))
        low, high = min(start, end), max(start, end)
        by_day = sum(is_working_day(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))
        assert working_days_between(start, end) == (by_day if end >= start else -by_day), (start, end)
    assert working_days_between(date(2026, 11, 22), date(2026, 11, 23)) == 0  # the county's day off
    assert working_days_between(date(2026, 11, 28), date(2026, 11, 29)) == 1  # a Sunday worked
