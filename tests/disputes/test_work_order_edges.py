"""Work orders at their edges, as the source system and the clerk meet them: the exact refusals of
the API, the clock window, the body and field limits, where an order lands, what the case keeps
of it, what a polling source reads, and how callbacks are retried, given up and paused."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services, workorders
from disputes.models import Callback, Case, Channel, InboundOrder, RiskLevel, WorkOrderSource
from governance.crypto import encrypt
from governance.models import Notification, Unit
from tests.disputes.test_work_orders import SECRET, order_body, post, signed

pytestmark = pytest.mark.django_db


def _processed(client, body: bytes, order_id: str = "GD-1") -> InboundOrder:
    answer = post(client, body, order_id, **signed(order_id, body))
    assert answer.status_code == 202, answer.content
    return workorders.process(InboundOrder.objects.get(order_id=order_id))


def _error(answer) -> str:
    return answer.json()["error"]


# --- The API's refusals ------------------------------------------------------------------------


def test_a_request_exactly_five_minutes_away_is_still_accepted(client, source):
    body = order_body()
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        assert post(client, body, **signed("GD-1", body, at=int(time.time()) - 300)).status_code == 202
        body = order_body("GD-2")
        assert post(client, body, "GD-2", **signed("GD-2", body, at=int(time.time()) + 300)).status_code == 202


def test_a_missing_or_unreadable_timestamp_is_refused_with_the_reason(client, source):
    body = order_body()
    headers = signed("GD-1", body)
    answer = post(client, body, **{**headers, "HTTP_X_TIMESTAMP": "昨天"})
    assert answer.status_code == 401 and _error(answer) == "缺少或无效的时间戳（X-Timestamp，Unix 秒）。"
    wrong = post(client, body, **signed("GD-1", body, secret="wrong"))
    assert _error(wrong) == "签名不正确。"


def test_an_upper_case_signature_is_accepted(client, source):
    body = order_body()
    headers = signed("GD-1", body)
    headers["HTTP_X_SIGNATURE"] = " " + headers["HTTP_X_SIGNATURE"].upper() + " "
    assert post(client, body, **headers).status_code == 202


def test_a_source_without_a_previous_secret_accepts_only_its_secret(client, source):
    assert source.previous_secret_encrypted == ""
    body = order_body()
    assert post(client, body, **signed("GD-1", body, secret="")).status_code == 401


def test_an_algorithm_the_server_lacks_is_a_503_that_names_it(client, source):
    source.algorithm = "hmac-md5"
    source.save()
    body = order_body()
    answer = post(client, body)
    assert answer.status_code == 503
    assert _error(answer) == "本系统的密码库不支持该来源配置的签名算法 hmac-md5。"
    assert not workorders.algorithm_available("hmac-md5") and workorders.algorithm_available("hmac-sha256")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfe", "报文不是有效的 UTF-8 JSON。"),
        (b'{"order_id": "GD-1"}\x00', "报文含有空字符（NUL）。"),
        (b'"GD-1"', "报文应为一个 JSON 对象。"),
        (order_body(zeta=1, alpha=2), "未知字段：alpha、zeta。"),
        (json.dumps({"order_id": "GD-1"}).encode(), "缺少必填字段：category、description。"),
        (order_body(reporter="张" * 51), "字段 reporter 超过 50 个字符。"),
        (order_body(urgency=3), "字段 urgency 应为字符串。"),
        (order_body(place="甲镇"), "字段 place 只能包含 township、village、address。"),
        (order_body(place={"village": "村" * 61}), "字段 place.village 应为不超过 60 个字符的字符串。"),
        (order_body(place={"address": 5}), "字段 place.address 应为不超过 200 个字符的字符串。"),
        (order_body(place={"township": "甲\x00镇"}), "字段 place.township 应为不超过 60 个字符的字符串。"),
        (order_body(received_at="1899-12-31T23:00:00+08:00"), "字段 received_at 超出 1900—2100 年。"),
        (order_body(deadline="明天下午"), "字段 deadline 不是有效的时间（ISO 8601）。"),
        # Well formed but no such day: parse_datetime raises instead of answering None.
        (order_body(deadline="2026-13-01T00:00:00"), "字段 deadline 不是有效的时间（ISO 8601）。"),
        (order_body(received_at="2026-02-30T08:00:00"), "字段 received_at 不是有效的时间（ISO 8601）。"),
    ],
)
def test_each_bad_body_gets_its_own_reason(client, source, body, message):
    answer = post(client, body)
    assert answer.status_code == 400 and _error(answer) == message
    assert not InboundOrder.objects.exists()


def test_fields_at_their_longest_and_a_body_of_exactly_64_kb_are_accepted(client, source):
    body = order_body(description="长" * 5000, reporter="张" * 50, place={"township": "甲镇", "address": "号" * 200})
    assert post(client, body).status_code == 202
    padded = order_body("GD-2")
    padded = padded[:-1] + b" " * (64 * 1024 - len(padded)) + b"}"
    assert len(padded) == 64 * 1024
    assert post(client, padded, "GD-2", **signed("GD-2", padded)).status_code == 202


def test_the_body_and_header_order_ids_disagreeing_is_explained(client, source):
    body = order_body("GD-9")
    answer = post(client, body, "GD-1", **signed("GD-1", body))
    assert _error(answer) == "报文中的 order_id 与请求头 X-Order-Id 不一致。"


# --- Where an order lands and what the case keeps ---------------------------------------------


def test_the_case_keeps_the_order_s_fields(client, org, source, category):
    order = _processed(
        client,
        order_body(
            reporter="  ",
            phone="12345",
            place={"township": org.town_a.code, "village": "甲镇二村", "address": "址" * 200},
            received_at="2026-03-02T09:30:00",
            deadline="2026-03-09T18:00:00+08:00",
            urgency="紧急",
        ),
    )
    assert order.state == InboundOrder.State.DONE and order.reason == "" and order.processed_at is not None
    case = order.case
    assert (case.township, case.village, case.category) == (org.town_a, org.village_a2, category)
    assert case.place == "址" * 200 and case.summary == "邻居装修噪音扰民"
    assert timezone.localtime(case.received_at).strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:30"
    party = case.parties.get()
    assert party.name == "匿名反映人" and party.phone_masked == ""  # an odd number does not lose the order
    assert (order.source_category, order.urgency) == ("A01", "紧急")
    assert timezone.localtime(order.source_deadline).strftime("%Y-%m-%d %H:%M") == "2026-03-09 18:00"


def test_a_done_order_is_not_processed_again(client, org, source):
    order = _processed(client, order_body())
    again = workorders.process(order, workorders.Corrections(township=org.town_b))
    assert again.case == order.case and again.case.township == org.town_a
    assert Case.objects.count() == 1


def test_an_unknown_township_or_one_of_another_county_is_a_failure_the_center_is_told_of(client, org, source):
    from grids.models import Region

    other_county = Region.objects.create(code="990201000000", name="别县", level="county", kind=org.county.kind)
    elsewhere = Region.objects.create(
        code="990201001000", name="别县某镇", level=Region.Level.TOWNSHIP, kind=org.town_a.kind, parent=other_county
    )
    order = _processed(client, order_body(place={"township": elsewhere.code}))
    assert order.state == InboundOrder.State.FAILED
    assert order.reason == f"地点“{elsewhere.code}”对应不到本县的镇（街道）。"
    notice = Notification.objects.get(unit=org.county_center)
    assert notice.title == "来源工单处理失败：12345政务服务便民热线 GD-1" and notice.body == order.reason
    named = _processed(client, order_body("GD-2", place={"township": "丙镇"}), "GD-2")
    assert named.reason == "地点“丙镇”对应不到本县的镇（街道）。"


def test_a_township_center_s_source_files_orders_without_a_township_under_its_own(client, org, category):
    WorkOrderSource.objects.create(
        code="town",
        name="甲镇热线",
        channel=Channel.HOTLINE_12345,
        center=org.center_a,
        secret_encrypted=encrypt(SECRET),
        category_map={"A01": category.code},
    )
    body = order_body(place={"village": "甲镇一村"})
    assert post(client, body, source="town").status_code == 202
    order = workorders.process(InboundOrder.objects.get())
    assert order.state == InboundOrder.State.DONE
    assert (order.case.township, order.case.village, order.case.intake_unit) == (
        org.town_a,
        org.village_a1,
        org.center_a,
    )


def test_an_inactive_category_is_not_mapped(client, source, category):
    category.is_active = False
    category.save()
    order = _processed(client, order_body())
    assert order.state == InboundOrder.State.FAILED
    assert order.reason == "来源类别代码“A01”没有对应的纠纷类别，请先在工单来源中配置类别映射。"


def test_the_sweep_processes_orders_left_waiting_for_a_minute(client, source):
    body = order_body()
    post(client, body)
    order = InboundOrder.objects.get()
    assert workorders.sweep() == 0  # just received: the worker will take it
    InboundOrder.objects.filter(pk=order.pk).update(received_at=timezone.now() - timedelta(seconds=61))
    assert workorders.sweep() == 1
    order.refresh_from_db()
    assert order.state == InboundOrder.State.DONE
    assert workorders.sweep() == 0


# --- What a polling source reads ---------------------------------------------------------------


def test_a_polling_source_reads_the_failure_reason_and_later_the_case(client, org, source, category):
    order = _processed(client, order_body(category="Z9"))
    status = client.get("/api/v1/inbound/12345/orders/GD-1", **signed("GD-1", b"")).json()
    assert status == {
        "order_id": "GD-1",
        "receipt": str(order.receipt),
        "state": "failed",
        "reason": order.reason,
    }
    order = workorders.process(order, workorders.Corrections(category=category))
    case = order.case
    clerk = org["county_officer"]
    case = services.accept_case(
        case=case, by=clerk, category=category, risk_level=RiskLevel.objects.first(), version=case.version
    )
    due = timezone.localdate() + timedelta(days=10)
    services.dispatch_case(case=case, by=clerk, lead_unit=org.police_a, due=due, version=case.version)
    status = client.get("/api/v1/inbound/12345/orders/GD-1", **signed("GD-1", b"")).json()
    assert status["state"] == "done" and "reason" not in status
    assert (status["case_number"], status["status"], status["status_label"]) == (
        case.number,
        "dispatched",
        "已分流待签收",
    )
    assert status["handle_due"] == due.isoformat() and status["closed_at"] is None


# --- Callbacks ---------------------------------------------------------------------------------


def _accepted(client, org, source) -> Case:
    case = _processed(client, order_body()).case
    return services.accept_case(
        case=case, by=org["county_officer"], category=case.category, risk_level=RiskLevel.objects.first(), version=1
    )


def test_the_callback_carries_the_step_our_status_and_the_local_time(client, org, source, receiver):
    case = _accepted(client, org, source)
    workorders.send_due()
    (call,) = receiver.calls
    body = call["body"]
    assert set(body) == {"order_id", "case_number", "step", "status", "at"}
    assert (body["order_id"], body["case_number"], body["step"], body["status"]) == (
        "GD-1",
        case.number,
        "accept",
        "QS",
    )
    assert body["at"].endswith("+08:00")
    headers = call["headers"]
    assert headers["X-Order-Id"] == "GD-1" and headers["Content-Type"] == "application/json; charset=utf-8"
    assert abs(int(headers["X-Timestamp"]) - time.time()) < 60
    callback = Callback.objects.get()
    assert (callback.state, callback.attempts, callback.last_status, callback.last_error) == ("sent", 1, 200, "ok")
    assert callback.sent_at is not None


def test_a_case_without_its_source_reference_or_a_source_without_a_callback_address_writes_none(client, org, source):
    source.callback_url = ""
    source.save()
    _accepted(client, org, source)
    assert not Callback.objects.exists()


@pytest.mark.parametrize(("answer", "outcome"), [(204, "sent"), (299, "sent"), (300, "dead"), (429, "retry")])
def test_which_answers_count_as_received_retried_or_refused(client, org, source, receiver, answer, outcome):
    _accepted(client, org, source)
    receiver.answers = [answer]
    assert workorders.send_due()[outcome] == 1


def test_retries_back_off_doubling_up_to_an_hour_and_stop_after_the_last_try(client, org, source, receiver, settings):
    settings.WORKORDER_CALLBACK_BACKOFF = 1000
    settings.WORKORDER_CALLBACK_TRIES = 4
    settings.WORKORDER_PAUSE_AFTER = 5
    _accepted(client, org, source)
    receiver.answers = [503] * 10
    waits = []
    for _n in range(3):
        before = timezone.now()
        assert workorders.send_due(before + timedelta(days=1)) == {"sent": 0, "retry": 1, "dead": 0}
        callback = Callback.objects.get()
        waits.append(round((callback.next_attempt_at - before).total_seconds()))
    assert waits == [1000, 2000, 3600]
    assert workorders.send_due(timezone.now() + timedelta(days=1)) == {"sent": 0, "retry": 0, "dead": 1}
    assert Callback.objects.get().attempts == 4
    source.refresh_from_db()
    assert source.paused_at is None  # one dead callback does not pause the source


def test_a_callback_whose_address_was_removed_is_retried_with_the_reason(client, org, source):
    _accepted(client, org, source)
    source.callback_url = ""
    source.save()
    assert workorders.send_due() == {"sent": 0, "retry": 1, "dead": 0}
    callback = Callback.objects.get()
    assert callback.last_status is None and callback.last_error == "未配置回调地址"


def test_a_failing_source_is_paused_with_the_count_and_administrators_are_mailed(
    client, org, source, receiver, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.WORKORDER_CALLBACK_TRIES = 1
    settings.WORKORDER_PAUSE_AFTER = 2
    org["sysadmin"].email = "sys@example.org"
    org["sysadmin"].save()
    org["county_officer"].email = "clerk@example.org"
    org["county_officer"].save()
    order = _processed(client, order_body())
    receiver.answers = [500] * 5
    Callback.objects.create(order=order, step="accept", payload={"order_id": "GD-1"})
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders.send_due()["dead"] == 1
    source.refresh_from_db()
    assert source.paused_at is None and not mailoutbox
    Callback.objects.create(order=order, step="close", payload={"order_id": "GD-1"})
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders.send_due()["dead"] == 1
    source.refresh_from_db()
    assert source.paused_at is not None and source.pause_reason == "1 小时内 2 条回调发送失败"
    (mail,) = mailoutbox
    assert mail.to == ["sys@example.org"]
    assert mail.subject == "工单来源“12345政务服务便民热线”的回调已暂停"
    assert mail.body.startswith("1 小时内 2 条回调发送失败。")
    paused_at = source.paused_at
    workorders.resume(source)
    source.refresh_from_db()
    assert source.paused_at is None and source.pause_reason == "" and paused_at is not None


def test_dead_callbacks_older_than_an_hour_do_not_pause_the_source(client, org, source, receiver, settings):
    settings.WORKORDER_CALLBACK_TRIES = 1
    settings.WORKORDER_PAUSE_AFTER = 2
    order = _processed(client, order_body())
    Callback.objects.create(
        order=order, step="accept", payload={}, state="dead", created_at=timezone.now() - timedelta(minutes=61)
    )
    receiver.answers = [500]
    Callback.objects.create(order=order, step="close", payload={"order_id": "GD-1"})
    assert workorders.send_due()["dead"] == 1
    source.refresh_from_db()
    assert source.paused_at is None


# --- Who sees which source ---------------------------------------------------------------------


def test_a_township_center_s_source_is_seen_by_its_clerk_and_the_county_not_by_others(org, login, category):
    WorkOrderSource.objects.create(
        code="town-a",
        name="甲镇网格热线",
        channel=Channel.HOTLINE_12345,
        center=org.center_a,
        secret_encrypted=encrypt(SECRET),
        category_map={"A01": category.code},
    )
    for persona, sees in (
        ("township_officer", True),
        ("county_officer", True),
        ("outsider", False),
        ("sysadmin", True),
        ("security_admin", True),
    ):
        page = login(org[persona]).get("/cases/work-orders/")
        assert page.status_code == 200
        assert ("甲镇网格热线" in page.content.decode()) is sees, persona
    for persona in ("police", "mediator", "leader"):
        assert login(org[persona]).get("/cases/work-orders/").status_code in (302, 403), persona
    assert not workorders.sources_for(org["police"]).exists()
    assert not workorders.sees_business(org["sysadmin"]) and workorders.sees_business(org["township_officer"])
    assert Unit.objects.filter(pk=org.center_a.pk).exists()


def test_the_figures_count_accepted_rejected_waiting_and_pending(client, org, source):
    accepted = _accepted(client, org, source)
    rejected = _processed(client, order_body("GD-2"), "GD-2").case
    services.reject_case(
        case=rejected, by=org["county_officer"], reason="police", route="已由110处置", version=rejected.version
    )
    post(client, order_body("GD-3"), "GD-3", **signed("GD-3", order_body("GD-3")))  # waiting
    _processed(client, order_body("GD-4"), "GD-4")  # submitted, not yet accepted
    figures = workorders.source_figures([source])[source.pk]
    oldest = figures.pop("oldest")
    assert figures == {
        "received": 4,
        "waiting": 1,
        "failed": 0,
        "rejected": 1,
        "accepted": 1,
        "pending": 2,  # the acceptance and the return
        "dead": 0,
    }
    assert oldest == Callback.objects.filter(order__case=accepted).get().created_at


# --- What the mutants of disputes/workorders.py showed untested -----------------------------------


def _another_source(org) -> WorkOrderSource:
    """A second source of the county (110), without a secret or orders of its own."""
    return WorkOrderSource.objects.create(
        code="110", name="110接处警", channel=Channel.HOTLINE_12345, center=org.county_center, secret_encrypted=""
    )


class FailingMail:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs) -> None:
        self.fail_silently = kwargs.get("fail_silently", False)

    def send_messages(self, messages) -> int:
        if not self.fail_silently:
            raise ConnectionRefusedError("smtp down")
        return 0


def test_a_new_secret_is_32_random_bytes_its_time_is_kept_and_the_last_one_still_signs(client, source):
    from governance.crypto import decrypt

    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        secret = workorders.new_secret(source)
        source.refresh_from_db()
        assert source.secret_set_at == timezone.now()
    assert len(secret) == 43  # 32 bytes in URL-safe base64
    assert (decrypt(source.secret_encrypted), decrypt(source.previous_secret_encrypted)) == (secret, SECRET)
    body = order_body()
    assert post(client, body).status_code == 202  # signed with the previous secret


def test_a_moment_on_the_first_or_last_day_of_1900_2100_is_taken(source):
    for moment in ("1900-01-01T00:00:00+08:00", "2100-12-31T23:59:59+08:00"):
        assert workorders.parse_order(order_body(deadline=moment))["deadline"] == moment
    with pytest.raises(workorders.Refused) as refused:
        workorders.parse_order(order_body(deadline="1899-12-31T23:59:59+08:00"))
    assert refused.value.reason == "字段 deadline 超出 1900—2100 年。"


def test_the_sweep_counts_every_order_it_processed(client, source):
    for order_id in ("GD-1", "GD-2"):
        post(client, order_body(order_id), order_id)
    InboundOrder.objects.update(received_at=timezone.now() - timedelta(seconds=61))
    assert workorders.sweep() == 2


def test_a_polling_source_reads_when_the_case_was_closed_in_beijing_time(client, org, source):
    order = _processed(client, order_body())
    closed = timezone.make_aware(timezone.datetime(2026, 3, 5, 17, 30))
    Case.objects.filter(pk=order.case_id).update(status="closed", closed_at=closed)
    order.refresh_from_db()
    assert workorders.our_status(order)["closed_at"] == "2026-03-05T17:30:00+08:00"


def test_only_this_source_s_dead_callbacks_pause_it_and_a_mail_server_down_does_not_stop_it(
    client, org, source, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WORKORDER_CALLBACK_TRIES = 1
    settings.WORKORDER_PAUSE_AFTER = 2
    settings.EMAIL_BACKEND = "tests.disputes.test_work_order_edges.FailingMail"
    org["sysadmin"].email = "sys@example.org"
    org["sysadmin"].save()
    other = _another_source(org)
    elsewhere = InboundOrder.objects.create(source=other, order_id="J-1", body="{}", body_sha256="x")
    for step in ("accept", "close"):
        Callback.objects.create(order=elsewhere, step=step, payload={}, state=Callback.State.DEAD)
    order = _processed(client, order_body())
    Callback.objects.create(order=order, step="visit", payload={}, state=Callback.State.PENDING)  # still trying
    receiver.answers = [500]
    Callback.objects.create(order=order, step="accept", payload={"order_id": "GD-1"})
    with django_capture_on_commit_callbacks(execute=True):
        workorders.send_due()
    source.refresh_from_db()
    assert source.paused_at is None  # one of its own dead, the other source's two do not count
    receiver.answers = [500]
    Callback.objects.create(order=order, step="close", payload={"order_id": "GD-1"})
    with django_capture_on_commit_callbacks(execute=True):
        workorders.send_due()
    source.refresh_from_db()
    assert source.pause_reason == "1 小时内 2 条回调发送失败"


def test_a_deactivated_administrator_is_not_mailed(client, org, source, mailoutbox):
    from governance.models import Role
    from tests.factories import make_user

    make_user("old_sysadmin", Role.SYSADMIN, None, email="old@example.org", is_active=False)
    org["sysadmin"].email = "sys@example.org"
    org["sysadmin"].save()
    source.pause_reason = "1 小时内 5 条回调发送失败"
    workorders._tell_administrators(source)
    assert [mail.to for mail in mailoutbox] == [["sys@example.org"]]


def test_only_a_dead_callback_is_sent_again(client, org, source):
    order = _processed(client, order_body())
    callback = Callback.objects.create(order=order, step="accept", payload={}, state=Callback.State.SENT)
    with pytest.raises(ValidationError) as refused:
        workorders.replay_callback(callback)
    assert refused.value.messages == ["只有发送失败的回调可以重发。"]


def test_a_source_without_orders_reads_zeros_and_the_oldest_unsent_callback_is_a_pending_one(
    client, org, source, django_assert_num_queries
):
    quiet = _another_source(org)
    order = _processed(client, order_body())
    long_ago = timezone.now() - timedelta(hours=5)
    Callback.objects.create(order=order, step="accept", payload={}, state=Callback.State.SENT, created_at=long_ago)
    pending = Callback.objects.create(order=order, step="close", payload={}, created_at=long_ago + timedelta(hours=1))
    with django_assert_num_queries(2):
        figures = workorders.source_figures([source, quiet])
    zeros = {"received": 0, "waiting": 0, "failed": 0, "rejected": 0, "accepted": 0, "pending": 0, "dead": 0}
    assert figures[quiet.pk] == zeros
    assert figures[source.pk]["oldest"] == pending.created_at and figures[source.pk]["pending"] == 1


def test_an_answer_that_is_not_utf8_is_kept_with_replacement_characters(client, org, source, receiver):
    order = _processed(client, order_body())
    receiver.answers, receiver.bodies = [200, 404], [b"\xffok", b"\xfe\xffno"]
    for step in ("accept", "close"):
        Callback.objects.create(order=order, step=step, payload={"order_id": "GD-1"})
    workorders.send_due()
    answers = list(Callback.objects.order_by("id").values_list("state", "last_status", "last_error"))
    assert answers == [("sent", 200, "\ufffdok"), ("dead", 404, "\ufffd\ufffdno")]


def test_an_order_without_a_phone_becomes_a_case_without_one(client, org, source):
    order = _processed(client, order_body(phone=""))
    assert order.state == InboundOrder.State.DONE
    assert order.case.parties.get().phone_masked == ""


def test_the_reporter_s_name_or_anonymous_the_address_or_nothing_and_the_first_40_characters_of_the_id(
    client, org, source
):
    named = _processed(client, order_body(place={"township": "甲镇"}))
    assert (named.case.parties.get().name, named.case.place) == ("王五", "")
    long_id = "GD-" + "9" * 61
    anonymous = _processed(client, order_body(long_id, reporter="  "), long_id)
    assert anonymous.case.parties.get().name == "匿名反映人"
    assert anonymous.case.source_ref == long_id[:40]


def test_a_body_over_64_kb_is_refused_by_the_parser_itself_with_413():
    with pytest.raises(workorders.Refused) as refused:
        workorders.parse_order(b" " * (64 * 1024 + 1))
    assert (refused.value.status, refused.value.reason) == (413, "报文超过 64 KB。")
