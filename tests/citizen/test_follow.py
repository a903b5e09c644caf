"""查询进度 / 评价 / 群众补充 on the public pages: a citizen follows an online case by its query code
and an applicant's phone (SMS code), sees it move in plain words as staff take it through the
services, rates it with the clerk's evaluation step, and adds a note or a photo while it is open."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from disputes import services
from disputes.citizen import case_code
from disputes.citizen_follow import progress
from disputes.models import Attachment, Case, CaseEvent, Party, Satisfaction, Status
from governance.models import AuditEvent, Notification
from tests.disputes.conftest import advance, intake

pytestmark = pytest.mark.django_db

APPLICANT = "13800138000"  # 张三, the applicant (tests/disputes/conftest.py)
OTHER_PARTY = "13900139000"  # 李四, the respondent


@pytest.fixture
def make_case(org):
    """A desk case of 甲镇一村 (applicant 张三 13800138000) taken to `status` by the services."""
    return lambda status: advance(org, intake(org), status)


@pytest.fixture
def online_case(org):
    """A submission of 甲镇一村 on the channel 网上/扫码, with its query code."""
    case = intake(org, channel="online")
    assert case.status == Status.SUBMITTED
    case_code(case)
    return Case.objects.select_related("public_code").get(pk=case.pk)


def _prove(client: Client, sms, code: str, phone: str = APPLICANT):
    """Send a code to `phone` with the form's button, then the form with it."""
    sent = client.post("/m/follow/", {"code": code, "phone": phone, "send_code": "1"})
    assert sent.status_code == 200, sent.content.decode()[:2000]
    return client.post("/m/follow/", {"code": code, "phone": phone, "sms_code": sms.last_code()})


def _page(client: Client, code: str) -> str:
    page = client.get(f"/m/follow/{code}/")
    assert page.status_code == 200
    return page.content.decode()


def test_a_citizen_follows_the_case_through_acceptance_dispatch_and_closure_and_rates_it(
    org, sms, online_case, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://zz.example.gov.cn"
    code = online_case.public_code.code
    client = Client()
    form = client.get(f"/m/follow/?code={code.lower()}")
    assert form.status_code == 200 and f"{code[:4]}-{code[4:]}" in form.content.decode()
    answer = _prove(client, sms, code)
    assert answer.status_code == 302 and answer["Location"] == f"/m/follow/{code}/"
    assert "已收到，等待受理" in _page(client, code)

    clerk = org["township_officer"]
    with django_capture_on_commit_callbacks(execute=True):
        case = services.accept_case(
            case=online_case, by=clerk, category=online_case.category, risk_level=online_case.risk_level, version=None
        )
    assert f"https://zz.example.gov.cn/m/follow/?code={code}" in sms.texts[-1]
    assert "已受理" in sms.texts[-1] and f"{code[:4]}-{code[4:]}" in sms.texts[-1] and "138****8000" in sms.texts[-1]
    case = advance(org, case, Status.DISPATCHED)
    html = _page(client, code)
    assert "已转交 甲镇派出所 办理" in html and "办理期限" in html
    police = org["police"]
    case = services.sign_case(case=case, by=police, version=None)
    case = services.report_case(
        case=case, by=police, outcome="resolved", routes=[], summary="双方达成一致", version=None
    )
    case = services.approve_case(case=case, by=clerk, version=None)
    html = _page(client, code)
    assert "已办结，请您评价" in html and "双方达成一致" in html and "调解成功" in html
    assert 'data-testid="rate-form"' in html and 'data-testid="note-form"' not in html

    rated = client.post(f"/m/follow/{code}/rate/", {"satisfaction": "satisfied", "note": "办得好"})
    assert rated.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.EVALUATED and case.satisfaction == Satisfaction.SATISFIED
    step = case.events.get(action=CaseEvent.Action.EVALUATE)
    assert step.actor is None and step.data == {"satisfaction": "satisfied", "by_citizen": True}
    html = _page(client, code)
    assert "感谢您的评价" in html and "您已评价" in html and 'data-testid="rate-form"' not in html

    again = client.post(f"/m/follow/{code}/rate/", {"satisfaction": "dissatisfied", "note": "再评一次"}, follow=True)
    assert "已评价" in again.content.decode()
    case.refresh_from_db()
    assert case.satisfaction == Satisfaction.SATISFIED and case.events.filter(action="evaluate").count() == 1


def test_dissatisfied_needs_a_reason_then_asks_the_center_to_reopen(
    org, sms, make_case, django_capture_on_commit_callbacks
):
    case = make_case(Status.CLOSED)
    code = case_code(case).code
    client = Client()
    _prove(client, sms, code)
    blank = client.post(f"/m/follow/{code}/rate/", {"satisfaction": "dissatisfied", "note": "  "})
    assert blank.status_code == 400 and "请写明不满意的原因" in blank.content.decode()
    case.refresh_from_db()
    assert case.status == Status.CLOSED

    with pytest.raises(services.TransitionRefused, match="办结后才能评价"):
        services.evaluate_case(case=make_case(Status.IN_PROGRESS), by=None, satisfaction="satisfied")

    with pytest.raises(services.ValidationError):
        services.evaluate_case(case=case, by=None, satisfaction="great")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/m/follow/{code}/rate/",
            {"satisfaction": "dissatisfied", "note": "围墙还没拆<img src=x onerror=alert(1)>"},
        )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.EVALUATED and case.satisfaction == Satisfaction.DISSATISFIED
    request = case.events.get(action=CaseEvent.Action.REOPEN_REQUEST)
    assert (
        request.note == "围墙还没拆<img src=x onerror=alert(1)>"
        and request.actor is None
        and request.data["by_citizen"]
    )
    notice = Notification.objects.get(unit=org.center_a, title__contains="申请重新办理")
    assert "围墙还没拆" in notice.body and notice.url == f"/cases/{case.number}/"
    html = _page(client, code)
    assert "您已申请重新办理" in html and "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # The clerk reopens with the existing step.
    case = services.reopen_case(case=case, by=org["township_officer"], reason="群众不满意，重新办理", version=None)
    assert case.status == Status.REGISTERED
    assert "中心已决定重新办理" in _page(client, code)


