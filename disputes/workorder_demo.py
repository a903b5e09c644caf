"""The demo county's work-order sources (seed_demo): 12345 and 110 at the county center, a few
orders received through the real path (stored, processed into 待受理), one the mapping lacks
(failed, to correct and replay), one accepted by the county clerk so that its callback waits — the
demo's callback address answers nothing, so the page shows the retry and its error. Idempotent."""

from __future__ import annotations

import json

from django.utils import timezone

from disputes import services, workorders
from disputes.models import Channel, InboundOrder, RiskLevel, WorkOrderSource
from governance.crypto import encrypt
from governance.models import Role, Unit, User
from grids.models import Region

# Demo secrets only (a real source gets its secret from 系统管理 → 工单来源 → 生成新密钥).
DEMO_SECRETS = {"12345": "demo-12345-secret", "110": "demo-110-secret"}
CATEGORIES = {"ZJ01": "neighbourhood", "ZJ02": "property_mgmt", "ZJ03": "labour", "ZJ04": "consumer"}
STEPS = {"accept": "QS", "return": "TH", "extension": "YQ", "close": "BJ", "visit": "HF"}
ORDERS = {
    "12345": [
        ("ZJ02", "小区电梯停运一周，物业以费用不足为由拒绝维修，多户老人出行困难。", "李女士", 0),
        ("ZJ03", "在县城工地务工三个月，包工头拖欠工资一万二千元。", "赵先生", 1),
        ("ZJ01", "楼上住户长期深夜噪音，多次协商无果。", "孙女士", 2),
        ("ZX99", "反映农村低保评定不公。", "钱先生", 0),  # a category the mapping lacks: failed
    ],
    "110": [("ZJ01", "邻居因宅基地边界争吵，已到场劝离，非警务警情移交调处。", "周先生", 3)],
}


def seed_work_orders(county: Region) -> int:
    center = Unit.objects.filter(kind=Unit.Kind.COUNTY_CENTER, region=county).first()
    if center is None or WorkOrderSource.objects.filter(center=center).exists():
        return 0
    townships = list(Region.objects.within(county).townships().order_by("code")[:4])
    sources = {
        "12345": WorkOrderSource.objects.create(
            code="12345",
            name="12345政务服务便民热线",
            channel=Channel.HOTLINE_12345,
            center=center,
            secret_encrypted=encrypt(DEMO_SECRETS["12345"]),
            secret_set_at=timezone.now(),
            category_map=CATEGORIES,
            status_map=STEPS,
            callback_url="http://127.0.0.1:9/12345/callback",
        ),
        "110": WorkOrderSource.objects.create(
            code="110",
            name="110非警务警情",
            channel=Channel.POLICE_110,
            center=center,
            secret_encrypted=encrypt(DEMO_SECRETS["110"]),
            secret_set_at=timezone.now(),
            category_map=CATEGORIES,
            status_map={},  # polls our status instead of receiving callbacks
        ),
    }
    made = 0
    for code, orders in ORDERS.items():
        for n, (category, text, reporter, town) in enumerate(orders, start=1):
            township = townships[town % len(townships)]
            village = township.children.order_by("code").first()
            order_id = f"{code}-{timezone.localdate():%Y%m%d}-{n:04d}"
            body = {
                "order_id": order_id,
                "category": category,
                "description": text,
                "reporter": reporter,
                "phone": f"1390000{n:04d}",
                "place": {"township": township.name, "village": village.name if village else ""},
                "urgency": "一般",
            }
            order, _created = workorders.receive(
                sources[code], order_id=order_id, body=json.dumps(body, ensure_ascii=False).encode()
            )
            workorders.process(order)
            made += 1
    clerk = User.objects.with_role(Role.COUNTY_STAFF).filter(unit=center, is_active=True).first()
    first = InboundOrder.objects.filter(source=sources["12345"], state=InboundOrder.State.DONE).order_by("pk").first()
    if clerk is not None and first is not None:
        case = first.case
        services.accept_case(
            case=case, by=clerk, category=case.category, risk_level=RiskLevel.objects.first(), version=case.version
        )
        workorders.send_due()  # nothing listens at the demo's callback address: one retry, with its error
    return made
