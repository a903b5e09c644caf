"""重点人员 at intake and on the case page (issue 15, finding 8): the intake form asks the register
as the clerk types an ID or phone number (a JSON POST, scoped and audited like the register), and
the case page links a key person to his entry, his other cases and the last contact — for those
who may see the register."""

from __future__ import annotations

import pytest
from django.utils import timezone

from disputes.models import KeyPerson, Status
from governance.models import AuditEvent
from tests.disputes.conftest import VALID_ID, advance, intake

CHECK = "/cases/key-persons/check/"


@pytest.fixture
def listed_case(org):
    """张三 (VALID_ID, 13800138000) in three cases of 甲镇: the intake rule listed him on the third."""
    intake(org, channel="hotline_12345")
    intake(org)
    return advance(org, intake(org), Status.IN_PROGRESS)


def test_intake_check_finds_a_listed_id_or_phone_and_audits_it(org, login, listed_case):
    entry = KeyPerson.objects.get(name="张三")
    client = login(org["township_officer"])
    by_id = client.post(CHECK, {"id_number": VALID_ID.lower(), "phone": ""}).json()["entries"]
    assert [(e["name"], e["township"]) for e in by_id] == [("张三", "甲镇")]
    assert by_id[0]["url"] == f"/cases/key-persons/?entry={entry.pk}" and by_id[0]["reason"]
    assert [e["name"] for e in client.post(CHECK, {"phone": "138 0013 8000"}).json()["entries"]] == ["张三"]
    assert client.post(CHECK, {"phone": "13700137000"}).json() == {"entries": []}
    events = AuditEvent.objects.filter(action="key_person_view", user=org["township_officer"])
    assert events.count() == 3
    assert VALID_ID not in " ".join(events.values_list("detail", flat=True))  # the count, never the number


def test_intake_check_is_scoped_refused_and_explains_bad_numbers(org, login, listed_case):
    assert login(org["outsider"]).post(CHECK, {"id_number": VALID_ID}).json() == {"entries": []}  # 乙镇
    assert login(org["police"]).post(CHECK, {"id_number": VALID_ID}).status_code == 403
    county = login(org["county_officer"])
    assert county.get(CHECK).status_code == 405  # a number never travels in an address
    bad = county.post(CHECK, {"id_number": "110105194912310021"})
    assert bad.status_code == 400 and "校验位不正确" in bad.json()["error"]


def test_case_page_links_a_key_person_to_his_entry_cases_and_last_contact(org, login, listed_case):
    entry = KeyPerson.objects.get(name="张三")
    others = listed_case.__class__.objects.exclude(pk=listed_case.pk).order_by("-received_at")
    body = login(org["township_officer"]).get(f"/cases/{listed_case.number}/").content.decode()
    assert f'href="/cases/key-persons/?entry={entry.pk}"' in body
    assert all(f'href="/cases/{case.number}/"' in body for case in others)
    assert "其他案件 2 件" in body and f"最近一次：{timezone.localtime(others[0].received_at):%Y-%m-%d}" in body
    register = login(org["township_leader"]).get(f"/cases/key-persons/?entry={entry.pk}").content.decode()
    assert register.count('data-testid="key-person-row"') == 1 and "张三" in register
    police = login(org["police"]).get(f"/cases/{listed_case.number}/").content.decode()
    assert "key-person-facts" not in police and "其他案件" not in police


def test_case_page_key_person_facts_cost_a_fixed_number_of_queries(org, login, django_assert_max_num_queries):
    cases = [intake(org) for _ in range(3)]
    client = login(org["township_officer"])
    with django_assert_max_num_queries(200) as few:
        client.get(f"/cases/{cases[-1].number}/")
    cases += [intake(org) for _ in range(4)]
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "其他案件 6 件" in client.get(f"/cases/{cases[-1].number}/").content.decode()


def test_intake_check_costs_a_fixed_number_of_queries(org, login, listed_case, django_assert_max_num_queries):
    client = login(org["county_officer"])
    with django_assert_max_num_queries(8):
        assert len(client.post(CHECK, {"id_number": VALID_ID, "phone": "13800138000"}).json()["entries"]) == 1
