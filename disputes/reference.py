"""The categories and risk colours every county starts with (the administrator can extend them).
Loaded by a data migration; tests that flush the database load them again from here."""

from __future__ import annotations

CATEGORIES = [
    ("marriage_family", "婚姻家庭"),
    ("neighbourhood", "邻里纠纷"),
    ("land_contract", "土地承包流转"),
    ("labour", "劳资/劳动争议"),
    ("expropriation", "征地拆迁"),
    ("medical", "医疗纠纷"),
    ("traffic", "道路交通"),
    ("property_mgmt", "物业纠纷"),
    ("environment", "环境污染"),
    ("consumer", "消费纠纷"),
    ("private_lending", "民间借贷/金融"),
    ("housing_delivery", "商品房交付"),
    ("other", "其他"),
]
RISK_LEVELS = [("red", "红色", "#d93025", 30), ("yellow", "黄色", "#f2a600", 20), ("blue", "蓝色", "#1a73e8", 10)]


def load_reference_data(category_model, risk_level_model) -> None:
    """Idempotent; takes the models so a migration can pass its historical ones."""
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})
    for code, name, color, severity in RISK_LEVELS:
        risk_level_model.objects.get_or_create(code=code, defaults={"name": name, "color": color, "severity": severity})


# Statutory limits: (code, name, amount, unit, extension, citation, text, handled_by_kind, sector)
STATUTES = [
    (
        "mediation",
        "人民调解期限",
        1,
        "months",
        0,
        "《人民调解工作若干规定》第三十六条",
        "人民调解委员会调解纠纷，一般在一个月内调结。",
        "mediation",
        "",
    ),
    (
        "judicial_confirmation",
        "申请司法确认期限",
        30,
        "calendar_days",
        0,
        "《中华人民共和国人民调解法》第三十三条",
        "经人民调解委员会调解达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。",
        "",
        "",
    ),
    (
        "petition_acceptance",
        "信访事项受理告知期限",
        15,
        "calendar_days",
        0,
        "《信访工作条例》",
        "有权处理的机关、单位应当自收到信访事项之日起15日内决定是否受理并书面告知信访人。",
        "",
        "",  # the acceptance of a 信访 case, not a cap on the handling (deadlines.acceptance_due)
    ),
    (
        "petition_handling",
        "信访事项办理期限",
        60,
        "calendar_days",
        30,
        "《信访工作条例》",
        "信访事项应当自受理之日起60日内办结；情况复杂的，经批准可以适当延长办理期限，但延长期限不得超过30日。",
        "",
        "petition",
    ),
]

# The time-limit matrix every county starts with (DESIGN.md): (risk colour or None, stage,
# amount, unit, due_soon, yellow_after, red_after). All rows are "any level, any category".
DEFAULT_STAGES = [
    ("sign", 1, "working_days", 0, 0, 2),
    ("handle", 30, "working_days", 2, 0, 3),
    ("review", 3, "working_days", 1, 0, 2),
    ("visit", 30, "calendar_days", 3, 0, 7),
]
RISK_STAGES = {
    "yellow": [("handle", 15, "working_days", 2, 0, 3)],
    "red": [("sign", 2, "hours", 1, 0, 2), ("handle", 7, "working_days", 2, 0, 2)],
}


def load_time_limits(statute_model, rule_model, stage_model, risk_level_model) -> None:
    """Idempotent; takes the models so a migration can pass its historical ones."""
    for code, name, amount, unit, extension, citation, text, kind, sector in STATUTES:
        statute_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "amount": amount,
                "unit": unit,
                "extension": extension,
                "citation": citation,
                "text": text,
                "handled_by_kind": kind,
                "handled_by_sector": sector,
            },
        )
    rows = [(None, DEFAULT_STAGES, "默认时限")] + [(code, stages, "按风险等级") for code, stages in RISK_STAGES.items()]
    for risk_code, stages, note in rows:
        risk = risk_level_model.objects.filter(code=risk_code).first() if risk_code else None
        if risk_code and risk is None:
            continue
        rule, _created = rule_model.objects.get_or_create(
            level="", category=None, risk_level=risk, defaults={"note": note}
        )
        for stage, amount, unit, due_soon, yellow, red in stages:
            stage_model.objects.get_or_create(
                rule=rule,
                stage=stage,
                defaults={
                    "amount": amount,
                    "unit": unit,
                    "due_soon": due_soon,
                    "yellow_after": yellow,
                    "red_after": red,
                },
            )
