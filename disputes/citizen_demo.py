"""Demo data of 码上办 · 我要反映: the centers' phone numbers (printed on their posters) and a few
citizens' reports waiting in 城关镇综治中心's 待受理, made through the same service as the public
form (disputes/citizen_intake.py). The second comes from the same phone as the first, so the
clerk sees the duplicate warning on it. Idempotent: a second run adds nothing."""

from __future__ import annotations

from disputes.citizen_intake import OtherParty, submit_online_case
from disputes.models import Case, CaseCode, Channel
from governance.models import Unit
from grids.models import Region

# (name, phone, village index in 城关镇, plain category, summary, other party, mediation, urgent)
DEMO_REPORTS = (
    (
        "刘桂兰",
        "13700001001",
        0,
        "neighbour",
        "楼上住户家卫生间漏水，渗到我家卧室天花板，墙皮大块脱落。找他说了三次，他说不是他家的问题，不肯修。",
        OtherParty(name="陈某", address="和平社区3栋502"),
        CaseCode.Mediation.ONLINE,
        False,
    ),
    (
        "刘桂兰",
        "13700001001",
        0,
        "property",
        "小区物业把消防通道改成收费停车位，救护车上次进不来。找物业几次都说是业委会定的。",
        OtherParty(name="城关镇某物业服务公司"),
        CaseCode.Mediation.IN_PERSON,
        False,
    ),
    (
        "周建军",
        "13700001002",
        1,
        "wages",
        "我们8个人在镇上工地干了四个月木工活，包工头还欠我们工资共6万多元，过年前说好结清，现在电话不接。",
        OtherParty(name="吴某（包工头）", phone="13900001003"),
        CaseCode.Mediation.IN_PERSON,
        True,
    ),
)


def seed_citizen_reports(county: Region) -> int:
    """The centers' phones, then the reports; returns how many reports were added."""
    centers = Unit.objects.filter(
        kind__in=[Unit.Kind.COUNTY_CENTER, Unit.Kind.TOWNSHIP_CENTER], region__code__startswith=county.prefix
    ).order_by("code")
    for n, center in enumerate(centers):
        if not center.phone:
            center.phone = f"0000-66{n:05d}"
            center.save(update_fields=["phone"])
    if Case.objects.filter(channel=Channel.ONLINE, summary=DEMO_REPORTS[0][4]).exists():
        return 0
    township = Region.objects.within(county).townships().order_by("code").first()
    villages = list(Region.objects.filter(parent=township).order_by("code")[:2])
    for name, phone, village, category, summary, other, mediation, urgent in DEMO_REPORTS:
        submit_online_case(
            name=name,
            phone=phone,
            place=villages[village],
            summary=summary,
            plain_category=category,
            mediation=mediation,
            other=other,
            people_involved=8 if urgent else 2,
            urgent=urgent,
        )
    return len(DEMO_REPORTS)
