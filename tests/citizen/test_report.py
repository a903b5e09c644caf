"""码上办 · 我要反映: a citizen's report from a poster becomes a case in 待受理 on the channel
网上/扫码 at the center of the place, with the desk's duplicate warnings and flags; everything
refused (wrong code, no consent, honeypot, limits, photos, bad place, bad text) saves nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from disputes.citizen_intake import PRIVACY_NOTICE_VERSION
from disputes.models import Attachment, Case, CaseCode, CaseEvent, Channel, Party, Status
from disputes.services import IntakeData, PartyData, intake_case
from governance.models import AuditEvent, PublicAttempt

PHONE = "13800138000"
XSS = '<script>alert("x")</script>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
pytestmark = pytest.mark.django_db


def _code(client: Client, sms, phone: str = PHONE) -> str:
    answer = client.post("/m/sms/", {"phone": phone, "purpose": "report"})
    assert answer.status_code == 200, answer.content.decode()
    return sms.last_code()


def _data(where, code: str, **changes) -> dict:
    data = {
        "name": "张三",
        "phone": PHONE,
        "sms_code": code,
        "place": where.code,
        "origin": where.code,
        "category": "neighbour",
        "summary": "隔壁邻居家的排水管漏水到我家墙上，说了几次都不修。",
        "other_name": "李四",
        "other_phone": "13900139000",
        "other_address": "甲镇一村3组",
        "mediation": "online",
        "consent": "on",
        "website": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _report(client: Client, data: dict, **files):
    return client.post(reverse("citizen-report"), {**data, **files})


def test_the_form_opens_from_a_village_poster_with_the_place_locked(client, org):
    page = client.get(reverse("citizen-report"), {"place": org.village_a1.code})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="locked-place"' in text and "甲镇 · 甲镇一村" in text
    assert f'value="{org.village_a1.code}" selected' in text  # still changeable in the select
    assert "甲镇综治中心" in text  # the notice names who receives the data
    assert PRIVACY_NOTICE_VERSION in text and 'class="citizen-hp"' in text


def test_the_county_poster_lets_the_citizen_choose_the_township(client, org):
    page = client.get(reverse("citizen-report"), {"place": org.county.code}).content.decode()
    assert 'data-testid="locked-place"' not in page
    assert "甲镇（不清楚具体村、社区）" in page and "乙镇一村" in page


def test_an_unknown_poster_place_says_so(client, org):
    page = client.get(reverse("citizen-report"), {"place": "110101001001"}).content.decode()
    assert "二维码中的地点不存在" in page and 'data-testid="locked-place"' not in page


def test_a_report_becomes_a_submission_online_at_the_township_center(
    client, org, sms, django_capture_on_commit_callbacks
):
    code = _code(client, sms)
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):  # the SMS with the query code goes on commit
        answer = _report(client, _data(org.village_a1, code), photos=photo)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    case = Case.objects.get()
    assert case.status == Status.SUBMITTED and case.channel == Channel.ONLINE
    assert case.intake_unit == org.center_a and case.registered_by is None
    assert case.township == org.town_a and case.village == org.village_a1
    assert case.category.code == "neighbourhood"
    applicant = case.parties.get(role=Party.Role.APPLICANT)
    assert applicant.name == "张三" and applicant.phone_masked == "138****8000"
    assert case.parties.get(role=Party.Role.RESPONDENT).name == "李四"
    attachment = Attachment.objects.get(case=case)
    assert attachment.kind == Attachment.Kind.PHOTO and attachment.uploaded_by is None
    submit = case.events.get(action=CaseEvent.Action.SUBMIT)
    assert submit.actor is None and submit.to_status == Status.SUBMITTED
    public = CaseCode.objects.get(case=case)
    assert public.mediation == "online" and public.consented_at and public.notice_version == PRIVACY_NOTICE_VERSION
    # The result page: the code, large, and the SMS with it.
    done = client.get(answer["Location"])
    text = done.content.decode()
    shown = f"{public.code[:4]}-{public.code[4:]}"
    assert shown in text and "请截图或记下查询码" in text and f"/m/follow/?code={public.code}" in text
    assert any(shown in message for message in sms.texts[1:])
    assert client.cookies["zz_citizen"].value  # the phone is proved for following at once


def test_the_county_poster_report_goes_to_the_county_center_and_unsure_leaves_the_category(client, org, sms):
    code = _code(client, sms)
    answer = _report(client, _data(org.town_b, code, origin=org.county.code, category="unsure"))
    assert answer.status_code == 302
    case = Case.objects.get()
    assert case.intake_unit == org.county_center and case.township == org.town_b and case.village is None
    assert case.category is None


def test_the_flags_work_as_at_the_desk(client, org, sms):
    code = _code(client, sms)
    answer = _report(client, _data(org.village_a1, code, urgent="on", many_people="on"))
    assert answer.status_code == 302
    actions = set(Case.objects.get().events.values_list("action", flat=True))
    assert {CaseEvent.Action.NOTIFY_POLICE, CaseEvent.Action.REPORT_UPWARD} <= actions


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consent": None}, "请阅读并勾选同意《个人信息告知书》"),
        ({"sms_code": ""}, "请填写短信验证码"),
        ({"place": "110101001001"}, "所选项不存在"),
        ({"place": "990101000000"}, "所选项不存在"),  # the county itself is no place of a dispute
        ({"summary": "太短"}, "10"),
        ({"summary": "漏" * 2001}, "2000"),
        ({"name": "张" * 41}, "40"),
        ({"other_address": "址" * 201}, "200"),
        ({"summary": "邻居家漏水\x00到我家墙上了，很多天"}, "空字符"),  # governance's middleware, before the form
        ({"name": "张\x00三"}, "空字符"),
        ({"other_phone": "abc"}, "电话"),
        ({"mediation": "video"}, "所选项不存在"),
        ({"category": "murder"}, "所选项不存在"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client, org, sms, changes, message):
    code = _code(client, sms)
    answer = _report(client, _data(org.village_a1, code, **changes))
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Case.objects.exists() and not Party.objects.exists()
    if "place" not in changes and "空字符" not in message:  # back on the form, the poster's place stays locked
        assert 'data-testid="locked-place"' in answer.content.decode()


def test_a_wrong_sms_code_saves_nothing_and_counts_as_a_failure(client, org, sms):
    code = _code(client, sms)
    wrong = "000000" if code != "000000" else "111111"
    answer = _report(client, _data(org.village_a1, wrong))
    assert answer.status_code == 400 and "短信验证码不正确" in answer.content.decode()
    assert not Case.objects.exists()
    assert PublicAttempt.objects.filter(action="fail").count() == 1


def test_a_photo_too_big_or_not_a_photo_is_refused(client, org, sms, settings):
    assert settings.CITIZEN_PHOTO_MAX_BYTES == 5 * 1024 * 1024
    code = _code(client, sms)
    big = SimpleUploadedFile("大照片.jpg", JPEG + b"\x00" * (20 * 1024 * 1024), content_type="image/jpeg")
    answer = _report(client, _data(org.village_a1, code), photos=big)
    assert answer.status_code == 400 and "有 20.0 MB，超过了 5 MB 的上限" in answer.content.decode()
    exe = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 this is an exe" + b"\x00" * 64, content_type="image/jpeg")
    answer = _report(client, _data(org.village_a1, code), photos=exe)
    assert answer.status_code == 400 and "只能上传 JPG 或 PNG" in answer.content.decode()
    renamed = SimpleUploadedFile("照片.jpg", PNG, content_type="image/jpeg")  # a PNG named .jpg
    answer = _report(client, _data(org.village_a1, code), photos=renamed)
    assert answer.status_code == 400 and "扩展名与文件内容不符" in answer.content.decode()
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4\n" + b"\x00" * 64, content_type="application/pdf")
    answer = _report(client, _data(org.village_a1, code), photos=pdf)
    assert answer.status_code == 400 and "只能上传 JPG 或 PNG" in answer.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_at_most_the_configured_number_of_photos(client, org, sms, settings):
    settings.CITIZEN_PHOTOS_PER_REPORT = 2
    code = _code(client, sms)
    photos = [SimpleUploadedFile(f"{n}.png", PNG, content_type="image/png") for n in range(3)]
    answer = _report(client, _data(org.village_a1, code), photos=photos)
    assert answer.status_code == 400 and "最多上传 2 张照片" in answer.content.decode()
    assert not Case.objects.exists()


def test_the_honeypot_is_refused_quietly_and_audited(client, org, sms):
    code = _code(client, sms)
    answer = _report(client, _data(org.village_a1, code, website="http://spam.example"))
    assert answer.status_code == 200 and "提交未成功" in answer.content.decode()
    assert not Case.objects.exists()
    assert PublicAttempt.objects.filter(action="submit", allowed=False).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PUBLIC_REFUSED, detail__contains="honeypot").exists()


def test_the_fourth_report_of_the_day_from_a_phone_is_refused(client, org, sms, settings):
    settings.CITIZEN_LIMITS = {**settings.CITIZEN_LIMITS, "sms": {"phone": [(10, 60)]}}
    settings.CITIZEN_CHALLENGE_AFTER = 100  # one code per report here; the challenge is tested below
    for n in range(3):
        answer = _report(client, _data(org.village_a1, _code(client, sms), summary=f"第{n}件事：邻居家漏水到我家墙上"))
        assert answer.status_code == 302
    answer = _report(client, _data(org.village_a1, _code(client, sms)))
    assert answer.status_code == 400 and "操作太频繁" in answer.content.decode()
    assert Case.objects.count() == 3
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PUBLIC_REFUSED, detail__contains="submit").exists()


def test_the_challenge_is_asked_before_a_report_after_repeated_trouble(client, org, sms, settings):
    settings.CITIZEN_CHALLENGE_AFTER = 1
    code = _code(client, sms)  # one SMS code from this address: the next request must solve it
    answer = _report(client, _data(org.village_a1, code))
    assert answer.status_code == 400 and "我不是机器人" in answer.content.decode()
    assert not Case.objects.exists()


def test_the_send_code_button_works_without_javascript(client, org, sms):
    data = _data(org.village_a1, "", send_code="1")
    answer = _report(client, data)
    assert answer.status_code == 200 and "验证码已发送" in answer.content.decode()
    assert "隔壁邻居家的排水管" in answer.content.decode()  # what was typed is kept
    assert 'class="invalid-feedback' not in answer.content.decode()
    bad = _report(client, _data(org.village_a1, "", phone="12345", send_code="1"))
    assert bad.status_code == 400 and "手机" in bad.content.decode()


def test_text_is_shown_escaped_to_the_clerk_and_on_the_public_page(client, org, sms, login):
    code = _code(client, sms)
    answer = _report(
        client,
        _data(org.village_a1, code, name=XSS[:40], summary=XSS + "邻居漏水", other_name=XSS, other_address=XSS),
    )
    assert answer.status_code == 302
    case = Case.objects.get()
    staff = login(org["township_officer"])
    page = staff.get(reverse("disputes-detail", args=[case.number])).content.decode()
    assert XSS not in page and "&lt;script&gt;" in page
    # Back on the form with an error, what was typed comes back escaped too.
    again = _report(Client(), _data(org.village_a1, "123456", summary=XSS + "邻居漏水", name=""))
    assert XSS not in again.content.decode() and "&lt;script&gt;" in again.content.decode()


def test_the_result_page_needs_its_signed_link(client, org):
    assert client.get(reverse("citizen-report-done"), {"t": "forged"}).status_code == 404
    assert client.get(reverse("citizen-report-done")).status_code == 404


def test_the_clerk_sees_the_duplicate_warning_on_the_submitted_case(client, org, sms, login):
    earlier = intake_case(
        by=org["township_officer"],
        data=IntakeData(
            channel=Channel.VISIT,
            township=org.town_a,
            summary="张三反映邻居家漏水",
            parties=[PartyData(role=Party.Role.APPLICANT, name="张三", phone=PHONE)],
        ),
    )
    code = _code(client, sms)
    assert _report(client, _data(org.village_a1, code)).status_code == 302
    case = Case.objects.exclude(pk=earlier.pk).get()
    staff = login(org["township_officer"])
    page = staff.get(reverse("disputes-detail", args=[case.number])).content.decode()
    assert 'data-testid="duplicates"' in page and earlier.number in page
    # Once accepted, the warning has done its work.
    earlier_page = staff.get(reverse("disputes-detail", args=[earlier.number])).content.decode()
    assert 'data-testid="duplicates"' not in earlier_page


def test_the_home_page_offers_the_report(client):
    page = client.get(reverse("citizen-home")).content.decode()
    assert reverse("citizen-report") in page and "我要反映" in page


def test_a_report_is_saved_whole_or_not_at_all(org, settings):
    """A photo the attachment store refuses after the case row was written: nothing is left."""
    from django.core.exceptions import ValidationError

    from disputes.citizen_intake import submit_online_case
    from disputes.models import CaseSequence

    settings.ATTACHMENT_MAX_BYTES = 10  # the store's own check, inside the transaction
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    with pytest.raises(ValidationError):
        submit_online_case(
            name="张三",
            phone=PHONE,
            place=org.village_a1,
            summary="邻居家漏水到我家墙上，说了几次都不修。",
            plain_category="neighbour",
            mediation="online",
            photos=[photo],
        )
    assert not Case.objects.exists() and not Party.objects.exists() and not CaseCode.objects.exists()
    assert not CaseSequence.objects.filter(last__gt=0).exists()


def test_the_public_pages_run_a_fixed_number_of_queries(client, org, sms, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(reverse("citizen-report"), {"place": org.village_a1.code}).status_code == 200
    code = _code(client, sms)
    photos = [SimpleUploadedFile(f"{n}.png", PNG, content_type="image/png") for n in range(3)]
    # Limits, the SMS code, the intake (number, case, parties, key persons, flags) and 3 photos: 49.
    with django_assert_max_num_queries(52):
        answer = _report(client, _data(org.village_a1, code), photos=photos)
    assert answer.status_code == 302
    with django_assert_max_num_queries(3):
        assert client.get(answer["Location"]).status_code == 200
