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
