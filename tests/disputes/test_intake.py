"""The intake form: one screen for a walk-in; bad input is explained in Chinese and saves nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes.models import Case, CaseEvent, Category, KeyPerson, Party, RiskLevel
from disputes.services import PartyData
from governance.models import Notification
from tests.disputes.conftest import VALID_ID, intake

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form_data(org, **overrides):
    data = {
        "channel": "visit",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "township": org.town_a.pk,
        "village": org.village_a1.pk,
        "grid": "",
        "place": "村口",
        "category": Category.objects.get(code="neighbourhood").pk,
        "risk_level": RiskLevel.objects.get(code="yellow").pk,
        "people_involved": "2",
        "amount": "",
        "summary": "宅基地界址争议",
        "demands": "恢复原状",
        "party-TOTAL_FORMS": "2",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "1",
        "party-MAX_NUM_FORMS": "20",
        "party-0-role": "applicant",
        "party-0-kind": "person",
        "party-0-name": "王五",
        "party-0-id_number": VALID_ID,
        "party-0-phone": "13700137000",
        "party-0-address": "",
        "party-1-role": "respondent",
        "party-1-kind": "person",
        "party-1-name": "赵六",
        "party-1-id_number": "",
        "party-1-phone": "",
        "party-1-address": "",
    }
    data.update(overrides)
    return data


def test_walk_in_is_registered_in_one_screen(org, login):
    client = login(org["township_officer"])
    assert client.get("/cases/new/").status_code == 200
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post("/cases/new/", {**form_data(org), "attachments": [upload]})
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.number}/"
    assert re.fullmatch(rf"{timezone.localdate().year}-001-00001", case.number)
    assert case.status == "registered" and case.registered_by == org["township_officer"]
    assert case.intake_unit == org.center_a
    applicant = case.parties.get(role="applicant")
    assert applicant.id_number_masked == "110***********002X"
    assert VALID_ID not in applicant.id_number_encrypted  # stored encrypted
    assert case.attachments.get().content_type == "image/png"
    assert case.parties.count() == 2


def test_blank_respondent_row_is_skipped(org, login):
    client = login(org["township_officer"])
    response = client.post("/cases/new/", form_data(org, **{"party-1-name": ""}))
    assert response.status_code == 302
    assert Case.objects.get().parties.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"party-0-id_number": "110105194912310021"}, "校验位不正确"),
        ({"party-0-id_number": "11010519491331002X"}, "出生日期不存在"),
        ({"party-0-id_number": "12345"}, "身份证号码应为18位"),
        ({"party-0-phone": "12345"}, "11位手机号码"),
        ({"category": "99999"}, "所选项不存在"),
        ({"risk_level": ""}, "此项为必填项"),
        ({"summary": ""}, "此项为必填项"),
        ({"people_involved": "abc"}, "请输入数字"),
        ({"party-0-role": "respondent"}, "请至少填写一名申请人"),
        ({"village": "999999"}, "所选项不存在"),
        ({"received_at": "2099-01-01T08:00"}, "收到时间不能晚于现在"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(org, login, overrides, message):
    client = login(org["township_officer"])
    response = client.post("/cases/new/", form_data(org, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "登记未保存" in response.content.decode() or "请至少填写一名申请人" in response.content.decode()
    assert not Case.objects.exists() and not Party.objects.exists()


def test_village_of_another_township_is_refused(org, login):
    client = login(org["county_officer"])
    response = client.post("/cases/new/", form_data(org, village=org.village_b1.pk))
    assert "所选村（社区）不属于该镇（街道）" in response.content.decode()
    assert not Case.objects.exists()


def test_a_20_mb_file_is_refused_and_nothing_saved(org, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(org["township_officer"])
    big = SimpleUploadedFile("大文件.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), content_type="application/pdf")
    response = client.post("/cases/new/", {**form_data(org), "attachments": [big]})
    assert response.status_code == 200
    assert "超过了 10 MB 的上限" in response.content.decode()
    assert not Case.objects.exists() and not Party.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_disguised_file_is_refused(org, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(org["township_officer"])
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 this is an exe", content_type="image/jpeg")
    response = client.post("/cases/new/", {**form_data(org), "attachments": [fake]})
    assert "类型不支持" in response.content.decode()
    assert not Case.objects.exists()


def test_township_officer_cannot_register_for_another_township(org, login):
    client = login(org["township_officer"])
    response = client.post("/cases/new/", form_data(org, township=org.town_b.pk, village=org.village_b1.pk))
    assert "所选项不存在" in response.content.decode()
    assert not Case.objects.exists()


def test_duplicates_are_shown_and_need_confirmation(org, login):
    earlier = intake(org)  # same applicant ID as the form
    client = login(org["township_officer"])
    response = client.post("/cases/new/", form_data(org))
    body = response.content.decode()
    assert response.status_code == 200 and "可能重复" in body and earlier.number in body
    assert Case.objects.count() == 1
    response = client.post("/cases/new/", form_data(org, confirm_not_duplicate="on"))
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_same_grid_and_category_is_a_possible_duplicate(org, login):
    grid = org.village_a1.grids.first()
    earlier = intake(org, grid=grid, parties=[PartyData(role="applicant", name="孙七")])
    client = login(org["township_officer"])
    response = client.post(
        "/cases/new/",
        form_data(org, grid=grid.pk, **{"party-0-id_number": "", "party-0-phone": "13600136000"}),
    )
    assert "可能重复" in response.content.decode() and earlier.number in response.content.decode()


def test_third_case_in_a_year_marks_a_key_person(org):
    intake(org)
    intake(org)
    assert not KeyPerson.objects.exists()
    third = intake(org)
    entry = KeyPerson.objects.get(name="张三")  # one entry, from the case that made the rule fire
    assert entry.party == third.parties.get(role="applicant") and entry.case == third
    assert entry.source == "rule" and entry.state == "active" and entry.marked_by is None
    assert set(KeyPerson.objects.values_list("name", flat=True)) == {"张三", "李四"}
    intake(org)  # a fourth case: both are already listed
    assert KeyPerson.objects.count() == 2


def test_flags_notify_police_and_report_upward(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = intake(org, may_turn_criminal=True, people_involved=8)
    actions = set(case.events.values_list("action", flat=True))
    assert {CaseEvent.Action.NOTIFY_POLICE, CaseEvent.Action.REPORT_UPWARD} <= actions
    assert Notification.objects.filter(unit=org.police_a).exists()
    assert Notification.objects.filter(unit=org.county_center).exists()
    quiet = intake(org)
    assert not quiet.events.filter(action__in=["notify_police", "report_upward"]).exists()


def test_numbers_follow_the_township_sequence(org):
    first, second = intake(org), intake(org)
    assert first.number.endswith("-001-00001") and second.number.endswith("-001-00002")


def test_grid_worker_and_handler_cannot_open_intake(org, login):
    assert login(org["police"]).get("/cases/new/").status_code == 403
    assert login(org["grid_worker"]).get("/cases/new/").status_code == 403
