"""网上咨询 in the overdue scan, as the centers read it: a center with no head on record reads its own
red card, the county center reads a township's once a day and its own once, the notice quotes the
question, and the scan command counts the reminders."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from disputes.consultation_scan import consultation_dues
from disputes.consultations import submit_consultation
from disputes.models import Consultation
from governance.models import Notification, Unit
from governance.reminders import run_overdue_scan
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ASKED = date(2026, 11, 2)  # a Monday: answered within five working days, by 11-09
SOON, YELLOW, RED = date(2026, 11, 5), date(2026, 11, 10), date(2026, 11, 12)


@pytest.fixture(autouse=True)
def _many_questions(settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "consult": {}}


def at(day: date, hour: int = 10):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(hour))), tick=False)


def asked(place, question: str = "低保怎么申请？") -> Consultation:
    with at(ASKED):
        return submit_consultation(name="王五", phone="13800138000", place=place, question=question, request=None)


def scan(day: date) -> None:
    with at(day):
        run_overdue_scan()
        run_overdue_scan()


def inbox(login, user) -> str:
    return login(user).get("/inbox/").content.decode()


def test_a_center_without_a_head_reads_its_own_cards_and_the_county_the_red_one(org, login):
    asked(org.village_a1)
    for day in (YELLOW, RED):
        scan(day)
    township = inbox(login, org["township_officer"])
    assert "【黄牌】网上咨询已超过答复期限2026-11-09（甲镇综治中心）：低保怎么申请？" in township
    assert "【红牌】网上咨询超过答复期限3个工作日未答复（甲镇综治中心）：低保怎么申请？" in township
    county = inbox(login, org["county_officer"])
    assert "【红牌】网上咨询超过答复期限3个工作日未答复（甲镇综治中心）：低保怎么申请？" in county
    assert "【黄牌】" not in county


def test_a_question_the_county_answers_is_chased_once_a_day_at_the_county(org, login):
    asked(None)  # no place picked: the county center answers
    scan(RED)
    reds = Notification.objects.filter(title__startswith="【红牌】网上咨询")
    assert list(reds.values_list("unit__name", "user")) == [("示范县综治中心", None)]
    page = inbox(login, org["county_officer"])
    assert page.count("【红牌】网上咨询超过答复期限3个工作日未答复（示范县综治中心）") == 1


def test_the_notice_quotes_thirty_characters_of_the_question_and_the_body_five_hundred(org, login):
    question = "一二三四五六七八九十" * 60  # 600 characters
    asked(org.village_a1, question)
    scan(SOON)
    notice = Notification.objects.get(title__startswith="【临期】网上咨询")
    assert notice.title == f"【临期】网上咨询须于2026-11-09前答复：{question[:30]}"
    assert notice.body == question[:500]
    assert notice.title in inbox(login, org["township_officer"])


def test_the_scan_command_counts_the_enquiry_reminders(org, capsys):
    asked(org.village_a1)
    call_command("run_overdue_scan", "--at", "2026-11-10T10:00")
    assert "网上咨询 黄牌: 1" in capsys.readouterr().out


def test_a_red_card_goes_to_the_county_center_in_office_not_a_retired_one(org, login):
    # The county center was set up again: the old one is retired, the new one came after every
    # other unit.
    Unit.objects.filter(pk=org.county_center.pk).update(is_active=False)
    new_center = Unit.objects.create(
        code="C-CENTER-2", name="示范县社会治理综合服务中心", kind=Unit.Kind.COUNTY_CENTER, region=org.county
    )
    asked(org.village_a1)
    scan(RED)
    reds = Notification.objects.filter(title__startswith="【红牌】网上咨询")
    assert sorted(reds.values_list("unit__name", flat=True)) == ["甲镇综治中心", new_center.name]


def test_the_scan_reads_three_queries_whatever_the_number_of_questions(org, django_assert_num_queries):
    asked(org.village_a1)
    now = timezone.make_aware(datetime.combine(RED, time(10)))
    with django_assert_num_queries(3):
        dues = list(consultation_dues(now))
    assert [due.level for due in dues] == ["red"]
    for n in range(4):
        asked(org.town_a if n % 2 else None, f"第{n}个问题")
    with django_assert_num_queries(3):
        dues = list(consultation_dues(now))
    assert len(dues) == 5 and all(due.title.startswith("【红牌】") for due in dues)


def test_a_center_with_a_head_on_record_leaves_the_red_card_to_him(org):
    make_user("center_head", "township_staff", org.center_a, is_unit_head=True)
    asked(org.village_a1)
    scan(RED)
    reds = Notification.objects.filter(title__startswith="【红牌】网上咨询")
    assert sorted((n.unit.name if n.unit_id else n.user.username) for n in reds) == ["center_head", "示范县综治中心"]
