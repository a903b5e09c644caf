"""网上咨询 on the supervision clock: the answer deadline in working days (holidays, estimated
years), the overdue scan's 临期/黄牌/红牌 (each once, red once a day), the supervision list."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from disputes.consultations import answer_consultation, submit_consultation
from disputes.models import Consultation
from governance.models import Notification, Reminder
from governance.reminders import run_overdue_scan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_questions(settings):
    """One phone asks many questions here; the limits are tested on the public pages."""
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "consult": {}}


L = Reminder.Level


def at(day: date, hour: int = 10):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(hour))), tick=False)


def asked(place, question: str = "低保怎么申请？") -> Consultation:
    return submit_consultation(name="王五", phone="13800138000", place=place, question=question, request=None)


def test_the_deadline_skips_the_national_day_holiday(org, settings):
    settings.CITIZEN_CONSULT_WORKING_DAYS = 5
    with at(date(2026, 9, 30)):
        consultation = asked(org.town_a)
    # 10-01..07 off, 10-10 (a Saturday) worked under the State Council's 调休.
    assert consultation.answer_due == date(2026, 10, 13)
    assert not consultation.due_is_estimated


def test_a_deadline_in_an_unpublished_year_says_it_is_estimated(login, org):
    with at(date(2026, 12, 28)):
        consultation = asked(org.town_a)
        assert consultation.answer_due.year == 2027
        assert consultation.due_is_estimated
        page = login(org["township_officer"]).get(reverse("disputes-consultation", args=[consultation.pk]))
    assert "（预估）" in page.content.decode()


def test_the_scan_reminds_at_each_level_once_and_red_every_day(org):
    from governance.models import User

    head = User.objects.get(pk=org["township_officer"].pk)
    head.is_unit_head = True
    head.save(update_fields=["is_unit_head"])
    with at(date(2026, 11, 2)):  # a Monday; due five working days later, 11-09
        consultation = asked(org.village_a1)
    assert consultation.answer_due == date(2026, 11, 9)
    subject = f"consultation:{consultation.pk}"

    def levels():
        return list(Reminder.objects.filter(subject=subject).order_by("day", "id").values_list("level", "day"))

    with at(date(2026, 11, 4)):
        run_overdue_scan()
    assert levels() == []
    with at(date(2026, 11, 5)):  # two working days before the deadline
        run_overdue_scan()
        run_overdue_scan()
    assert levels() == [(L.DUE_SOON, date(2026, 11, 5))]
    assert Notification.objects.filter(unit=org.center_a, title__startswith="【临期】网上咨询").count() == 1
    with at(date(2026, 11, 10)):
        run_overdue_scan()
        run_overdue_scan()
    assert levels()[-1] == (L.YELLOW, date(2026, 11, 10))
    assert Notification.objects.filter(user=head, title__startswith="【黄牌】网上咨询").count() == 1
    for day in (date(2026, 11, 12), date(2026, 11, 13)):  # 3 and 4 working days late
        with at(day):
            run_overdue_scan()
            run_overdue_scan()
    reds = [d for level, d in levels() if level == L.RED]
    assert reds == [date(2026, 11, 12), date(2026, 11, 13)]
    assert Notification.objects.filter(user=head, title__startswith="【红牌】网上咨询").count() == 2
    # The county center above the township's hears of the red card too.
    assert Notification.objects.filter(unit=org.county_center, title__startswith="【红牌】网上咨询").count() == 2

    answer_consultation(consultation=consultation, by=org["township_officer"], answer="已答复")
    with at(date(2026, 11, 16)):
        run_overdue_scan()
    assert [d for level, d in levels() if level == L.RED] == reds  # answered: no more reminders


def test_the_supervision_list_shows_the_overdue_question_in_scope(login, org):
    with at(date(2026, 11, 2)):
        late = asked(org.village_a1, "超期未答复的甲镇咨询")
        asked(org.village_a1, "刚提交的甲镇咨询")
    with at(date(2026, 11, 2)):
        asked(org.town_a, "刚提交的甲镇咨询")
    Consultation.objects.filter(question="刚提交的甲镇咨询").update(answer_due=date(2099, 1, 1))
    with at(date(2026, 11, 12)):
        page = login(org["county_officer"]).get(reverse("disputes-supervision")).content.decode()
        assert "网上咨询超期未答复" in page and "超期未答复的甲镇咨询" in page and "刚提交的甲镇咨询" not in page
        assert "超期未答复的甲镇咨询" in login(org["leader"]).get(reverse("disputes-supervision")).content.decode()
        assert (
            "超期未答复的甲镇咨询" not in login(org["outsider"]).get(reverse("disputes-supervision")).content.decode()
        )
        answer_consultation(consultation=late, by=org["township_officer"], answer="已答复")
        assert (
            "超期未答复的甲镇咨询"
            not in login(org["county_officer"]).get(reverse("disputes-supervision")).content.decode()
        )
