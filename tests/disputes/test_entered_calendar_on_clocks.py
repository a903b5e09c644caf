"""A year's calendar entered by the system administrator (the State Council's notice) is what the
case pages count on: its 调休 Saturday is a working day, every other weekend day of the year is
not, and a year the library carries is never counted 预估."""

from datetime import date, datetime

import time_machine
from django.utils import timezone

from disputes.models import Case, Status
from governance.models import User
from governance.workdays import library_knows
from tests.governance.test_workdays import NOTICE_2027


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def officer_now(org, login):
    """The township officer signed in at the travelled-to moment (their password not yet 90 days old)."""
    User.objects.filter(pk=org["township_officer"].pk).update(password_changed_at=timezone.now())
    return login(org["township_officer"])


def clock_on_page(client, case: Case) -> str:
    response = client.get(f"/cases/{case.number}/")
    page = response.content.decode()
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    start = page.index('data-testid="clock">') + len('data-testid="clock">')
    return page[start : page.index("</span>", start)]


def test_a_tiaoxiu_saturday_entered_by_the_administrator_is_counted_on_the_case_page(org, login, make_case):
    assert not library_knows(2027)
    response = login(org["sysadmin"]).post("/admin/governance/calendaryear/add/", NOTICE_2027)
    assert response.status_code == 302
    # Due Monday 22 Feb 2027; on Thursday 18th: Fri 19, Sat 20 (春节调休上班) and Mon 22 are left.
    with time_machine.travel(at(2027, 2, 18, 10), tick=False):
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=date(2027, 2, 22))
        assert clock_on_page(officer_now(org, login), case) == "办理正常，剩 3 个工作日"
    # Due Monday 8 March 2027; on Thursday 4th: Fri 5 and Mon 8. Saturday 6 is not in the notice: a day off.
    with time_machine.travel(at(2027, 3, 4, 10), tick=False):
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=date(2027, 3, 8))
        officer = officer_now(org, login)
        assert clock_on_page(officer, case) == "办理临期，剩 2 个工作日"
        assert 'data-testid="estimated"' not in officer.get(f"/cases/{case.number}/").content.decode()


def test_a_year_the_library_carries_is_not_estimated_on_the_case_page(org, login, make_case):
    assert library_knows(2026)
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=date(2026, 12, 31))
    with time_machine.travel(at(2026, 12, 1, 10), tick=False):
        page = login(org["township_officer"]).get(f"/cases/{case.number}/").content.decode()
    assert "办理正常" in page
    assert 'data-testid="estimated"' not in page
