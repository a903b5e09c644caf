from disputes.models import Status
from governance.models import AuditEvent
from tests.disputes.conftest import VALID_ID


def test_center_reveals_with_a_reason_and_it_is_audited(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    party = case.parties.get(role="applicant")
    client = login(org["township_officer"])
    assert "查看完整信息" in client.get(f"/cases/{case.number}/").content.decode()
    url = f"/cases/{case.number}/parties/{party.pk}/reveal/"
    empty = client.post(url, {"reason": ""})
    assert "此项为必填项" in empty.content.decode() and VALID_ID not in empty.content.decode()
    assert not AuditEvent.objects.filter(action="reveal").exists()
    response = client.post(url, {"reason": "电话回访核对号码"})
    body = response.content.decode()
    assert VALID_ID in body and "13800138000" in body
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="reveal")
    assert event.user == org["township_officer"] and "电话回访核对号码" in event.detail


def test_handlers_and_outsiders_cannot_reveal(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    party = case.parties.get(role="applicant")
    url = f"/cases/{case.number}/parties/{party.pk}/reveal/"
    police = login(org["police"])
    assert "查看完整信息" not in police.get(f"/cases/{case.number}/").content.decode()
    response = police.post(url, {"reason": "想看看"}, follow=True)
    assert VALID_ID not in response.content.decode() and "无权查看" in response.content.decode()
    assert login(org["outsider"]).post(url, {"reason": "x"}).status_code == 404
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveals_are_limited_per_person_per_hour_and_the_refusal_is_audited(org, login, make_case, settings):
    import time_machine
    from django.utils import timezone

    settings.REVEAL_LIMIT_PER_HOUR = 3
    case = make_case(Status.IN_PROGRESS)
    party = case.parties.get(role="applicant")
    url = f"/cases/{case.number}/parties/{party.pk}/reveal/"
    client = login(org["township_officer"])
    for _n in range(3):
        assert VALID_ID in client.post(url, {"reason": "核对"}).content.decode()
    refused = client.post(url, {"reason": "再看一次"}, follow=True).content.decode()
    assert VALID_ID not in refused and "已达 3 次上限" in refused
    assert AuditEvent.objects.filter(action="reveal").count() == 3
    denial = AuditEvent.objects.get(action="access_denied")
    assert denial.user == org["township_officer"] and case.number in denial.detail
    # Another person has their own allowance; an hour later the first one has theirs back.
    assert VALID_ID in login(org["county_officer"]).post(url, {"reason": "核对"}).content.decode()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=61)):
        client.force_login(org["township_officer"])  # the idle logout ended the session meanwhile
        assert VALID_ID in client.post(url, {"reason": "核对"}).content.decode()
