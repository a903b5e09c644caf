"""Overdue visit issues in the overdue scan: 临期, 黄牌, 红牌, each to the right people, once."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from governance.models import Notification, Reminder
from governance.reminders import run_overdue_scan
from governance.workdays import add_working_days
from tests.factories import make_user
from tests.visits.conftest import held, issue
from visits import services
from visits.models import VisitIssue
from visits.scan import issue_dues

# A plain week: Monday 2026-03-09 to Friday 2026-03-13, then the next week (no holidays near).
DUE = date(2026, 3, 11)  # a Wednesday


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def assigned(org):
    head = make_user("police_head", "handler", org.police_a, is_unit_head=True)
    visit = held(org)
    item = issue(org, visit, services.Ending.ASSIGN)
    VisitIssue.objects.filter(pk=item.pk).update(due=DUE)
    item.refresh_from_db()
    return item, head


def reminders(item) -> list[tuple[str, date]]:
    return sorted(Reminder.objects.filter(subject=f"visit_issue:{item.pk}").values_list("level", "day"))


def recipients(title_start: str) -> set:
    notices = Notification.objects.filter(title__startswith=title_start)
    return {("unit", n.unit_id) if n.unit_id else ("user", n.user_id) for n in notices}


def test_nothing_before_the_last_two_working_days(org, assigned):
    item, _head = assigned
    run_overdue_scan(at(date(2026, 3, 6)))  # Friday before: Monday is the threshold
    assert reminders(item) == []


def test_due_soon_goes_to_the_owner_unit_once(org, assigned):
    item, _head = assigned
    crossed = add_working_days(DUE, -2)
    assert crossed == date(2026, 3, 9)
    run_overdue_scan(at(crossed))
    run_overdue_scan(at(crossed, 15))
    run_overdue_scan(at(date(2026, 3, 10)))
    assert reminders(item) == [("due_soon", crossed)]
    assert recipients("【临期】") == {("unit", org.police_a.pk)}
    assert Notification.objects.filter(title__startswith="【临期】").count() == 1


def test_yellow_on_the_first_overdue_day_to_unit_and_heads(org, assigned):
    item, head = assigned
    for day in (date(2026, 3, 12), date(2026, 3, 13), date(2026, 3, 15)):  # Thu, Fri, Sun: 1-2 working days late
        run_overdue_scan(at(day))
    assert reminders(item) == [("yellow", date(2026, 3, 12))]
    assert recipients("【黄牌】") == {("unit", org.police_a.pk), ("user", head.pk)}


def test_red_from_three_working_days_late_every_day_to_heads_and_the_leader(org, assigned):
    item, head = assigned
    run_overdue_scan(at(date(2026, 3, 16)))  # Mon: 3 working days after Wed
    run_overdue_scan(at(date(2026, 3, 16), 18))
    run_overdue_scan(at(date(2026, 3, 17)))
    assert reminders(item) == [("red", date(2026, 3, 16)), ("red", date(2026, 3, 17))]
    assert recipients("【红牌】") == {("user", head.pk), ("user", org["township_leader"].pk)}
    assert Notification.objects.filter(title__startswith="【红牌】").count() == 4


def test_a_closed_issue_is_no_longer_chased(org, assigned):
    item, _head = assigned
    services.close_issue(issue=item, by=org["police"], answer="已办")
    run_overdue_scan(at(date(2026, 3, 17)))
    assert reminders(item) == []


def test_the_scan_runs_two_queries_whatever_the_number_of_issues(org, assigned, django_assert_num_queries):
    item, _head = assigned
    now = at(date(2026, 3, 17))
    with django_assert_num_queries(2):
        assert len(list(issue_dues(now))) == 1
    visit = item.visit
    for n in range(5):
        extra = issue(org, visit, services.Ending.ASSIGN, summary=f"问题{n}")
        VisitIssue.objects.filter(pk=extra.pk).update(due=DUE - timedelta(days=n))
    with django_assert_num_queries(2):
        assert len(list(issue_dues(now))) == 6
