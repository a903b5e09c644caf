"""三权分立: the three administrators belong to the county center's unit, yet get none of its
business notices — not in the inbox, not in the unread count, not by email or SMS."""

from governance.delivery import deliver_pending
from governance.models import Delivery, Notification


def test_administrators_get_no_business_notices(org, login):
    Notification.objects.create(unit=org.county_center, title="红牌：2026-001-00001 逾期", body="张三与李四宅基地纠纷")
    Notification.objects.create(user=org["auditor"], title="每日汇总")
    for persona in ("sysadmin", "security_admin", "auditor"):
        admin = org[persona]
        assert Notification.objects.for_user(admin).count() == 0
        assert Notification.objects.unread_by(admin).count() == 0
        page = login(admin).get("/inbox/").content.decode()
        assert "红牌" not in page and "每日汇总" not in page
    county = login(org["county_officer"])
    assert "红牌：2026-001-00001" in county.get("/inbox/").content.decode()


def test_administrators_get_no_email_or_sms(org):
    for persona in ("county_officer", "sysadmin", "security_admin", "auditor"):
        user = org[persona]
        user.email, user.phone = f"{persona}@example.cn", "13800138000"
        user.save()
    Notification.objects.create(unit=org.county_center, title="红牌：2026-001-00001 逾期")
    Notification.objects.create(user=org["security_admin"], title="每日汇总")
    assert deliver_pending() == 2
    assert set(Delivery.objects.values_list("user__username", flat=True)) == {"county_officer"}
