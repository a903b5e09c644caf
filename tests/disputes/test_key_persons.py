"""重点人员名单: the badge and the register only for the centers and leaders of the jurisdiction;
marking, removing and viewing are audited, with who, why and when kept on the entry."""

from __future__ import annotations

import pytest

from disputes.models import KeyPerson, Status
from governance.models import AuditEvent
from tests.disputes.conftest import advance, intake

REGISTER = "/cases/key-persons/"


@pytest.fixture
def listed_case(org):
    """A case dispatched to the police whose applicant the intake rule listed (third case in a year)."""
    intake(org)
    intake(org)
    return advance(org, intake(org), Status.IN_PROGRESS)


def test_only_centers_and_leaders_see_the_badge_and_the_register(org, login, listed_case):
    detail = f"/cases/{listed_case.number}/"
    for persona in ("township_officer", "county_officer", "township_leader"):
        client = login(org[persona])
        assert 'data-testid="key-person-badge"' in client.get(detail).content.decode(), persona
        assert "张三" in client.get(REGISTER).content.decode(), persona
    for persona in ("police",):
        client = login(org[persona])
        body = client.get(detail).content.decode()
        assert client.get(detail).status_code == 200 and "重点人员" not in body, persona
        assert client.get(REGISTER).status_code == 403
    outsider = login(org["outsider"])
    assert "张三" not in outsider.get(REGISTER).content.decode()  # another township's register


def test_viewing_the_register_is_audited(org, login, listed_case):
    login(org["township_leader"]).get(REGISTER)
    event = AuditEvent.objects.get(action="key_person_view")
    assert event.user == org["township_leader"] and event.path == REGISTER


def test_a_clerk_marks_with_a_reason_and_removes_with_a_reason(org, login):
    case = intake(org)
    respondent = case.parties.get(role="respondent")
    client = login(org["township_officer"])
    url = f"/cases/{case.number}/parties/{respondent.pk}/key-person/"
    refused = client.post(url, {"reason": " "}, follow=True)
    assert "请写明列为重点人员的理由" in refused.content.decode() and not KeyPerson.objects.exists()

    client.post(url, {"reason": "多次到镇政府缠访"})
    entry = KeyPerson.objects.get()
    assert (entry.party, entry.case, entry.source, entry.state) == (respondent, case, "manual", "active")
    assert entry.marked_by == org["township_officer"] and entry.reason == "多次到镇政府缠访"
    marked = AuditEvent.objects.get(action="key_person")
    # The auditor learns which register entry changed, never the person or the reason (三权分立).
    assert marked.detail == f"列入 重点人员登记#{entry.pk}" and "李四" not in marked.detail
    assert "已在重点人员名单" in client.post(url, {"reason": "再次"}, follow=True).content.decode()

    client.post(f"{REGISTER}{entry.pk}/remove/", {"reason": "矛盾已化解，半年无新纠纷"})
    entry.refresh_from_db()
    assert entry.state == "removed" and entry.removed_by == org["township_officer"]
    assert entry.removal_reason == "矛盾已化解，半年无新纠纷" and entry.removed_at is not None
    assert AuditEvent.objects.filter(action="key_person", detail=f"撤销 重点人员登记#{entry.pk}").exists()
    assert 'data-testid="key-person-badge"' not in client.get(f"/cases/{case.number}/").content.decode()
    assert entry.history.count() == 2  # who changed what


def test_handlers_and_leaders_cannot_mark_or_remove(org, login, listed_case):
    entry = KeyPerson.objects.get(name="张三")
    entry.state = KeyPerson.State.REMOVED  # so that 张三 could be marked again
    entry.save()
    party = listed_case.parties.get(role="applicant")
    url = f"/cases/{listed_case.number}/parties/{party.pk}/key-person/"
    login(org["police"]).post(url, {"reason": "想标记"})
    leader = login(org["township_leader"])
    leader.post(url, {"reason": "想标记"})
    assert not KeyPerson.objects.active().filter(party=party).exists()
    entry = KeyPerson.objects.get(name="李四")  # the respondent is in three cases too
    leader.post(f"{REGISTER}{entry.pk}/remove/", {"reason": "x"})
    entry.refresh_from_db()
    assert entry.state == "active"
    assert login(org["outsider"]).post(f"{REGISTER}{entry.pk}/remove/", {"reason": "x"}).status_code == 404


def test_the_register_offers_removal_to_the_centers_clerks_only(org, login, listed_case):
    for persona in ("township_officer", "county_officer"):
        assert 'data-testid="key-person-remove"' in login(org[persona]).get(REGISTER).content.decode(), persona
    for persona in ("township_leader", "leader"):
        body = login(org[persona]).get(REGISTER).content.decode()
        assert "张三" in body and 'data-testid="key-person-remove"' not in body, persona


def test_the_register_runs_a_fixed_number_of_queries(org, login, django_assert_max_num_queries):
    from disputes import key_persons

    def mark(n: int) -> None:
        for _ in range(n):
            case = intake(org)
            party = case.parties.get(role="respondent")
            key_persons.mark_key_person(case=case, party=party, by=org["township_officer"], reason="多次缠访")

    client = login(org["township_officer"])
    mark(2)
    with django_assert_max_num_queries(20) as small:
        assert client.get(REGISTER).content.decode().count("多次缠访") == 2
    mark(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(REGISTER).content.decode().count("多次缠访") == 10
