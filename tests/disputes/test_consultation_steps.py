"""网上咨询, each step at its edges: which center answers a question from each kind of place,
what the center's inbox says, who may answer, and what answering and turning into a case leave."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from disputes.consultations import NOTICE_VERSION, answer_consultation, submit_consultation, turn_into_case
from disputes.models import Case, Consultation
from disputes.services import TransitionRefused
from governance.models import Notification, Role, Unit
from tests.factories import make_user

PHONE = "13800138000"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_questions(settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "consult": {}}


def asked(place, question: str = "土地承包合同到期后怎么续签？") -> Consultation:
    return submit_consultation(name="李四", phone=PHONE, place=place, question=question, request=None)


def test_a_question_from_a_township_without_an_active_center_goes_to_the_county(org):
    org.center_b.is_active = False
    org.center_b.save()
    consultation = asked(org.village_b1)
    assert (consultation.township, consultation.village, consultation.center) == (
        org.town_b,
        org.village_b1,
        org.county_center,
    )
    assert asked(org.town_a).center == org.center_a


def test_without_any_county_center_the_citizen_is_told_to_call(org):
    Unit.objects.filter(kind=Unit.Kind.COUNTY_CENTER).update(is_active=False)
    with pytest.raises(TransitionRefused) as refused:
        asked(None)
    assert str(refused.value) == "暂时无法受理网上咨询，请拨打综治中心电话。"
    assert not Consultation.objects.exists()


def test_the_center_s_inbox_gets_the_question_with_its_due_day(org):
    long_question = "问" * 250
    with time_machine.travel(datetime(2026, 6, 1, 2, 0, tzinfo=UTC), tick=False):
        consultation = asked(org.village_a1, long_question)
    notice = Notification.objects.get(unit=org.center_a)
    assert notice.title == f"网上咨询待答复（{consultation.answer_due:%Y-%m-%d} 前）"
    assert consultation.answer_due > date(2026, 6, 1)
    assert notice.body == "问" * 200
    assert notice.url == reverse("disputes-consultation", args=[consultation.pk])
    assert consultation.notice_version == NOTICE_VERSION
    assert consultation.consented_at == consultation.received_at == datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    assert consultation.question == long_question and consultation.name == "李四"


def test_only_center_staff_with_a_unit_may_answer(org):
    consultation = asked(org.village_a1)
    unitless = make_user("unitless_clerk", Role.TOWNSHIP_STAFF, None)
    for person in (unitless, org["police"], org["mediator"], org["township_leader"]):
        with pytest.raises(TransitionRefused, match=r"^只能答复本辖区综治中心收到的咨询。$"):
            answer_consultation(consultation=consultation, by=person, answer="越权")
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.WAITING


def test_an_answer_is_trimmed_and_a_blank_one_refused(org):
    consultation = asked(org.town_a)
    with pytest.raises(TransitionRefused, match=r"^请填写答复内容。$"):
        answer_consultation(consultation=consultation, by=org["township_officer"], answer="   ")
    with time_machine.travel(datetime(2026, 6, 2, 3, 0, tzinfo=UTC), tick=False):
        answer_consultation(consultation=consultation, by=org["county_officer"], answer="  可以续签。 \n")
    consultation.refresh_from_db()
    assert (consultation.state, consultation.answer, consultation.answered_by) == (
        Consultation.State.ANSWERED,
        "可以续签。",
        org["county_officer"],
    )
    assert consultation.answered_at == datetime(2026, 6, 2, 3, 0, tzinfo=UTC)


def test_the_citizen_s_sms_names_the_site_and_the_query_code(org, sms, settings, django_capture_on_commit_callbacks):
    settings.SITE_TITLE = "示范县综治中心"
    consultation = asked(org.town_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer_consultation(consultation=consultation, by=org["township_officer"], answer="可以续签。")
    shown = f"{consultation.code[:4]}-{consultation.code[4:]}"
    assert sms.texts[-1] == (
        f"SMS to 138****8000: 【示范县综治中心】您的网上咨询已答复。请在“矛盾纠纷·码上办”点“我要咨询”，凭查询码 {shown} 查看。"
    )


def test_a_county_question_turned_into_a_case_in_a_named_township_has_no_village(org, sms, settings):
    settings.SITE_TITLE = "示范县综治中心"
    consultation = asked(None)
    with pytest.raises(TransitionRefused, match="请选择纠纷所在的镇"):
        turn_into_case(consultation=consultation, by=org["county_officer"], township=org.village_a1)
    with time_machine.travel(datetime(2026, 6, 3, 1, 0, tzinfo=UTC), tick=False):
        case = turn_into_case(consultation=consultation, by=org["county_officer"], township=org.town_a)
    assert (case.township, case.village) == (org.town_a, None)
    consultation.refresh_from_db()
    code = case.public_code.code
    assert consultation.answer == (
        f"您反映的问题属于矛盾纠纷，已转为纠纷登记（案件查询码 {code[:4]}-{code[4:]}），综治中心将尽快受理。"
    )
    assert consultation.answered_by == org["county_officer"]
    assert consultation.answered_at == datetime(2026, 6, 3, 1, 0, tzinfo=UTC)
    assert Case.objects.count() == 1


def test_a_question_from_a_township_keeps_its_township_whatever_the_clerk_names(org):
    consultation = asked(org.town_a)
    case = turn_into_case(consultation=consultation, by=org["township_officer"], township=org.town_b)
    assert (case.township, case.village, case.intake_unit) == (org.town_a, None, org.center_a)


def test_an_empty_answer_is_refused_and_a_second_answer_told_it_was_answered(org):
    consultation = asked(org.town_a)
    for empty in ("", None):
        with pytest.raises(TransitionRefused, match=r"^请填写答复内容。$"):
            answer_consultation(consultation=consultation, by=org["township_officer"], answer=empty)
    answer_consultation(consultation=consultation, by=org["township_officer"], answer="可以续签。")
    with pytest.raises(TransitionRefused) as refused:
        answer_consultation(consultation=consultation, by=org["county_officer"], answer="再答")
    assert str(refused.value) == "该咨询已被他人答复。"
    assert consultation.history.order_by("-history_date").first().history_user == org["township_officer"]


def test_turning_into_a_case_keeps_the_citizen_s_consent_and_tells_them_the_case_code(
    org, sms, settings, django_capture_on_commit_callbacks
):
    settings.SITE_TITLE = "示范县综治中心"
    with time_machine.travel(datetime(2026, 6, 1, 2, 0, tzinfo=UTC), tick=False):
        consultation = asked(None)
    with pytest.raises(TransitionRefused) as refused:
        turn_into_case(consultation=consultation, by=org["county_officer"])
    assert str(refused.value) == "请选择纠纷所在的镇（街道）。"
    with django_capture_on_commit_callbacks(execute=True):
        case = turn_into_case(consultation=consultation, by=org["county_officer"], township=org.town_b)
    code = case.public_code
    assert (code.consented_at, code.notice_version) == (datetime(2026, 6, 1, 2, 0, tzinfo=UTC), NOTICE_VERSION)
    shown = f"{code.code[:4]}-{code.code[4:]}"
    assert sms.texts[-1] == (
        f"SMS to 138****8000: 【示范县综治中心】您的网上咨询已转为矛盾纠纷登记，查询码 {shown}，"
        "可在“矛盾纠纷·码上办”查询办理进度。"
    )
    consultation.refresh_from_db()
    assert consultation.history.order_by("-history_date").first().history_user == org["county_officer"]
