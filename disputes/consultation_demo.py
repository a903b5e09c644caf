"""The demo county's online enquiries (网上咨询, seed_demo): questions waiting (one due soon, one
long overdue, one asked of the county without a place) and answered ones, so that 我的待办, the
consultation list, the supervision list and the overdue scan have something to show.
Idempotent: nothing is added when the county has any."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from disputes.consultations import NOTICE_VERSION, answer_consultation, answer_due_for, center_for
from disputes.models import Consultation
from governance.models import Role, User
from grids.models import Region

# (days ago, the place: "township" (the demo township's), "village" (its first village) or None, name,
#  phone, question, answer or "")
PLAN = [
    (0, "village", "赵桂兰", "13912340001", "村里修路占了我家承包地的一角，补偿标准是怎么定的？", ""),
    (4, "township", "钱国强", "13912340002", "在外地打工被拖欠工资，回老家了还能在哪里申请帮助？", ""),
    (12, "village", "孙秀英", "13912340003", "儿子在外不赡养老人，村里能出面调解吗？需要带什么材料？", ""),
    (1, None, "李建华", "13912340004", "不知道归哪个镇管：小区物业和业主之间的纠纷可以找综治中心吗？", ""),
    (
        9,
        "village",
        "周志明",
        "13912340005",
        "宅基地确权登记需要准备哪些材料？",
        "请携带身份证、户口簿和宅基地使用证明，到镇便民服务中心自然资源窗口办理，工作日均可受理。",
    ),
    (
        20,
        "township",
        "吴丽娟",
        "13912340006",
        "和邻居因为排水沟有矛盾，人民调解收费吗？",
        "人民调解不收取任何费用（人民调解法第四条）。可到镇人民调解委员会或村调委会申请，也可在码上办反映矛盾纠纷。",
    ),
]


def seed_consultations(county: Region) -> int:
    if Consultation.objects.filter(center__region__code__startswith=county.prefix).exists():
        return 0
    clerk = User.objects.with_role(Role.TOWNSHIP_STAFF).filter(username="township", is_active=True).first()
    if clerk is None or clerk.unit is None:
        return 0
    township = clerk.unit.region
    village = Region.objects.filter(parent=township, level=Region.Level.VILLAGE).order_by("code").first()
    places = {"township": township, "village": village, None: None}
    now = timezone.now()
    made = 0
    for ago, where, name, phone, question, answer in PLAN:
        place_township, place_village, center = center_for(places[where])
        received = now - timedelta(days=ago, hours=2)
        consultation = Consultation(
            code=f"DEMQ{str(made + 2) * 4}",  # DEMQ2222, DEMQ3333 … (the query-code alphabet)
            question=question,
            name=name,
            township=place_township,
            village=place_village,
            center=center,
            received_at=received,
            answer_due=answer_due_for(timezone.localtime(received).date()),
            consented_at=received,
            notice_version=NOTICE_VERSION,
        )
        consultation.set_phone(phone)
        consultation.save()
        if answer:
            answer_consultation(consultation=consultation, by=clerk, answer=answer)
        made += 1
    return made
