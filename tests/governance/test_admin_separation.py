"""三权分立: the three administrators see no business data by any path — not in the inbox, not by
email or SMS — and a view-only administrator cannot write through django-simple-history's page."""

from governance.delivery import recipients
from governance.models import Notification, Unit


def test_administrators_in_a_unit_get_none_of_its_notices(org, client):
    notice = Notification.objects.create(unit=org.county_center, title="案件2026-001-00009逾期红牌", url="/cases/")
    client.force_login(org["county_officer"])
    assert "案件2026-001-00009逾期红牌" in client.get("/inbox/").content.decode()
    for name in ("sysadmin", "security_admin", "auditor"):  # all three belong to the county center
        admin = org[name]
        client.force_login(admin)
        body = client.get("/inbox/").content.decode()
        assert "案件2026-001-00009逾期红牌" not in body, name
        assert not Notification.objects.unread_by(admin).exists(), name
        assert client.post(f"/inbox/{notice.pk}/read/").status_code == 404, name


def test_a_unit_notice_is_sent_to_its_business_staff_only(org):
    notice = Notification.objects.create(unit=org.county_center, title="案件逾期红牌")
    assert recipients(notice) == [org["county_officer"]]


def test_a_view_only_administrator_cannot_save_a_past_version(org, client):
    unit = org.police_a
    unit.name = "甲镇派出所（改名前）"
    unit.save()
    version = unit.history.order_by("history_id").first()
    url = f"/admin/governance/unit/{unit.pk}/history/{version.history_id}/"
    form = {"code": unit.code, "name": "被安全管理员改名", "kind": unit.kind, "sector": unit.sector}
    form |= {"region": unit.region_id, "parent": "", "phone": "", "is_active": "on"}

    client.force_login(org["security_admin"])  # may view units (accounts need them), not change them
    assert client.get(url).status_code == 200
    assert client.post(url, form).status_code == 403
    assert Unit.objects.get(pk=unit.pk).name == "甲镇派出所（改名前）"

    client.force_login(org["sysadmin"])  # keeps the units: may revert
    assert client.post(url, form).status_code == 302
    assert Unit.objects.get(pk=unit.pk).name == "被安全管理员改名"
