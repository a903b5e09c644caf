"""The work-order pages: each source's figures, failed orders corrected and replayed, dead
callbacks resent, the source on the case page, and the security administrator's source admin."""

from __future__ import annotations

import json

import pytest

from disputes import workorders
from disputes.models import Callback, Category, Channel, InboundOrder, WorkOrderSource
from governance.crypto import decrypt, encrypt
from governance.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(org):
    category = Category.objects.filter(is_active=True).first()
    return WorkOrderSource.objects.create(
        code="110",
        name="110非警务警情",
        channel=Channel.POLICE_110,
        center=org.county_center,
        secret_encrypted=encrypt("x"),
        category_map={"K1": category.code},
        status_map={"accept": "QS"},
        callback_url="http://127.0.0.1:9/cb",
    )


def _order(source, order_id, **fields):
    data = {"order_id": order_id, "category": "K1", "description": "噪音", "place": {"township": "甲镇"}}
    data.update(fields)
    body = json.dumps(data, ensure_ascii=False).encode()
    order, _created = workorders.receive(source, order_id=order_id, body=body)
    return workorders.process(order)


def test_the_figures_count_each_state_in_a_fixed_number_of_queries(org, login, source, django_assert_max_num_queries):
    for n in range(3):
        _order(source, f"OK-{n}")
    _order(source, "BAD-1", category="K9")
    Callback.objects.create(order=InboundOrder.objects.get(order_id="OK-0"), step="accept", payload={}, state="dead")
    clerk = login(org["county_officer"])
    with django_assert_max_num_queries(14):
        page = clerk.get("/cases/work-orders/")
    html = page.content.decode()
    row = html.split('data-source="110"')[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[2:8] == ["4", "0", "0", "1", "0", "1"]  # received, accepted, rejected, failed, pending, dead
    assert "BAD-1" in html and "K9" in html


def test_a_failed_order_is_corrected_by_the_clerk_and_becomes_a_case(org, login, source):
    order = _order(source, "BAD-2", place={"address": "无镇"})
    assert order.state == InboundOrder.State.FAILED
    clerk = login(org["county_officer"])
    page = clerk.get(f"/cases/work-orders/{order.pk}/")
    assert "镇（街道）" in page.content.decode()
    answer = clerk.post(f"/cases/work-orders/{order.pk}/", {"township": org.town_b.pk, "category": ""})
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.state == InboundOrder.State.DONE and order.case.township == org.town_b
    case_page = clerk.get(f"/cases/{order.case.number}/").content.decode()
    assert 'data-testid="work-order"' in case_page and "BAD-2" in case_page and "110非警务警情" in case_page
    again = clerk.post(f"/cases/work-orders/{order.pk}/", {"township": org.town_a.pk}, follow=True)
    assert "已处理" in again.content.decode()


def test_a_township_clerk_sees_no_county_source_and_administrators_see_counts_only(org, login, source):
    order = _order(source, "BAD-3", category="K9")
    outsider = login(org["township_officer"])
    assert "110非警务警情" not in outsider.get("/cases/work-orders/").content.decode()
    assert outsider.get(f"/cases/work-orders/{order.pk}/").status_code == 404
    admin = login(org["sysadmin"])
    page = admin.get("/cases/work-orders/").content.decode()
    assert "110非警务警情" in page and "BAD-3" not in page and "K9" not in page
    assert admin.get(f"/cases/work-orders/{order.pk}/").status_code == 404


def test_a_dead_callback_is_resent_from_the_page(org, login, source):
    order = _order(source, "OK-9")
    callback = Callback.objects.create(order=order, step="accept", payload={}, state="dead", attempts=6)
    clerk = login(org["county_officer"])
    assert clerk.post(f"/cases/work-orders/callbacks/{callback.pk}/replay/").status_code == 302
    callback.refresh_from_db()
    assert callback.state == Callback.State.PENDING and callback.attempts == 0
    page = clerk.post(f"/cases/work-orders/callbacks/{callback.pk}/replay/", follow=True).content.decode()
    assert "只有发送失败的回调可以重发" in page


def test_the_security_administrator_rotates_a_secret_seen_once_and_audited(org, login, source):
    admin = login(org["security_admin"])
    page = admin.post(
        "/admin/disputes/workordersource/",
        {"action": "rotate_secret", "_selected_action": [source.pk]},
    )
    html = page.content.decode()
    secret = html.split('data-testid="secret">')[1].split("<")[0]
    source.refresh_from_db()
    assert len(secret) > 30 and secret not in source.secret_encrypted
    assert decrypt(source.secret_encrypted) == secret
    assert decrypt(source.previous_secret_encrypted) == "x"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ADMIN_CHANGE, detail__contains="110").exists()
    listing = admin.get("/admin/disputes/workordersource/").content.decode()
    assert secret not in listing and "已设置" in listing


def test_the_source_form_refuses_unknown_categories_and_steps(org, login, source):
    admin = login(org["security_admin"])
    data = {
        "code": "court",
        "name": "法院诉前委派",
        "channel": Channel.COURT,
        "center": org.county_center.pk,
        "algorithm": "hmac-sha256",
        "category_map": '{"X": "no-such-category"}',
        "status_map": '{"sign": "QS"}',
        "callback_url": "",
        "is_active": "on",
    }
    page = admin.post("/admin/disputes/workordersource/add/", data)
    html = page.content.decode()
    assert page.status_code == 200 and "no-such-category" in html and "sign" in html
    assert not WorkOrderSource.objects.filter(code="court").exists()
    assert login(org["sysadmin"]).get("/admin/disputes/workordersource/").status_code == 403
