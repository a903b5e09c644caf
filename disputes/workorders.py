"""Work orders from other systems (12345, 110, 信访, 法院), in one place: checking a source's
signature, storing the raw order before anything else (one per source and order id), turning it
into a case in 待受理, writing the answers the source is owed in the same transaction as each step
(an outbox), and sending them, signed, with retries.

The signature: HMAC over `order_id`, the timestamp and the raw body, joined by newlines, with the
source's secret (two may be active, for rotation); SHA-256 by default, SM3 (国密) for a source that
asks for it. A request more than WINDOW seconds away from our clock is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from disputes.models import (
    Callback,
    Case,
    CaseEvent,
    Category,
    InboundOrder,
    Party,
    Step,
    WorkOrderSource,
)
from governance.bounds import EARLIEST_DATE, LATEST_DATE
from governance.crypto import decrypt, encrypt
from grids.models import Region

log = logging.getLogger(__name__)

WINDOW = 300  # seconds a signed request may be away from our clock
MAX_BODY_BYTES = 64 * 1024
DIGESTS = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}

# The fields an order may carry, with their longest length (text) — anything else is refused.
FIELDS = {
    "order_id": 64,
    "category": 60,
    "description": 5000,
    "reporter": 50,
    "phone": 20,
    "place": None,  # {"township", "village", "address"}
    "deadline": 40,
    "urgency": 20,
    "received_at": 40,
}
REQUIRED = ("order_id", "category", "description")
PLACE_FIELDS = {"township": 60, "village": 60, "address": 200}

# Our timeline's steps the sources hear about.
STEPS = {
    CaseEvent.Action.ACCEPT: Step.ACCEPT,
    CaseEvent.Action.REJECT: Step.RETURN,
    CaseEvent.Action.EXTENSION_REQUEST: Step.EXTENSION,
    CaseEvent.Action.APPROVE: Step.CLOSE,
    CaseEvent.Action.SETTLE: Step.CLOSE,
    CaseEvent.Action.VISIT: Step.VISIT,
}


class Refused(Exception):
    """A request the API answers with a 4xx: `status` and the reason, in words for the sender."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


# --- Secrets and signatures -------------------------------------------------------------------


def algorithm_available(algorithm: str) -> bool:
    """SM3 comes from the OpenSSL the Python runs on; say so when it is missing, do not guess."""
    digest = DIGESTS.get(algorithm)
    return digest is not None and digest in hashlib.algorithms_available


def signature(algorithm: str, secret: str, order_id: str, timestamp: str, body: bytes) -> str:
    message = f"{order_id}\n{timestamp}\n".encode() + body
    return hmac.new(secret.encode(), message, DIGESTS[algorithm]).hexdigest()


def new_secret(source: WorkOrderSource) -> str:
    """A fresh secret for the source; the one before stays valid until the next rotation. Returns
    the secret in clear: the only time anyone sees it."""
    secret = secrets.token_urlsafe(32)
    source.previous_secret_encrypted = source.secret_encrypted
    source.secret_encrypted = encrypt(secret)
    source.secret_set_at = timezone.now()
    source.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "secret_set_at"])
    return secret


def check_signature(source: WorkOrderSource, *, order_id: str, timestamp: str, given: str, body: bytes) -> None:
    if not algorithm_available(source.algorithm):
        raise Refused(503, _("本系统的密码库不支持该来源配置的签名算法 %(a)s。") % {"a": source.algorithm})
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        raise Refused(401, _("缺少或无效的时间戳（X-Timestamp，Unix 秒）。")) from None
    if abs(timezone.now().timestamp() - moment) > WINDOW:
        raise Refused(401, _("请求时间与本系统时间相差超过 5 分钟，已拒绝。"))
    given = (given or "").strip().lower()
    ok = False
    for stored in (source.secret_encrypted, source.previous_secret_encrypted):
        secret = decrypt(stored)
        if secret and hmac.compare_digest(
            signature(source.algorithm, secret, order_id, timestamp, body).encode(), given.encode()
        ):
            ok = True
    if not ok:
        raise Refused(401, _("签名不正确。"))


# --- Receiving ---------------------------------------------------------------------------------


