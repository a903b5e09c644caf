"""Sending in-app notices outside the application: email through Django's mail backend, and SMS
through a pluggable gateway (a logging one by default; a real provider is a class named in
SMS_GATEWAY). Delivery runs from the database: each run claims undispatched notices with a
conditional update, so a notice goes out once even with two workers, and nothing is lost when
the broker was down — the next run picks up what is left."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from governance.crypto import mask
from governance.models import Delivery, Notification, User

log = logging.getLogger(__name__)
BATCH = 200


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send; return the provider's message id; raise on failure."""


class LoggingSmsGateway:
    """Writes the message to the log instead of sending it (development, or no provider yet)."""

    def send(self, phone: str, text: str) -> str:
        log.info("SMS to %s: %s", mask(phone), text)
        return "logged"


def sms_gateway() -> SmsGateway:
    return import_string(settings.SMS_GATEWAY)()


def recipients(notice: Notification) -> list[User]:
    """The active people a notice is for: the person it names, or the business staff of its unit;
    never an administrator (三权分立: `receiving_notices`)."""
    people = User.objects.filter(pk=notice.user_id) if notice.user_id else User.objects.unit_audience(notice.unit_id)
    return list(people.filter(pk__in=User.objects.receiving_notices().values("pk"), is_active=True))


def deliver(notice: Notification) -> list[Delivery]:
    text = f"【{settings.SITE_TITLE}】{notice.title}"
    rows = []
    for user in recipients(notice):
        if "email" in settings.NOTIFICATION_CHANNELS and user.email:
            rows.append(_attempt(notice, user, Delivery.Channel.EMAIL, user.email, lambda u=user: _email(notice, u)))
        if "sms" in settings.NOTIFICATION_CHANNELS and user.phone:
            rows.append(
                _attempt(
                    notice,
                    user,
                    Delivery.Channel.SMS,
                    mask(user.phone),
                    lambda u=user: sms_gateway().send(u.phone, text),
                )
            )
    Delivery.objects.bulk_create(rows)
    return rows


def _email(notice: Notification, user: User) -> str:
    body = notice.body + (f"\n\n{settings.SITE_URL}{notice.url}" if notice.url and settings.SITE_URL else "")
    send_mail(notice.title, body, None, [user.email])
    return "ok"


def _attempt(notice: Notification, user: User, channel: str, address: str, send) -> Delivery:
    try:
        detail, result = str(send())[:255], Delivery.Result.SENT
    except Exception as exc:  # a failed send is recorded, never fatal for the others
        detail, result = f"{exc.__class__.__name__}: {exc}"[:255], Delivery.Result.FAILED
    return Delivery(notification=notice, user=user, channel=channel, address=address, result=result, detail=detail)


def deliver_pending() -> int:
    """Claim and send the notices not yet dispatched; returns how many were claimed."""
    if not settings.NOTIFICATION_CHANNELS:
        return 0
    claimed = 0
    for pk in list(
        Notification.objects.filter(dispatched_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:BATCH]
    ):
        # The conditional update is the claim: only one run gets 1 back.
        if Notification.objects.filter(pk=pk, dispatched_at__isnull=True).update(dispatched_at=timezone.now()) != 1:
            continue
        deliver(Notification.objects.get(pk=pk))
        claimed += 1
    return claimed