def test_a_race_with_the_clerks_rating_is_told_already_rated(org, make_case):
    case = make_case(Status.CLOSED)
    services.evaluate_case(case=case, by=org["township_officer"], satisfaction="basically", version=case.version)
    with pytest.raises(services.TransitionRefused, match="已评价"):
        services.evaluate_case(case=case, by=None, satisfaction="satisfied")
    case.refresh_from_db()
    assert case.satisfaction == Satisfaction.BASICALLY
    # The clerk's step keeps the transition's permission: a handler may not record a rating.
    other = make_case(Status.CLOSED)
    with pytest.raises(services.TransitionRefused, match="无权"):
        services.evaluate_case(case=other, by=org["police"], satisfaction="satisfied", version=other.version)


def test_a_wrong_code_and_a_wrong_phone_look_the_same_and_are_throttled(org, sms, online_case, settings):
    settings.CITIZEN_LIMITS = {
        **settings.CITIZEN_LIMITS,
        "fail": {"address": [(3, 3600)]},
        "sms": {"phone": [(100, 60)]},
    }
    settings.CITIZEN_CHALLENGE_AFTER = 1000
    code = online_case.public_code.code
    client = Client()
    wrong_phone = _prove(client, sms, code, phone="13700137000")
    wrong_code = _prove(client, sms, "ABCD2345")
    assert wrong_phone.status_code == wrong_code.status_code == 404
    assert wrong_phone.content == wrong_code.content and "没有找到" in wrong_phone.content.decode()
    assert "13700137000" not in wrong_phone.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PUBLIC_REFUSED, detail__contains="no case").count() == 2
    assert "zz_citizen" not in wrong_code.cookies
    # A third miss (a wrong phone's proved cookie asking for the case) uses up the tries.
    browser = Client()
    _prove(browser, sms, "ABCD2346", phone="13700137000")
    # Now even the right code and phone are refused for a while: nothing is shown.
    refused = _prove(Client(), sms, code)
    assert refused.status_code == 429 and "次数过多" in refused.content.decode()
    assert "甲镇" not in refused.content.decode()


def test_lookups_per_address_are_limited(org, sms, online_case, settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "lookup": {"address": [(2, 3600)]}, "sms": {}}
    code = online_case.public_code.code
    for _n in range(2):
        assert _prove(Client(), sms, code).status_code == 302
    refused = _prove(Client(), sms, code)
    assert refused.status_code == 429 and "操作太频繁" in refused.content.decode()


