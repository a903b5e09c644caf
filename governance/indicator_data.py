"""The indicators shipped with the system (口径), loaded by a data migration and by the tests.
The county adjusts them in /admin/ (统计指标); loading again never overwrites an adjusted row.

Fields per row: code, name, unit, numerator, numerator filter, denominator, denominator filter,
date basis, direction, target, green threshold, yellow threshold, 口径说明. A metric named here that
no provider counts makes the indicator show 尚无数据 until one does (the metrics providers declare:
governance.stats.counted_metrics).
"""

from __future__ import annotations

from decimal import Decimal

VILLAGE, TOWN_OR_BELOW, IN_COUNTY = "level=village", "level=village,township", "level=village,township,county"

# fmt: off
DEFAULT_INDICATORS = [
    ("intake", "受理量", "count", "received + open_end@start", "", "", "", "received", "higher", None, None, None,
     "窗口内新受理的案件数，加上窗口开始前一日终了时仍在办理中的案件数（上期结转）。"),
    ("received", "新受理", "count", "received", "", "", "", "received", "higher", None, None, None,
     "窗口内登记受理（含待受理）的案件数，按受理时间计。"),
    ("carried_over", "上期结转", "count", "open_end@start", "", "", "", "received", "higher", None, None, None,
     "窗口开始前一日终了时仍在办理中（待受理至待审核）的案件数。"),
    ("open", "在办", "count", "open_end", "", "", "", "event", "lower", None, None, None,
     "窗口最后一日终了时仍在办理中（待受理至待审核）的案件数。"),
    ("closed", "办结量", "count", "closed", "", "", "", "closed", "higher", None, None, None,
     "窗口内审核通过办结的案件数，按审核通过时间计；重新办理后再次办结的再计一次。"),
    ("closure_rate", "办结率", "percent", "closed", "", "received + open_end@start + reopened", "", "closed",
     "higher", "90", "90", "80",
     "办结量 ÷ 应办量（新受理 + 上期结转 + 窗口内重新办理次数）。重新办理后再次办结的，分子分母各计一次，"
     "故不超过100%。分子按办结时间、分母按受理时间计，均为窗口内发生的数量。"),
    ("resolution_rate", "化解率", "percent", "closed_resolved", "", "received + open_end@start + reopened", "",
     "closed", "higher", "85", "85", "75",
     "办结反馈为“调解成功”的办结案件数 ÷ 应办量（新受理 + 上期结转 + 窗口内重新办理次数）。"
     "部分成功、调解不成功的不计入化解。"),
    ("mediation_success_rate", "调解成功率", "percent", "closed_resolved", "", "closed", "", "closed", "higher",
     "80", "80", "70",
     "窗口内办结的案件中，办结反馈为“调解成功”的比例；部分成功、调解不成功计入分母。"),
    ("on_time_closure_rate", "按期办结率", "percent", "closed_on_time", "", "closed_on_time + closed_late", "",
     "closed", "higher", "95", "95", "90",
     "窗口内办结的案件中，最后一次办结反馈在当时有效的办理期限（含批准延期、暂停计时）当日或之前的比例，"
     "按审核通过时间计；未经分流、没有办理期限的不计入。"),
    ("timely_sign_rate", "及时签收率", "percent", "signed_on_time", "", "signed_on_time + signed_late", "", "event",
     "higher", "95", "95", "90",
     "窗口内签收的转办案件中，在分流时规定的签收时限内签收的比例，按签收时间计；分流时未记录签收时限的不计入。"),
    ("evaluation_rate", "参评率", "percent", "evaluated", "", "closed", "", "evaluated", "higher", "80", "80", "60",
     "窗口内群众评价次数 ÷ 窗口内办结量；评价与办结不一定在同一窗口，故可能超过100%。"),
    ("satisfaction_rate", "满意率", "percent", "evaluated_satisfied + evaluated_basically", "", "evaluated", "",
     "evaluated", "higher", "95", "95", "90",
     "窗口内群众评价中“满意”和“基本满意”的比例，按评价时间计；未评价的案件不计入，请同时看参评率。"),
    ("return_rate", "回退率", "percent", "returned", "", "dispatched", "", "event", "lower", "5", "5", "10",
     "窗口内承办单位退回中心的次数 ÷ 窗口内分流转办的次数。"),
    ("reopen_rate", "重办率", "percent", "reopened", "", "closed", "", "event", "lower", "3", "3", "5",
     "窗口内重新办理（群众不满意或审核发现问题后重启）的次数 ÷ 窗口内办结量。"),
    ("overdue", "在办超期", "count", "overdue_end", "", "", "", "event", "lower", "0", "0", "5",
     "窗口最后一日终了时（最后一日为今日的，按当前时刻）处于已分流待签收或办理中、已超过当时有效的办理期限（含批准延期、"
     "暂停计时顺延）的案件数，与案件列表“仅看逾期”一致；暂停计时中的照常计入。流转记录未载明办理期限的早期案件不计入。"),
    ("red_cards", "红牌", "count", "red_end", "", "", "", "event", "lower", "0", "0", "2",
     "在办超期案件中，超过办理期限的工作日数已达时限矩阵红牌阈值的案件数（按案件层级、类别、风险等级取阈值）；"
     "暂停计时中的不计。"),
    ("village_rate", "小事不出村率", "percent", "closed", VILLAGE, "closed", "", "closed", "higher", "60", "60", "50",
     "窗口内办结的案件中，由村（社区）一级单位化解办结的比例。按最后一次办结反馈单位的层级计，不按纠纷发生地计。"),
    ("township_rate", "大事不出镇率", "percent", "closed", TOWN_OR_BELOW, "closed", "", "closed", "higher",
     "90", "90", "80",
     "窗口内办结的案件中，由村（社区）或乡镇（街道）一级单位化解办结的比例，按办结反馈单位的层级计。"),
    ("in_county_rate", "矛盾不上交率", "percent", "closed", IN_COUNTY, "closed", "", "closed", "higher",
     "98", "98", "95",
     "窗口内办结的案件中，由县域内（村、乡镇、县级）单位化解办结的比例；办结单位层级未记录的计入分母不计入分子。"),
    ("zero_report_rate", "零报告按时率", "percent", "zr_on_time", "", "zr_due", "", "event", "higher",
     "98", "98", "95",
     "窗口内应报的村（社区）日排查零报告中，在截止时间及宽限内报送的比例；迟报、漏报不计入分子。"),
    ("night_visit_coverage", "夜访覆盖率", "percent", "places:villages_visited", "", "villages", "", "event", "higher",
     None, None, None,
     "窗口内至少有一次平安夜访的村（社区）数 ÷ 村（社区）总数；同一村多次夜访只算一次。"),
    ("agreements", "协议数", "count", "agreements_signed", "", "", "", "event", "higher", None, None, None,
     "窗口内签订生效的人民调解协议书份数，按签订日期计；更正产生的新版本不重复计。"),
    ("confirmations", "司法确认数", "count", "confirmations_confirmed", "", "", "", "event", "higher",
     None, None, None,
     "窗口内人民法院裁定确认有效的调解协议数，按裁定日期计。"),
]
# fmt: on
BESIDE = {"satisfaction_rate": "evaluation_rate", "confirmations": "agreements"}