def parse_order(body: bytes) -> dict:
    """The order as JSON, every field known, bounded and of the right type; else Refused(400)."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, _("报文超过 %(n)d KB。") % {"n": MAX_BODY_BYTES // 1024})
    if b"\x00" in body:
        raise Refused(400, _("报文含有空字符（NUL）。"))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, _("报文不是有效的 UTF-8 JSON。")) from None
    if not isinstance(data, dict):
        raise Refused(400, _("报文应为一个 JSON 对象。"))
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise Refused(400, _("未知字段：%(f)s。") % {"f": "、".join(unknown)[:200]})
    missing = [name for name in REQUIRED if not data.get(name)]
    if missing:
        raise Refused(400, _("缺少必填字段：%(f)s。") % {"f": "、".join(missing)})
    for name, longest in FIELDS.items():
        value = data.get(name)
        if value is None or longest is None:
            continue
        if not isinstance(value, str):
            raise Refused(400, _("字段 %(f)s 应为字符串。") % {"f": name})
        if len(value) > longest:
            raise Refused(400, _("字段 %(f)s 超过 %(n)d 个字符。") % {"f": name, "n": longest})
        if "\x00" in value:
            raise Refused(400, _("报文含有空字符（NUL）。"))
    place = data.get("place")
    if place is not None:
        if not isinstance(place, dict) or set(place) - set(PLACE_FIELDS):
            raise Refused(400, _("字段 place 只能包含 township、village、address。"))
        for name, longest in PLACE_FIELDS.items():
            value = place.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > longest or "\x00" in value):
                raise Refused(400, _("字段 place.%(f)s 应为不超过 %(n)d 个字符的字符串。") % {"f": name, "n": longest})
    for name in ("deadline", "received_at"):
        if data.get(name):
            _moment(data[name], name)
    return data


def _moment(value: str, name: str) -> datetime:
    try:
        moment = parse_datetime(value) if value else None
    except ValueError:  # well formed but no such moment (month 13, 30 February): not a 500
        moment = None
    if moment is None:
        raise Refused(400, _("字段 %(f)s 不是有效的时间（ISO 8601）。") % {"f": name})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
        raise Refused(400, _("字段 %(f)s 超出 1900—2100 年。") % {"f": name})
    return moment


def receive(source: WorkOrderSource, *, order_id: str, body: bytes) -> tuple[InboundOrder, bool]:
    """Store the order as it came, once per (source, order id): (order, created). The same id with
    another body is Refused(409). The unique constraint decides between parallel posts."""
    data = parse_order(body)
    if data["order_id"] != order_id:
        raise Refused(400, _("报文中的 order_id 与请求头 X-Order-Id 不一致。"))
    digest = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            order = InboundOrder.objects.create(
                source=source, order_id=order_id, body=body.decode("utf-8"), body_sha256=digest
            )
    except IntegrityError:
        order = InboundOrder.objects.get(source=source, order_id=order_id)
        if order.body_sha256 != digest:
            raise Refused(409, _("同一工单号已收到不同内容的报文。")) from None
        return order, False
    transaction.on_commit(lambda: _queue(order.pk))
    return order, True


def _queue(pk: int) -> None:
    """Process in a worker; when the broker is down the beat's sweep picks the order up later."""
    from disputes.tasks import process_work_order

    try:
        process_work_order.delay(pk)
    except Exception:  # the broker is an optimisation: the sweep finds orders still received
        log.warning("work order %s not queued; the sweep will process it", pk, exc_info=True)


# --- Into the workflow ---------------------------------------------------------------------------


@dataclass
class Corrections:
    """What a clerk fixes by hand on a failed order before replaying it."""

    category: Category | None = None
    township: Region | None = None


def _township(source: WorkOrderSource, place: dict, fix: Corrections) -> tuple[Region, Region | None]:
    if fix.township is not None:
        return fix.township, None
    county = source.center.region
    wanted = (place.get("township") or "").strip()
    towns = Region.objects.filter(level=Region.Level.TOWNSHIP, code__startswith=county.code[:6])
    township = None
    if wanted:
        township = towns.filter(code=wanted).first() or towns.filter(name=wanted).first()
        if township is None:
            raise ValidationError(_("地点“%(p)s”对应不到本县的镇（街道）。") % {"p": wanted})
    elif county.level == Region.Level.TOWNSHIP:
        township = county
    else:
        raise ValidationError(_("工单没有写明镇（街道），县级来源的工单必须写明。"))
    village_name = (place.get("village") or "").strip()
    village = township.children.filter(name=village_name).first() if village_name else None
    return township, village