def test_a_bad_query_code_and_bad_input_get_clear_messages(org, sms, online_case):
    client = Client()
    bad = client.post("/m/follow/", {"code": "O0I1", "phone": APPLICANT, "sms_code": "123456"})
    assert bad.status_code == 400 and "查询码是 8 位字母和数字" in bad.content.decode()
    no_code = client.post("/m/follow/", {"code": online_case.public_code.code, "phone": APPLICANT, "sms_code": ""})
    assert no_code.status_code == 400 and "请输入短信验证码" in no_code.content.decode()
    wrong = client.post("/m/follow/", {"code": online_case.public_code.code, "phone": APPLICANT, "sms_code": "000000"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    huge = client.post("/m/follow/", {"code": "A" * 5000, "phone": "1" * 5000, "sms_code": "9" * 5000})
    assert huge.status_code == 400
    assert client.get("/m/follow/?code=<script>").status_code == 200


def test_the_page_never_shows_staff_names_other_parties_or_internal_notes(org, sms, online_case):
    from disputes import key_persons

    police, clerk = org["police"], org["township_officer"]
    police.full_name, clerk.full_name = "王警官", "刘受理"
    police.save(update_fields=["full_name"])
    clerk.save(update_fields=["full_name"])
    case = services.accept_case(
        case=online_case, by=clerk, category=online_case.category, risk_level=online_case.risk_level, version=None
    )
    case = services.dispatch_case(
        case=case,
        by=clerk,
        lead_unit=org.police_a,
        due=timezone.localdate() + timedelta(days=10),
        note="内部交办说明：注意当事人情绪",
        version=case.version,
    )
    case = services.sign_case(case=case, by=police, version=case.version)
    services.add_progress(case=case, by=police, note="进展：已约谈李四，其态度强硬")
    services.supervise_case(
        case=case, by=org["leader"], instruction="挂牌督办要求", due=timezone.localdate() + timedelta(3)
    )
    respondent = case.parties.get(role=Party.Role.RESPONDENT)
    key_persons.mark_key_person(case=case, party=respondent, by=clerk, reason="重点关注理由")

    seen = progress(Case.objects.select_related("public_code", "township", "village", "category").get(pk=case.pk))
    client = Client()
    _prove(client, sms, online_case.public_code.code)
    html = _page(client, online_case.public_code.code)
    words = repr(seen) + html
    assert "甲镇派出所" in html  # a unit's name is fine
    for secret in (
        "王警官",
        "刘受理",
        "township_officer",
        ">police<",
        "李四",
        OTHER_PARTY,
        "139****9000",
        "内部交办说明",
        "已约谈",
        "挂牌督办",
        "重点",
        case.number,
    ):
        assert secret not in words, secret


def test_a_staff_cookie_does_not_open_the_case_on_the_public_pages(org, login, online_case):
    clerk = login(org["township_officer"])
    code = online_case.public_code.code
    assert clerk.get(f"/cases/{online_case.number}/").status_code == 200
    page = clerk.get(f"/m/follow/{code}/")
    assert page.status_code == 302 and page["Location"] == f"/m/follow/?code={code}"
    assert clerk.post(f"/m/follow/{code}/rate/", {"satisfaction": "satisfied"}).status_code == 302
    assert clerk.post(f"/m/follow/{code}/note/", {"note": "x"}).status_code == 302
    assert not online_case.events.filter(action=CaseEvent.Action.CITIZEN_NOTE).exists()


def _png(size=(8, 8)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "现场.png"
    return buffer


def test_a_note_and_a_photo_reach_the_lead_unit_and_the_staff_page(
    org, sms, login, make_case, django_capture_on_commit_callbacks
):
    case = make_case(Status.IN_PROGRESS)
    code = case_code(case).code
    client = Client()
    _prove(client, sms, code)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/m/follow/{code}/note/", {"note": "<script>alert(1)</script>又堵了", "photo": _png()})
    assert answer.status_code == 302
    step = case.events.get(action=CaseEvent.Action.CITIZEN_NOTE)
    photo = case.attachments.get()
    assert step.actor is None and step.data == {"by_citizen": True, "attachment": "现场.png"}
    assert photo.uploaded_by is None and photo.kind == Attachment.Kind.PHOTO and photo.content_type == "image/png"
    assert Notification.objects.filter(unit=org.police_a, title__contains="补充了情况").exists()
    html = _page(client, code)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;又堵了" in html

    staff = login(org["police"]).get(f"/cases/{case.number}/").content.decode()
    assert "群众补充情况" in staff and "群众（码上办）" in staff and "照片：现场.png" in staff
    assert "&lt;script&gt;" in staff and "<script>alert(1)" not in staff


def test_a_note_before_dispatch_goes_to_the_center(org, sms, online_case, django_capture_on_commit_callbacks):
    code = online_case.public_code.code
    client = Client()
    _prove(client, sms, code)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/m/follow/{code}/note/", {"note": "补充一句"}).status_code == 302
    assert Notification.objects.filter(unit=org.center_a, title__contains="补充了情况").exists()


def test_bad_notes_and_photos_are_refused_and_nothing_is_saved(org, sms, make_case, settings):
    case = make_case(Status.IN_PROGRESS)
    code = case_code(case).code
    client = Client()
    _prove(client, sms, code)
    empty = client.post(f"/m/follow/{code}/note/", {"note": " "})
    assert empty.status_code == 400 and "请填写补充情况或选择一张照片" in empty.content.decode()
    long = client.post(f"/m/follow/{code}/note/", {"note": "长" * 1001})
    assert long.status_code == 400 and "1000" in long.content.decode()
    fake = io.BytesIO(b"<?php echo 1; ?>" * 10)
    fake.name = "photo.png"
    refused = client.post(f"/m/follow/{code}/note/", {"note": "看图", "photo": fake})
    assert refused.status_code == 400 and "不是照片" in refused.content.decode()
    pdf = io.BytesIO(b"%PDF-1.4\n" + b"0" * 100)
    pdf.name = "a.pdf"
    assert client.post(f"/m/follow/{code}/note/", {"photo": pdf}).status_code == 400
    settings.CITIZEN_PHOTO_MAX_BYTES = 50
    big = client.post(f"/m/follow/{code}/note/", {"photo": _png((64, 64))})
    assert big.status_code == 400 and "超过了" in big.content.decode()
    long_reason = client.post(f"/m/follow/{code}/rate/", {"satisfaction": "dissatisfied", "note": "长" * 1001})
    assert long_reason.status_code == 400
    assert not case.events.filter(action=CaseEvent.Action.CITIZEN_NOTE).exists() and not case.attachments.exists()


def test_a_closed_case_takes_no_more_notes(org, sms, make_case):
    case = make_case(Status.CLOSED)
    code = case_code(case).code
    client = Client()
    _prove(client, sms, code)
    assert 'data-testid="note-form"' not in _page(client, code)
    answer = client.post(f"/m/follow/{code}/note/", {"note": "还有一事"}, follow=True)
    assert "案件已办结，不能再补充情况" in answer.content.decode()
    assert not case.events.filter(action=CaseEvent.Action.CITIZEN_NOTE).exists()


def test_an_online_rejection_is_sent_to_the_applicant_with_the_reason_and_route(
    org, sms, online_case, make_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_case(
            case=online_case, by=org["township_officer"], reason="in_court", route="请向县人民法院咨询", version=None
        )
    (text,) = sms.texts
    assert "138****8000" in text and "不予受理" in text and "人民法院" in text and "请向县人民法院咨询" in text
    assert "甲镇综治中心" in text
    # A hotline submission's applicant is told by the hotline, not by us.
    hotline = intake(org, channel="hotline_12345")
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_case(case=hotline, by=org["township_officer"], reason="in_court", route="法院", version=None)
    assert len(sms.texts) == 1


def test_a_rejected_case_shows_the_reason_and_route(org, sms, online_case):
    services.reject_case(
        case=online_case, by=org["township_officer"], reason="specialised", route="申请劳动仲裁", version=None
    )
    client = Client()
    _prove(client, sms, online_case.public_code.code)
    html = _page(client, online_case.public_code.code)
    assert "不予受理" in html and "依法应由专门机关处理" in html and "申请劳动仲裁" in html
    assert 'data-testid="note-form"' not in html and 'data-testid="rate-form"' not in html


def test_the_case_page_runs_a_fixed_number_of_queries(org, sms, make_case, django_assert_max_num_queries):
    case = make_case(Status.CLOSED)
    code = case_code(case).code
    client = Client()
    _prove(client, sms, code)
    with django_assert_max_num_queries(4):
        assert client.get(f"/m/follow/{code}/").status_code == 200


def test_the_home_page_offers_following(client):
    html = client.get("/m/").content.decode()
    assert 'href="/m/follow/"' in html and "查询进度 / 评价" in html