# Shipped definitions replaced since (code, field, old value, new value): a data migration moves a
# county's row to the new one only where it still holds the old (`upgrade_defaults`).
REPLACED = [
    # 2026-12: a reopened case closed again counted twice in 办结量 and once in 受理量 (办结率 105 %).
    ("closure_rate", "denominator", "received + open_end@start", "received + open_end@start + reopened"),
    ("resolution_rate", "denominator", "received + open_end@start", "received + open_end@start + reopened"),
    (
        "closure_rate",
        "explanation",
        "办结量 ÷ 受理量（新受理 + 上期结转）。分子按办结时间、分母按受理时间计，均为窗口内发生的数量。",
        None,
    ),
    (
        "resolution_rate",
        "explanation",
        "办结反馈为“调解成功”的办结案件数 ÷ 受理量（新受理 + 上期结转）。部分成功、调解不成功的不计入化解。",
        None,
    ),
]


def upgrade_defaults(indicator_model) -> int:
    """Apply REPLACED to rows that still hold the old shipped value (None: today's default's
    value); a value the county changed is left alone. Returns the number of fields changed."""
    shipped = {row[0]: row for row in DEFAULT_INDICATORS}
    fields = {"denominator": 5, "explanation": 12}
    changed = 0
    for code, field, old, new in REPLACED:
        value = new if new is not None else shipped[code][fields[field]]
        changed += indicator_model.objects.filter(code=code, **{field: old}).update(**{field: value})
    return changed


# The ranking's default weights (sum 100): what a county's 平安建设 assessment weighs most (化解,
# 按期, 满意, 不上交) first. The county adjusts them in /admin/ like the rest of the row.
WEIGHTS = {
    "resolution_rate": 20,
    "on_time_closure_rate": 15,
    "satisfaction_rate": 15,
    "closure_rate": 10,
    "timely_sign_rate": 10,
    "village_rate": 10,
    "zero_report_rate": 10,
    "return_rate": 5,
    "reopen_rate": 5,
}
# The ranking's default bands (name, lowest score, tone).
SCORE_BANDS = [("优秀", 90, "good"), ("良好", 80, "good"), ("一般", 60, "warn"), ("较差", 0, "bad")]


def load_weights_and_bands(indicator_model, band_model) -> None:
    """Idempotent: a weight is set only where it is still 0, a band only if none exists."""
    for code, weight in WEIGHTS.items():
        indicator_model.objects.filter(code=code, weight=0).update(weight=Decimal(weight))
    if not band_model.objects.exists():
        for name, floor, tone in SCORE_BANDS:
            band_model.objects.create(name=name, min_score=Decimal(floor), tone=tone)


def load_indicators(indicator_model) -> None:
    """Idempotent; takes the model so a migration can pass its historical one. A row that exists
    (perhaps adjusted by the county) is left as it is."""
    created = set()
    for order, row in enumerate(DEFAULT_INDICATORS, start=1):
        code, name, unit, num, num_filter, den, den_filter, basis, direction, target, good, warn, text = row
        _indicator, new = indicator_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "order": order * 10,
                "unit": unit,
                "numerator": num,
                "numerator_filter": num_filter,
                "denominator": den,
                "denominator_filter": den_filter,
                "date_basis": basis,
                "mode": "flow",
                "direction": direction,
                "target": None if target is None else Decimal(target),
                "good_at": None if good is None else Decimal(good),
                "warn_at": None if warn is None else Decimal(warn),
                "explanation": text,
            },
        )
        if new:
            created.add(code)
    for code, other in BESIDE.items():
        if code in created:
            indicator = indicator_model.objects.get(code=code)
            indicator.beside = indicator_model.objects.get(code=other)
            indicator.save(update_fields=["beside"])
