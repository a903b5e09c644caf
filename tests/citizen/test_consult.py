"""我要咨询 on the public pages: a citizen asks from a phone proved by SMS code, gets a query code,
and reads the answer only from a browser that proved that phone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from disputes.consultations import NOTICE_VERSION, answer_consultation
from disputes.models import Consultation
from governance.crypto import blind_index
from governance.models import AuditEvent, Notification, PublicAttempt
from governance.workdays import add_working_days

PHONE = "13800138000"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roomy_limits(settings):
    """Several codes a minute for one phone and no challenge: the tests of the limits set their own."""
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "sms": {"phone": [(50, 60)], "address": [(50, 3600)]}}
    settings.CITIZEN_CHALLENGE_AFTER = 100


def send_code(client: Client, sms, phone: str = PHONE, url: str = "/m/ask/") -> str:
    answer = client.post(url, {"phone": phone, "send_code": "1"})
    assert answer.status_code == 200
    return sms.last_code()


def ask(client: Client, sms, *, phone: str = PHONE, code: str | None = None, **fields):
    data = {
        "name": "张三",
        "phone": phone,
        "sms_code": code if code is not None else send_code(client, sms, phone),
        "place": "",
        "question": "宅基地确权需要准备哪些材料？",
        "consent": "on",
        "website": "",
    }
    return client.post("/m/ask/", {**data, **fields})


def test_a_citizen_asks_and_reads_the_code_and_question(client, org, sms):
    page = client.get("/m/")
    assert "/m/ask/" in page.content.decode()
    form = client.get("/m/ask/")
    assert form.status_code == 200 and "个人信息处理告知" in form.content.decode()
    answer = ask(client, sms, place=str(org.village_a1.pk))
    consultation = Consultation.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/m/ask/{consultation.code}/?new=1"
    assert consultation.center == org.center_a
    assert (consultation.township, consultation.village) == (org.town_a, org.village_a1)
    assert consultation.state == Consultation.State.WAITING
    assert consultation.phone_masked == "138****8000" and PHONE not in consultation.phone_encrypted
    assert consultation.phone_index == blind_index(PHONE)
    assert consultation.notice_version == NOTICE_VERSION and consultation.consented_at is not None
    assert consultation.answer_due == add_working_days(timezone.localtime(consultation.received_at).date(), 5)
    assert Notification.objects.filter(unit=org.center_a, title__startswith="网上咨询待答复").exists()
    shown = client.get(answer["Location"]).content.decode()
    assert f"{consultation.code[:4]}-{consultation.code[4:]}" in shown
    assert "宅基地确权需要准备哪些材料？" in shown and "待答复" in shown


def test_without_a_place_the_county_center_answers(client, org, sms):
    ask(client, sms)
    assert Consultation.objects.get().center == org.county_center
    assert Consultation.objects.get().township is None


def test_a_poster_link_starts_the_form_at_its_place(client, org):
    page = client.get(f"/m/ask/?place={org.village_a2.code}").content.decode()
    assert f'<option value="{org.village_a2.pk}" selected>' in page


def test_a_wrong_sms_code_saves_nothing(client, org, sms):
    right = send_code(client, sms)
    wrong = "000000" if right != "000000" else "111111"
    answer = ask(client, sms, code=wrong)
    assert answer.status_code == 400 and "验证码不正确" in answer.content.decode()
    assert not Consultation.objects.exists()


def test_the_notice_must_be_acknowledged(client, org, sms):
    answer = ask(client, sms, consent="")
    assert answer.status_code == 400 and "请阅读并勾选同意个人信息处理告知" in answer.content.decode()
    assert not Consultation.objects.exists()


def test_the_honeypot_is_refused_and_audited(client, org, sms):
    answer = ask(client, sms, code="123456", website="http://spam.example")
    assert answer.status_code == 400 and "提交未成功" in answer.content.decode()
    assert not Consultation.objects.exists()
    assert PublicAttempt.objects.filter(action="consult", allowed=False).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PUBLIC_REFUSED, detail__contains="honeypot").exists()


def test_markup_is_shown_as_text(client, org, sms):
    ask(client, sms, name="<script>alert(1)</script>", question="<img src=x onerror=alert(2)>怎么办")
    consultation = Consultation.objects.get()
    shown = client.get(f"/m/ask/{consultation.code}/").content.decode()
    assert "<img src=x" not in shown and "&lt;img src=x onerror=alert(2)&gt;怎么办" in shown


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("question", "问" * 1001, "1000"),
        ("name", "张" * 41, "40"),
        ("question", "有\x00空字符", "非法字符"),  # refused before any view (a NUL never reaches the database)
        ("name", "张\x07三", "无法识别的字符"),
        ("question", "响铃\x1b[31m", "无法识别的字符"),
        ("question", "   ", "必填"),
        ("place", "999999", "选择一个有效的选项"),
        ("phone", "12345", "手机号码"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, org, sms, field, value, message):
    answer = ask(client, sms, **{field: value}) if field != "phone" else ask(client, sms, code="123456", phone=value)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Consultation.objects.exists()


def test_questions_per_phone_are_limited(client, org, sms, settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "consult": {"phone": [(1, 86400)]}}
    assert ask(client, sms).status_code == 302
    again = ask(client, sms)
    assert again.status_code == 400 and "操作太频繁" in again.content.decode()
    assert Consultation.objects.count() == 1
    assert PublicAttempt.objects.filter(action="consult", allowed=False).count() == 1


def test_the_challenge_is_asked_once_an_address_has_had_trouble(client, org, sms, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 1
    code = send_code(client, sms)
    answer = ask(client, sms, code=code)
    assert answer.status_code == 400 and "我不是机器人" in answer.content.decode()
    assert not Consultation.objects.exists()


def test_the_answer_opens_only_for_the_phone_that_asked(client, org, sms):
    ask(client, sms, place=str(org.town_a.pk))
    consultation = Consultation.objects.get()
    answer_consultation(
        consultation=consultation, by=org["township_officer"], answer="请携带身份证和户口簿到镇自然资源所办理。"
    )
    url = f"/m/ask/{consultation.code}/"
    assert "户口簿" in client.get(url).content.decode()  # the browser that asked

    stranger = Client()
    page = stranger.get(url)
    assert page.status_code == 200 and "户口簿" not in page.content.decode() and "宅基地" not in page.content.decode()
    other = send_code(stranger, sms, "13900139000", url)
    refused = stranger.post(url, {"phone": "13900139000", "sms_code": other})
    assert refused.status_code == 404 and "没有找到" in refused.content.decode()
    assert "户口簿" not in refused.content.decode()
    assert PublicAttempt.objects.filter(action="fail").exists()

    code = send_code(stranger, sms, PHONE, url)
    proved = stranger.post(url, {"phone": PHONE, "sms_code": code})
    assert proved.status_code == 302
    assert "户口簿" in stranger.get(url).content.decode()


def test_a_proved_browser_finds_nothing_under_another_code(client, org, sms):
    ask(client, sms)
    other = Client()
    ask(other, sms, phone="13900139000")
    theirs = Consultation.objects.get(phone_index=blind_index("13900139000"))
    refused = client.get(f"/m/ask/{theirs.code}/")
    assert refused.status_code == 404 and "没有找到" in refused.content.decode()
    assert theirs.question not in refused.content.decode().split("没有找到")[1]
    assert client.get("/m/ask/not-a-code/").status_code == 404


def test_lookups_stop_after_too_many_failures(client, org, sms, settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "fail": {"address": [(2, 3600)]}}
    ask(client, sms)
    for _n in range(2):
        client.get("/m/ask/ZZZZZZZZ/")
    refused = client.get("/m/ask/ZZZZZZZZ/")
    assert refused.status_code == 429 and "错误次数过多" in refused.content.decode()


def test_the_code_box_goes_to_the_answer_page(client, org, sms):
    assert client.get("/m/ask/", {"code": "k7m4-q9xp"})["Location"] == "/m/ask/K7M4Q9XP/"
    bad = client.get("/m/ask/", {"code": "<b>"})
    assert bad.status_code == 400 and "8 位" in bad.content.decode()


def test_a_staff_session_opens_nothing_here(client, org, sms):
    ask(Client(), sms)
    consultation = Consultation.objects.get()
    client.force_login(org["county_officer"])
    page = client.get(f"/m/ask/{consultation.code}/")
    assert consultation.question not in page.content.decode()


def test_the_send_code_button_without_javascript_keeps_what_was_typed(client, org, sms):
    bad = client.post("/m/ask/", {"phone": "12345", "name": "张三", "question": "问题", "send_code": "1"})
    assert bad.status_code == 200 and "手机号码" in bad.content.decode() and not sms.texts
    sent = client.post("/m/ask/", {"phone": PHONE, "name": "张三", "question": "我的问题", "send_code": "1"})
    page = sent.content.decode()
    assert "验证码已发送至 138****8000" in page and "我的问题" in page and len(sms.texts) == 1


def test_a_question_turned_into_a_case_tells_the_citizen_its_case_code(client, org, sms):
    from disputes.consultations import turn_into_case

    ask(client, sms, place=str(org.village_a1.pk), question="邻居占了我家的地")
    consultation = Consultation.objects.get()
    case = turn_into_case(consultation=consultation, by=org["township_officer"])
    page = client.get(f"/m/ask/{consultation.code}/").content.decode()
    code = case.public_code.code
    assert "转为纠纷" in page and f"{code[:4]}-{code[4:]}" in page
    assert case.number not in page  # the staff's case number is not the citizen's business