def _category(source: WorkOrderSource, code: str, fix: Corrections) -> Category:
    if fix.category is not None:
        return fix.category
    ours = source.category_map.get(code)
    category = Category.objects.filter(code=ours, is_active=True).first() if ours else None
    if category is None:
        raise ValidationError(_("来源类别代码“%(c)s”没有对应的纠纷类别，请先在工单来源中配置类别映射。") % {"c": code})
    return category


def process(order: InboundOrder, fix: Corrections | None = None) -> InboundOrder:
    """Turn a received (or failed, being replayed) order into a case in 待受理 at the source's
    center; an order that cannot be mapped is kept as failed with the reason."""
    from disputes.services import IntakeData, PartyData, register_work_order

    fix = fix or Corrections()
    with transaction.atomic():
        order = InboundOrder.objects.select_for_update().select_related("source__center__region").get(pk=order.pk)
        if order.state == InboundOrder.State.DONE:
            return order
        data = json.loads(order.body)
        try:
            township, village = _township(order.source, data.get("place") or {}, fix)
            category = _category(order.source, data["category"], fix)
            parties = [
                PartyData(
                    role=Party.Role.APPLICANT,
                    name=(data.get("reporter") or "").strip() or _("匿名反映人"),
                    phone=_phone(data.get("phone")),
                )
            ]
            case = register_work_order(
                source=order.source,
                data=IntakeData(
                    channel=order.source.channel,
                    township=township,
                    village=village,
                    place=((data.get("place") or {}).get("address") or "")[:200],
                    category=category,
                    summary=data["description"],
                    parties=parties,
                    source_ref=order.order_id[:40],
                    received_at=_moment(data["received_at"], "received_at") if data.get("received_at") else None,
                ),
            )
        except (ValidationError, Refused) as problem:
            first_failure = order.state == InboundOrder.State.RECEIVED
            order.state, order.reason = InboundOrder.State.FAILED, _reason(problem)
            order.processed_at = timezone.now()
            order.save(update_fields=["state", "reason", "processed_at"])
            if first_failure:
                _tell_center(order)
            return order
        order.case, order.state, order.reason = case, InboundOrder.State.DONE, ""
        order.source_category = data["category"]
        order.source_deadline = _moment(data["deadline"], "deadline") if data.get("deadline") else None
        order.urgency = data.get("urgency") or ""
        order.processed_at = timezone.now()
        order.save()
    return order


def _tell_center(order: InboundOrder) -> None:
    """The receiving center hears of an order it must correct (the order's page, its reason)."""
    from django.urls import reverse

    from governance.models import Notification

    Notification.objects.create(
        unit=order.source.center,
        title=_("来源工单处理失败：%(s)s %(id)s") % {"s": order.source.name, "id": order.order_id},
        body=order.reason[:500],
        url=reverse("disputes-work-order", args=[order.pk]),
    )


def _phone(raw: str | None) -> str:
    from governance.validators import validate_phone

    try:
        return validate_phone(raw) if raw else ""
    except ValidationError:
        return ""  # an odd number is not a reason to lose the order; the clerk calls back by the source


def _reason(problem: Exception) -> str:
    if isinstance(problem, Refused):
        return problem.reason
    messages = problem.messages if isinstance(problem, ValidationError) else [str(problem)]
    return "；".join(str(m) for m in messages)[:1000]


def sweep() -> int:
    """Orders received more than a minute ago and still waiting (the broker was down): process them."""
    stale = timezone.now() - timedelta(minutes=1)
    done = 0
    for order in InboundOrder.objects.filter(state=InboundOrder.State.RECEIVED, received_at__lt=stale)[:100]:
        process(order)
        done += 1
    return done


# --- Answering ---------------------------------------------------------------------------------


def on_step(case: Case, event: CaseEvent) -> None:
    """Called by disputes.services for every step, inside its transaction: a step the case's
    source wants to hear about becomes a callback row (the outbox)."""
    step = STEPS.get(event.action)
    if step is None or not case.source_ref:
        return
    order = InboundOrder.objects.filter(case=case).select_related("source").first()
    # A source without a callback address polls instead (GET …/orders/<id>).
    if order is None or step not in order.source.status_map or not order.source.callback_url:
        return
    Callback.objects.create(order=order, step=step, payload=_payload(order, case, step, event))


