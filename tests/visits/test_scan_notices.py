"""What the overdue scan's night-visit notices say and who reads them when the owner unit has no
head on record; what the scan command reports of them."""

from datetime import date, datetime, time

import pytest
from django.core.management import call_command
from django.utils import timezone

from governance.models import Notification
from governance.reminders import run_overdue_scan
from tests.visits.conftest import held, issue
from visits import services
from visits.models import VisitIssue

DUE = date(2026, 3, 11)  # a Wednesday in a plain week


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def headless(org):
    """An issue handed to 甲镇派出所, whose head is not on record."""
    item = issue(org, held(org), services.Ending.ASSIGN)
    VisitIssue.objects.filter(pk=item.pk).update(due=DUE)
    return item


def inbox(login, user) -> str:
    return login(user).get("/inbox/").content.decode()


def test_a_unit_without_a_head_still_gets_its_yellow_card_and_the_leader_his_red(org, login, headless):
    run_overdue_scan(at(date(2026, 3, 12)))  # Thursday: one working day late
    run_overdue_scan(at(date(2026, 3, 16)))  # Monday: three working days late
    police = inbox(login, org["police"])
    assert "【黄牌】夜访问题已超过办结期限2026-03-11：甲镇一村 村道路灯损坏，夜间出行不便" in police
    assert "【红牌】" not in police  # the red card goes to the people who answer for the unit
    leader = inbox(login, org["township_leader"])
    assert "【红牌】夜访问题逾期3个工作日未办结（甲镇派出所）：甲镇一村 村道路灯损坏，夜间出行不便" in leader


def test_the_title_quotes_thirty_characters_of_the_issue_and_the_body_five_hundred(org, login, headless):
    summary = "一二三四五六七八九十" * 60  # 600 characters
    VisitIssue.objects.filter(pk=headless.pk).update(summary=summary)
    run_overdue_scan(at(date(2026, 3, 9)))  # Monday: 临期, two working days before the deadline
    notice = Notification.objects.get(title__startswith="【临期】")
    assert notice.title == f"【临期】夜访问题须于2026-03-11前办结：甲镇一村 {summary[:30]}"
    assert notice.body == summary[:500]
    assert notice.title in inbox(login, org["police"])


def test_the_scan_command_counts_the_night_visit_reminders(org, headless, capsys):
    call_command("run_overdue_scan", "--at", "2026-03-12T09:00")
    assert "夜访问题 黄牌: 1" in capsys.readouterr().out
