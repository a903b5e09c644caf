"""网上咨询 on the staff side: the center of the jurisdiction answers once (the citizen hears by
SMS), or turns the question into a case waiting for acceptance; others see nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from disputes.consultations import answer_consultation, submit_consultation, turn_into_case
from disputes.models import Case, CaseCode, Channel, Consultation, Party, Status
from disputes.services import TransitionRefused
from governance.crypto import blind_index

PHONE = "13800138000"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_questions(settings):
    """One phone asks many questions here; the limits are tested on the public pages."""
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "consult": {}}


def asked(place, question: str = "土地承包合同到期后怎么续签？", phone: str = PHONE) -> Consultation:
    return submit_consultation(name="李四", phone=phone, place=place, question=question, request=None)


@pytest.fixture
def sms_log(caplog):
    import logging

    caplog.set_level(logging.INFO, logger="governance.delivery")
    return caplog


def sms_texts(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "governance.delivery"]


def test_the_township_center_answers_once_and_the_citizen_is_told(
    login, org, sms_log, django_capture_on_commit_callbacks
):
    consultation = asked(org.village_a1)
    clerk = login(org["township_officer"])
    page = clerk.get(reverse("disputes-consultation", args=[consultation.pk])).content.decode()
    assert "土地承包合同到期后怎么续签？" in page and "138****8000" in page and PHONE not in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = clerk.post(
            reverse("disputes-consultation-answer", args=[consultation.pk]), {"answer": "到期前向发包方申请续签。"}
        )
    assert answer.status_code == 302
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.ANSWERED
    assert (consultation.answer, consultation.answered_by) == ("到期前向发包方申请续签。", org["township_officer"])
    (text,) = sms_texts(sms_log)
    assert "138****8000" in text and "已答复" in text and f"{consultation.code[:4]}-{consultation.code[4:]}" in text
    assert "到期前" not in text  # the answer itself is read online, not sent in an SMS

    again = clerk.post(
        reverse("disputes-consultation-answer", args=[consultation.pk]), {"answer": "再答一次"}, follow=True
    )
    assert "该咨询已被他人答复" in again.content.decode()
    consultation.refresh_from_db()
    assert consultation.answer == "到期前向发包方申请续签。"


def test_an_empty_or_oversize_answer_is_refused(login, org):
    consultation = asked(org.town_a)
    clerk = login(org["township_officer"])
    url = reverse("disputes-consultation-answer", args=[consultation.pk])
    for bad, message in (("  ", "这个字段是必填项"), ("答" * 2001, "2000"), ("有\x07控制符", "无法识别的字符")):
        page = clerk.post(url, {"answer": bad}, follow=True).content.decode()
        assert message in page
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.WAITING


def test_two_clerks_answering_at_once_one_wins(org, transactional_db):
    consultation = asked(org.town_a)
    results: list[str] = []

    def answer(by, text):
        try:
            answer_consultation(consultation=consultation, by=by, answer=text)
            results.append("ok")
        except TransitionRefused as refused:
            results.append(str(refused))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=answer, args=(org["township_officer"], "甲答")),
        threading.Thread(target=answer, args=(org["county_officer"], "县答")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "该咨询已被他人答复。"]
    consultation.refresh_from_db()
    assert consultation.answer in ("甲答", "县答")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("county_officer", 200),
        ("township_officer", 200),
        ("leader", 200),
        ("township_leader", 200),
        ("outsider", 404),
        ("police", 403),
        ("mediator", 403),
        ("grid_worker", 403),
        ("sysadmin", 403),
    ],
)
def test_who_opens_a_township_question(login, org, persona, status):
    consultation = asked(org.village_a1)
    client = login(org[persona])
    assert client.get(reverse("disputes-consultation", args=[consultation.pk])).status_code == status
    listed = client.get(reverse("disputes-consultations"))
    assert listed.status_code == (200 if status != 403 else 403)
    if status == 200:
        assert "土地承包合同" in listed.content.decode()
    elif status == 404:
        assert "土地承包合同" not in listed.content.decode()


def test_another_townships_clerk_and_a_leader_cannot_answer(login, org):
    consultation = asked(org.village_a1)
    for persona in ("outsider", "leader"):
        login(org[persona]).post(reverse("disputes-consultation-answer", args=[consultation.pk]), {"answer": "越权"})
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.WAITING
    with pytest.raises(TransitionRefused, match="本辖区"):
        answer_consultation(consultation=consultation, by=org["outsider"], answer="越权")


def test_a_county_question_is_only_the_countys(login, org):
    consultation = asked(None)
    assert (
        login(org["township_officer"]).get(reverse("disputes-consultation", args=[consultation.pk])).status_code == 404
    )
    assert login(org["county_officer"]).get(reverse("disputes-consultation", args=[consultation.pk])).status_code == 200


def test_a_question_that_is_a_dispute_becomes_a_case_waiting_for_acceptance(
    login, org, sms_log, django_capture_on_commit_callbacks
):
    consultation = asked(org.village_a1, "邻居把围墙砌到我家地里，怎么办？")
    clerk = login(org["township_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        answer = clerk.post(reverse("disputes-consultation-turn", args=[consultation.pk]))
    case = Case.objects.get()
    assert answer["Location"] == reverse("disputes-detail", args=[case.number])
    assert (case.status, case.channel, case.intake_unit) == (Status.SUBMITTED, Channel.ONLINE, org.center_a)
    assert (case.township, case.village, case.summary) == (
        org.town_a,
        org.village_a1,
        "邻居把围墙砌到我家地里，怎么办？",
    )
    applicant = case.parties.get()
    assert (applicant.role, applicant.name, applicant.phone_index) == (Party.Role.APPLICANT, "李四", blind_index(PHONE))
    code = CaseCode.objects.get(case=case)
    assert code.notice_version == consultation.notice_version
    consultation.refresh_from_db()
    assert (consultation.state, consultation.case) == (Consultation.State.TURNED, case)
    assert code.code[:4] in consultation.answer
    (text,) = sms_texts(sms_log)
    assert "转为矛盾纠纷登记" in text and f"{code.code[:4]}-{code.code[4:]}" in text
    # Once turned, neither an answer nor a second case.
    with pytest.raises(TransitionRefused):
        turn_into_case(consultation=consultation, by=org["township_officer"])
    assert Case.objects.count() == 1


def test_a_county_question_needs_a_township_to_become_a_case(login, org):
    consultation = asked(None)
    clerk = login(org["county_officer"])
    refused = clerk.post(reverse("disputes-consultation-turn", args=[consultation.pk]), {"township": ""}, follow=True)
    assert "请选择纠纷所在的镇（街道）" in refused.content.decode()
    assert not Case.objects.exists()
    clerk.post(reverse("disputes-consultation-turn", args=[consultation.pk]), {"township": org.town_b.pk})
    case = Case.objects.get()
    assert (case.township, case.intake_unit, case.status) == (org.town_b, org.county_center, Status.SUBMITTED)


def test_the_list_filters_waiting_answered_and_overdue(login, org):
    from datetime import timedelta

    from django.utils import timezone

    waiting = asked(org.town_a, "还在等的问题")
    late = asked(org.town_a, "已经超期的问题")
    Consultation.objects.filter(pk=late.pk).update(answer_due=timezone.localdate() - timedelta(days=3))
    done = asked(org.town_a, "答复过的问题")
    answer_consultation(consultation=done, by=org["township_officer"], answer="已答")
    clerk = login(org["township_officer"])
    shown = {
        show: clerk.get(reverse("disputes-consultations"), {"show": show}).content.decode()
        for show in ("waiting", "overdue", "answered", "all", "nonsense")
    }
    assert waiting.question in shown["waiting"] and late.question in shown["waiting"]
    assert done.question not in shown["waiting"]
    assert late.question in shown["overdue"] and waiting.question not in shown["overdue"]
    assert done.question in shown["answered"] and waiting.question not in shown["answered"]
    assert all(c.question in shown["all"] for c in (waiting, late, done))
    assert waiting.question in shown["nonsense"]  # an unknown filter falls back to 待答复


def test_the_list_and_the_page_run_a_fixed_number_of_queries(login, org, django_assert_max_num_queries):
    clerk = login(org["county_officer"])
    for n in range(3):
        asked(org.village_a1, f"问题{n}")
    clerk.get(reverse("disputes-consultations"))  # warm the calendar cache
    with django_assert_max_num_queries(12) as few:
        clerk.get(reverse("disputes-consultations"), {"show": "all"})
    for n in range(15):
        asked(org.town_b, f"更多问题{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        clerk.get(reverse("disputes-consultations"), {"show": "all"})
    consultation = Consultation.objects.first()
    with django_assert_max_num_queries(12):
        clerk.get(reverse("disputes-consultation", args=[consultation.pk]))


def test_my_work_lists_the_waiting_questions_for_center_staff(login, org, django_assert_max_num_queries):
    asked(org.village_a1, "等待答复的甲镇问题")
    asked(org.town_b, "等待答复的乙镇问题")
    page = login(org["township_officer"]).get(reverse("disputes-work")).content.decode()
    assert "网上咨询待答复" in page and "等待答复的甲镇问题" in page and "等待答复的乙镇问题" not in page
    county = login(org["county_officer"]).get(reverse("disputes-work")).content.decode()
    assert "等待答复的甲镇问题" in county and "等待答复的乙镇问题" in county
    police = login(org["police"]).get(reverse("disputes-work")).content.decode()
    assert "网上咨询待答复" not in police
