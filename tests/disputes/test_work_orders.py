"""Work orders from other systems: a signed inbound API, one case per order, callbacks for the
steps the source cares about, sent with retries to a receiver on a loopback port."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from disputes import services, workorders
from disputes.models import Callback, Case, Channel, InboundOrder, RiskLevel, Status

SECRET = "s3cret-for-tests"


class Receiver:
    """An HTTP server on a loopback port that records the callbacks and answers as told."""

    def __init__(self):
        self.calls: list[dict] = []
        self.answers: list[int] = []
        self.bodies: list[bytes] = []  # what to answer with, else "ok" or "busy"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"headers": dict(self.headers), "body": json.loads(body), "raw": body})
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(receiver.bodies.pop(0) if receiver.bodies else b"ok" if status < 300 else b"busy")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def order_body(order_id="GD-1", **extra) -> bytes:
    data = {"order_id": order_id, "category": "A01", "description": "邻居装修噪音扰民", "reporter": "王五"}
    data.update({"phone": "13800138000", "place": {"township": "甲镇", "address": "甲镇一村5号"}})
    data.update(extra)
    return json.dumps(data, ensure_ascii=False).encode()


def signed(order_id: str, body: bytes, secret: str = SECRET, at: int | None = None, algorithm="sha256") -> dict:
    timestamp = str(at if at is not None else int(time.time()))
    message = f"{order_id}\n{timestamp}\n".encode() + body
    return {
        "HTTP_X_ORDER_ID": order_id,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": hmac.new(secret.encode(), message, algorithm).hexdigest(),
    }


def post(client, body: bytes, order_id="GD-1", source="12345", **headers):
    headers = headers or signed(order_id, body)
    return client.post(f"/api/v1/inbound/{source}/orders", data=body, content_type="application/json", **headers)


pytestmark = pytest.mark.django_db


def test_a_signed_order_is_stored_answered_202_and_becomes_a_case_at_the_source_center(client, org, source):
    answer = post(client, order_body())
    assert answer.status_code == 202, answer.content
    receipt = answer.json()["receipt"]
    order = InboundOrder.objects.get(receipt=receipt)
    assert order.body == order_body().decode()
    workorders.process(order)
    order.refresh_from_db()
    case = order.case
    assert order.state == InboundOrder.State.DONE
    assert case.status == Status.SUBMITTED and case.channel == Channel.HOTLINE_12345
    assert case.intake_unit == org.county_center and case.township == org.town_a
    assert case.source_ref == "GD-1" and case.registered_by is None
    assert case.parties.get().phone_masked == "138****8000"
    # The case is the source center's: a township clerk of another township sees nothing.
    assert Case.objects.visible_to(org["outsider"]).filter(pk=case.pk).count() == 0
    assert Case.objects.visible_to(org["county_officer"]).filter(pk=case.pk).count() == 1


def test_unsigned_wrongly_signed_stale_and_old_secret_requests(client, source):
    body = order_body()
    assert post(client, body, HTTP_X_ORDER_ID="GD-1", HTTP_X_TIMESTAMP=str(int(time.time()))).status_code == 401
    assert post(client, body, **signed("GD-1", body, secret="wrong")).status_code == 401
    stale = post(client, body, **signed("GD-1", body, at=int(time.time()) - 301))
    assert stale.status_code == 401 and "5 分钟" in stale.json()["error"]
    assert post(client, body, **signed("GD-1", body, at=int(time.time()) + 301)).status_code == 401
    assert not InboundOrder.objects.exists()
    # Rotation: the new secret and the one before both sign; the one before that does not.
    new = workorders.new_secret(source)
    assert post(client, body, **signed("GD-1", body, secret=new)).status_code == 202
    newer = workorders.new_secret(source)
    body2 = order_body("GD-2")
    assert post(client, body2, "GD-2", **signed("GD-2", body2, secret=new)).status_code == 202
    body3 = order_body("GD-3")
    assert post(client, body3, "GD-3", **signed("GD-3", body3, secret=SECRET)).status_code == 401
    assert post(client, body3, "GD-3", **signed("GD-3", body3, secret=newer)).status_code == 202


def test_a_replayed_request_gives_the_same_receipt_and_another_body_is_409(client, source):
    body = order_body()
    headers = signed("GD-1", body)
    first = post(client, body, **headers)
    again = post(client, body, **headers)
    assert again.status_code == 200 and again.json()["receipt"] == first.json()["receipt"]
    assert again.json()["duplicate"] is True
    other = order_body(description="另一件事")
    conflict = post(client, other)
    assert conflict.status_code == 409 and conflict.json()["error"] == "同一工单号已收到不同内容的报文。"
    assert InboundOrder.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_posts_of_one_order_make_one_order_and_one_case(live_server, org, source):
    import urllib.request

    body = order_body()

    def send(_n):
        headers = {k[5:].replace("_", "-").title(): v for k, v in signed("GD-1", body).items()}
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/inbound/12345/orders",
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())["receipt"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    assert len({receipt for _s, receipt in results}) == 1
    assert sorted(status for status, _r in results).count(202) == 1
    order = InboundOrder.objects.get()
    workorders.process(order)
    workorders.process(order)  # a second run (the sweep after a delayed worker) changes nothing
    assert Case.objects.filter(source_ref="GD-1").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "JSON"),
        (b"[1, 2]", 400, "JSON 对象"),
        (order_body(extra_field="x"), 400, "未知字段"),
        (order_body(description=""), 400, "缺少必填字段"),
        (order_body(description="长" * 5001), 400, "超过"),
        (order_body(deadline="2300-01-01T00:00:00"), 400, "1900"),
        (order_body(deadline="明天"), 400, "时间"),
        (order_body(place={"township": "甲镇", "floor": 3}), 400, "place"),
        (order_body(phone=13800138000), 400, "字符串"),
        (order_body(reporter="a\x00b"), 400, "NUL"),
        (b"{" + b" " * (64 * 1024) + b"}", 413, "KB"),
    ],
)
def test_bad_bodies_get_a_4xx_with_the_reason(client, source, body, status, words):
    answer = post(client, body)
    assert answer.status_code == status, answer.content
    assert words in answer.json()["error"]
    assert not InboundOrder.objects.exists()


def test_the_header_and_body_order_ids_must_agree_and_unknown_sources_are_404(client, source):
    body = order_body("GD-9")
    assert post(client, body, "GD-1", **signed("GD-1", body)).status_code == 400
    assert post(client, order_body(), source="nosuch").status_code == 404
    assert client.get("/api/v1/inbound/12345/orders").status_code == 405


def test_an_unmapped_category_is_parked_and_replayed_after_the_mapping_is_added(client, source, category):
    from governance.models import Notification

    post(client, order_body(category="Z99"))
    order = workorders.process(InboundOrder.objects.get())
    assert order.state == InboundOrder.State.FAILED and "Z99" in order.reason
    assert not Case.objects.exists()
    notice = Notification.objects.get(unit=source.center)  # the center is told, once
    assert "GD-1" in notice.title and notice.url == f"/cases/work-orders/{order.pk}/"
    workorders.process(order)
    assert Notification.objects.filter(unit=source.center).count() == 1
    source.category_map["Z99"] = category.code
    source.save()
    order = workorders.process(order)
    assert order.state == InboundOrder.State.DONE and order.case.category == category


def test_a_county_order_without_a_township_is_parked_and_a_clerk_corrects_it(client, org, source):
    post(client, order_body(place={"address": "某处"}))
    order = workorders.process(InboundOrder.objects.get())
    assert order.state == InboundOrder.State.FAILED
    assert order.reason == "工单没有写明镇（街道），县级来源的工单必须写明。"
    order = workorders.process(order, workorders.Corrections(township=org.town_b))
    assert order.case.township == org.town_b


def test_the_status_of_an_order_can_be_polled(client, source):
    post(client, order_body())
    workorders.process(InboundOrder.objects.get())
    answer = client.get("/api/v1/inbound/12345/orders/GD-1", **signed("GD-1", b""))
    assert answer.status_code == 200
    assert answer.json()["status"] == Status.SUBMITTED and answer.json()["case_number"]
    assert client.get("/api/v1/inbound/12345/orders/GD-1").status_code == 401
    assert client.get("/api/v1/inbound/12345/orders/NOPE", **signed("NOPE", b"")).status_code == 404


def _case(client, source) -> Case:
    post(client, order_body())
    return workorders.process(InboundOrder.objects.get()).case


def _walk_to_closure(case: Case, org) -> Case:
    clerk = org["county_officer"]
    case = services.accept_case(
        case=case, by=clerk, category=case.category, risk_level=RiskLevel.objects.first(), version=case.version
    )
    case = services.dispatch_case(
        case=case, by=clerk, lead_unit=org.police_a, due=timezone.localdate() + timedelta(days=10), version=case.version
    )
    police = org["police"]
    case = services.sign_case(case=case, by=police, version=case.version)
    services.request_extension(case=case, by=police, days=5, reason="需要补充调查")
    case.refresh_from_db()
    case = services.report_case(
        case=case, by=police, outcome="resolved", routes=[], summary="已协调施工时间", version=case.version
    )
    case = services.approve_case(case=case, by=clerk, version=case.version)
    case = services.evaluate_case(case=case, by=clerk, satisfaction="satisfied", version=case.version)
    return services.record_visit(
        case=case,
        by=clerk,
        method="phone",
        visited_on=timezone.localdate(),
        visitor="张三",
        came_back=False,
        note="未再发生",
        version=case.version,
    )


def test_each_step_the_source_cares_about_is_sent_once_signed(client, org, source, receiver):
    case = _walk_to_closure(_case(client, source), org)
    steps = list(Callback.objects.order_by("id").values_list("step", flat=True))
    assert steps == ["accept", "extension", "close", "visit"]
    # Nothing went out with the steps: a worker that stopped between the step and the send lost nothing.
    assert receiver.calls == []
    assert workorders.send_due() == {"sent": 4, "retry": 0, "dead": 0}
    assert workorders.send_due() == {"sent": 0, "retry": 0, "dead": 0}  # once
    bodies = [call["body"] for call in receiver.calls]
    assert [b["status"] for b in bodies] == ["QS", "YQ", "BJ", "HF"]
    assert bodies[1]["days"] == 5 and bodies[2]["reply"] == "已协调施工时间" and bodies[3]["satisfaction"] == "满意"
    assert [(b.get("reason"), b.get("result")) for b in bodies] == [
        (None, None),
        ("需要补充调查", None),
        (None, "调解成功"),
        (None, "未再发生"),
    ]
    assert all(b["order_id"] == "GD-1" and b["case_number"] == case.number for b in bodies)
    call = receiver.calls[0]
    expected = hmac.new(
        SECRET.encode(), f"GD-1\n{call['headers']['X-Timestamp']}\n".encode() + call["raw"], hashlib.sha256
    ).hexdigest()
    assert call["headers"]["X-Signature"] == expected
    assert call["headers"]["X-Callback-Id"] == str(Callback.objects.order_by("id").first().pk)


def test_a_rejected_order_is_returned_with_the_reason(client, org, source, receiver):
    case = _case(client, source)
    services.reject_case(
        case=case, by=org["county_officer"], reason="police", route="已由110处置", version=case.version
    )
    workorders.send_due()
    body = receiver.calls[0]["body"]
    assert body["step"] == "return" and body["status"] == "TH" and body["route"] == "已由110处置"
    assert body["reason"] == "已由公安机关依法处理"


def test_a_step_the_source_does_not_map_writes_no_callback(client, org, source):
    source.status_map = {"close": "BJ"}
    source.save()
    case = _case(client, source)
    services.accept_case(
        case=case, by=org["county_officer"], category=case.category, risk_level=RiskLevel.objects.first(), version=1
    )
    assert not Callback.objects.exists()


def test_a_503_is_retried_with_backoff_and_a_404_gives_up_at_once(client, org, source, receiver, settings):
    case = _case(client, source)
    services.accept_case(
        case=case, by=org["county_officer"], category=case.category, risk_level=RiskLevel.objects.first(), version=1
    )
    receiver.answers = [503]
    assert workorders.send_due() == {"sent": 0, "retry": 1, "dead": 0}
    callback = Callback.objects.get()
    assert callback.last_status == 503 and callback.next_attempt_at > timezone.now()
    assert workorders.send_due() == {"sent": 0, "retry": 0, "dead": 0}  # not due yet
    assert workorders.send_due(timezone.now() + timedelta(minutes=2)) == {"sent": 1, "retry": 0, "dead": 0}
    assert len(receiver.calls) == 2
    # Another 4xx is not retried.
    Callback.objects.create(order=callback.order, step="close", payload={"order_id": "GD-1"})
    receiver.answers = [404]
    assert workorders.send_due() == {"sent": 0, "retry": 0, "dead": 1}


def test_a_callback_dies_after_the_last_try_is_replayable_and_a_failing_source_pauses(
    client, org, source, receiver, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.WORKORDER_CALLBACK_TRIES = 2
    settings.WORKORDER_PAUSE_AFTER = 2
    org["security_admin"].email = "sec@example.org"
    org["security_admin"].save()
    order = workorders.process(InboundOrder.objects.get(pk=_case(client, source).work_order.pk))
    for step in ("accept", "close"):
        Callback.objects.create(order=order, step=step, payload={"order_id": "GD-1", "step": step})
    receiver.answers = [503] * 10
    later = timezone.now() + timedelta(hours=2)
    workorders.send_due()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = workorders.send_due(later)
    assert outcome["dead"] == 2
    dead = Callback.objects.filter(state=Callback.State.DEAD)
    assert dead.count() == 2 and dead.first().last_status == 503 and dead.first().last_error == "busy"
    source.refresh_from_db()
    assert source.paused_at is not None
    assert mailoutbox and "sec@example.org" in mailoutbox[0].to and "GD-1" not in mailoutbox[0].body
    # Paused: a replayed callback waits until the source is resumed.
    workorders.replay_callback(dead.first())
    assert workorders.send_due(later) == {"sent": 0, "retry": 0, "dead": 0}
    workorders.resume(source)
    receiver.answers = []
    assert workorders.send_due(later)["sent"] == 1


def test_a_timeout_is_retried(client, org, source, settings):
    settings.WORKORDER_CALLBACK_TIMEOUT = 1
    source.callback_url = "http://127.0.0.1:9/nothing-listens-here"
    source.save()
    case = _case(client, source)
    services.accept_case(
        case=case, by=org["county_officer"], category=case.category, risk_level=RiskLevel.objects.first(), version=1
    )
    assert workorders.send_due() == {"sent": 0, "retry": 1, "dead": 0}
    assert Callback.objects.get().last_status is None


def test_sm3_signed_sources(client, source):
    source.algorithm = "hmac-sm3"
    source.save()
    body = order_body()
    assert post(client, body, **signed("GD-1", body)).status_code == 401  # a SHA-256 signature
    assert post(client, body, **signed("GD-1", body, algorithm="sm3")).status_code == 202


def test_the_openapi_description_is_served(client):
    document = Client().get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/inbound/{source}/orders", "/inbound/{source}/orders/{order_id}"}
    assert document["components"]["schemas"]["Order"]["additionalProperties"] is False


@pytest.mark.celery
def test_a_real_worker_turns_the_posted_order_into_a_case_and_the_beat_sends_its_callbacks(
    org, source, receiver, worker
):
    from django.test import Client as HttpClient

    body = order_body("GD-W")
    client = HttpClient()
    with_commit = post(client, body, "GD-W", **signed("GD-W", body))
    assert with_commit.status_code == 202
    deadline = time.monotonic() + 60
    while not InboundOrder.objects.filter(order_id="GD-W", state=InboundOrder.State.DONE).exists():
        assert time.monotonic() < deadline, InboundOrder.objects.values_list("state", "reason").first()
        time.sleep(0.2)
    case = InboundOrder.objects.get(order_id="GD-W").case
    services.accept_case(
        case=case, by=org["county_officer"], category=case.category, risk_level=RiskLevel.objects.first(), version=1
    )
    from disputes.tasks import work_order_beat

    work_order_beat.delay().get(timeout=60)
    assert [call["body"]["step"] for call in receiver.calls] == ["accept"]
