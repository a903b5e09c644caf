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