def _payload(order: InboundOrder, case: Case, step: str, event: CaseEvent) -> dict:
    payload = {
        "order_id": order.order_id,
        "case_number": case.number,
        "step": step,
        "status": order.source.status_map[step],
        "at": timezone.localtime(event.at).isoformat(),
    }
    if step == Step.RETURN:
        payload["reason"] = case.get_reject_reason_display() or event.note
        payload["route"] = case.reject_route
    elif step == Step.EXTENSION:
        payload["reason"] = event.note
        payload["days"] = event.data.get("days")
    elif step == Step.CLOSE:
        payload["result"] = case.get_outcome_display()
        payload["reply"] = case.outcome_summary
    elif step == Step.VISIT:
        payload["satisfaction"] = case.get_satisfaction_display()
        payload["result"] = event.note
    return payload


RETRY_STATUSES = {429} | set(range(500, 600))


def send_due(now: datetime | None = None) -> dict[str, int]:
    """Send the callbacks that are due, one by one under a row lock (a second sender skips them).
    A crash between the step and the send loses nothing: the row waits in the table."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "dead": 0}
    due = Callback.objects.filter(
        state=Callback.State.PENDING, next_attempt_at__lte=now, order__source__paused_at__isnull=True
    ).values_list("pk", flat=True)[:100]
    for pk in list(due):
        with transaction.atomic():
            callback = (
                Callback.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("order__source")
                .filter(pk=pk, state=Callback.State.PENDING)
                .first()
            )
            if callback is None:
                continue
            counts[_attempt(callback)] += 1
    return counts


def _attempt(callback: Callback) -> str:
    source = callback.order.source
    callback.attempts += 1
    status, error = _post(source, callback)
    callback.last_status, callback.last_error = status, error[:255]
    if status is not None and 200 <= status < 300:
        callback.state, callback.sent_at = Callback.State.SENT, timezone.now()
        outcome = "sent"
    elif (status is None or status in RETRY_STATUSES) and callback.attempts < settings.WORKORDER_CALLBACK_TRIES:
        delay = min(settings.WORKORDER_CALLBACK_BACKOFF * 2 ** (callback.attempts - 1), 3600)
        callback.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        outcome = "retry"
    else:
        callback.state = Callback.State.DEAD
        outcome = "dead"
    callback.save()
    if outcome == "dead":
        _pause_if_failing(source)
    return outcome


def _post(source: WorkOrderSource, callback: Callback) -> tuple[int | None, str]:
    if not source.callback_url:
        return None, _("未配置回调地址")
    body = json.dumps(callback.payload, ensure_ascii=False).encode()
    timestamp = str(int(timezone.now().timestamp()))
    secret = decrypt(source.secret_encrypted)
    request = urllib.request.Request(
        source.callback_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Order-Id": callback.order.order_id,
            "X-Callback-Id": str(callback.pk),
            "X-Timestamp": timestamp,
            "X-Signature": signature(source.algorithm, secret, callback.order.order_id, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WORKORDER_CALLBACK_TIMEOUT) as answer:
            return answer.status, answer.read(300).decode("utf-8", "replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read(300).decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as problem:
        return None, f"{problem.__class__.__name__}: {problem}"


def _pause_if_failing(source: WorkOrderSource) -> None:
    """A source whose callbacks keep dying is paused (nothing more is sent until an administrator
    resumes it) and the administrators are told."""
    since = timezone.now() - timedelta(hours=1)
    dead = Callback.objects.filter(order__source=source, state=Callback.State.DEAD, created_at__gte=since)
    if source.paused_at is not None or dead.count() < settings.WORKORDER_PAUSE_AFTER:
        return
    source.paused_at = timezone.now()
    source.pause_reason = _("1 小时内 %(n)d 条回调发送失败") % {"n": dead.count()}
    source.save(update_fields=["paused_at", "pause_reason"])
    transaction.on_commit(lambda: _tell_administrators(source))


def _tell_administrators(source: WorkOrderSource) -> None:
    """Email to the system and security administrators: the source and the reason, no business
    data (三员: they see no case)."""
    from django.core.mail import send_mail

    from governance.models import Role, User

    people = User.objects.filter(is_active=True, groups__name__in=[Role.SYSADMIN, Role.SECURITY_ADMIN]).exclude(
        email=""
    )
    addresses = sorted({person.email for person in people})
    if addresses:
        send_mail(
            _("工单来源“%(s)s”的回调已暂停") % {"s": source.name},
            _("%(reason)s。请检查对方系统后在“系统管理 → 工单来源”中恢复回调。") % {"reason": source.pause_reason},
            None,
            addresses,
            fail_silently=True,
        )


def replay_callback(callback: Callback) -> None:
    """A dead callback is tried again from the start."""
    with transaction.atomic():
        locked = Callback.objects.select_for_update().get(pk=callback.pk)
        if locked.state != Callback.State.DEAD:
            raise ValidationError(_("只有发送失败的回调可以重发。"))
        locked.state, locked.attempts, locked.next_attempt_at = Callback.State.PENDING, 0, timezone.now()
        locked.save(update_fields=["state", "attempts", "next_attempt_at"])


def resume(source: WorkOrderSource) -> None:
    source.paused_at, source.pause_reason = None, ""
    source.save(update_fields=["paused_at", "pause_reason"])


def our_status(order: InboundOrder) -> dict:
    """What a polling source reads: our receipt, the order's state and the case's state."""
    answer = {"order_id": order.order_id, "receipt": str(order.receipt), "state": order.state}
    if order.state == InboundOrder.State.FAILED:
        answer["reason"] = order.reason
    if order.case_id:
        case = order.case
        answer.update(
            case_number=case.number,
            status=case.status,
            status_label=str(case.get_status_display()),
            handle_due=case.handle_due.isoformat() if case.handle_due else None,
            closed_at=timezone.localtime(case.closed_at).isoformat() if case.closed_at else None,
        )
    return answer


# --- Who sees what -------------------------------------------------------------------------------


def sources_for(user):
    """The sources whose page a person may open: center staff those whose receiving center lies in
    their jurisdiction; the system and security administrators every source, as counts only."""
    from governance.models import Role
    from governance.scoping import region_q

    if not user.is_authenticated:
        return WorkOrderSource.objects.none()
    if user.has_role(Role.SYSADMIN, Role.SECURITY_ADMIN):
        return WorkOrderSource.objects.all()
    if not user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        return WorkOrderSource.objects.none()
    return WorkOrderSource.objects.filter(region_q(user, "center__region"))


def sees_business(user) -> bool:
    """Order bodies, failure reasons, corrections and replays are business: center staff only
    (三员: the administrators see the counts)."""
    from governance.models import Role

    return user.is_authenticated and user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)


def source_figures(sources) -> dict[int, dict]:
    """Per source: received, accepted, rejected, failed, waiting; callbacks pending and dead; the
    age of the oldest unsent callback. A fixed number of queries whatever the volume."""
    from django.db.models import Count, Min, Q

    from disputes.models import Status

    ids = [s.pk for s in sources]
    orders = (
        InboundOrder.objects.filter(source_id__in=ids)
        .values("source_id")
        .annotate(
            received=Count("id"),
            waiting=Count("id", filter=Q(state=InboundOrder.State.RECEIVED)),
            failed=Count("id", filter=Q(state=InboundOrder.State.FAILED)),
            rejected=Count("id", filter=Q(case__status=Status.REJECTED)),
            accepted=Count(
                "id",
                filter=Q(state=InboundOrder.State.DONE) & ~Q(case__status__in=[Status.SUBMITTED, Status.REJECTED]),
            ),
        )
    )
    callbacks = (
        Callback.objects.filter(order__source_id__in=ids)
        .values("order__source_id")
        .annotate(
            pending=Count("id", filter=Q(state=Callback.State.PENDING)),
            dead=Count("id", filter=Q(state=Callback.State.DEAD)),
            oldest=Min("created_at", filter=Q(state=Callback.State.PENDING)),
        )
    )
    figures = {
        pk: {"received": 0, "waiting": 0, "failed": 0, "rejected": 0, "accepted": 0, "pending": 0, "dead": 0}
        for pk in ids
    }
    for row in orders:
        figures[row.pop("source_id")].update(row)
    for row in callbacks:
        figures[row.pop("order__source_id")].update(row)
    return figures
