from django.core import mail

from governance.delivery import deliver_pending
from governance.models import Delivery, Notification
from tests.factories import make_user


class FailingGateway:
    def send(self, phone, text):
        raise ConnectionError("gateway down")


def test_unit_notice_goes_out_by_email_and_sms_once(org):
    police = org["police"]
    police.email, police.phone = "police@example.cn", "13800138000"
    police.save()
    make_user("police2", "handler", org.police_a)  # no email, no phone: nothing to send
    Notification.objects.create(unit=org.police_a, title="新转办案件：2026-001-00001", body="请签收")
    assert deliver_pending() == 1
    assert [m.to for m in mail.outbox] == [["police@example.cn"]]
    deliveries = {d.channel: d for d in Delivery.objects.all()}
    assert set(deliveries) == {"email", "sms"}
    assert deliveries["sms"].address == "138****8000" and deliveries["sms"].result == "sent"
    assert deliver_pending() == 0  # claimed once
    assert Delivery.objects.count() == 2


def test_a_failed_gateway_is_recorded(org, settings):
    settings.SMS_GATEWAY = "tests.governance.test_delivery.FailingGateway"
    org["mediator"].phone = "13900139000"
    org["mediator"].save()
    Notification.objects.create(user=org["mediator"], title="只给调解员")
    deliver_pending()
    delivery = Delivery.objects.get()
    assert delivery.result == "failed" and "gateway down" in delivery.detail


def test_channels_can_be_switched_off(org, settings):
    settings.NOTIFICATION_CHANNELS = []
    Notification.objects.create(user=org["mediator"], title="x")
    assert deliver_pending() == 0
    assert Notification.objects.get().dispatched_at is None
