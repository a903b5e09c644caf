"""The two default report forms (loaded by a data migration; loading again never overwrites a form
an administrator adjusted): 矛盾纠纷排查调处情况表 and 人民调解工作统计表.

A line is (code, label, group, terms, filter, denominator, denominator_filter, typed, extra):
the indicators' notation for the metrics (disputes/stats.py, mediation/stats.py) and filters.
"""

from __future__ import annotations

from django.utils import timezone

SURVEY = "disputes-survey"
MEDIATION = "mediation-work"

FORMS = (
    {
        "code": SURVEY,
        "name": "矛盾纠纷排查调处情况表",
        "order": 10,
        "kinds": "month,quarter,half,year",
        "due_day": 5,
        "note": "排查数为受理登记的矛盾纠纷（按受理单位层级），调处数为审核办结的（按最后办结反馈单位层级）；"
        "调处率=调处数/排查数，成功率=调解成功数/调处数。",
        "rows": (
            ("found", "排查数", "", "received", "", "", "", False, {"per_category": True}),
            ("handled", "调处数", "", "closed", "", "", "", False, {"per_category": True}),
            ("total-found", "排查数", "总况", "received", "", "", "", False, {}),
            ("total-handled", "调处数", "总况", "closed", "", "", "", False, {}),
            ("handle-rate", "调处率（%）", "总况", "closed", "", "received", "", False, {}),
            ("success", "成功数", "总况", "closed_resolved", "", "", "", False, {}),
            ("success-rate", "成功率（%）", "总况", "closed_resolved", "", "closed", "", False, {}),
            ("people-lt50", "50人以下", "涉及人数", "received_people_lt50", "", "", "", False, {}),
            ("people-50", "50–100人", "涉及人数", "received_people_50_100", "", "", "", False, {}),
            ("people-100", "100–500人", "涉及人数", "received_people_100_500", "", "", "", False, {}),
            ("people-500", "500人以上", "涉及人数", "received_people_ge500", "", "", "", False, {}),
            ("major", "重大矛盾纠纷", "", "received_major", "", "", "", False, {}),
            ("campaigns", "开展集中排查次数", "", "", "", "", "", True, {}),
        ),
        "columns": (
            ("county", "县", "办理层级", "", "level=county", "", "", False, {"own_level": "county"}),
            ("township", "乡镇街道", "办理层级", "", "level=township", "", "", False, {}),
            ("village", "村居", "办理层级", "", "level=village", "", "", False, {}),
            ("subtotal", "小计", "", "", "", "", "", False, {"sums_typed": True}),
            ("year", "年度累计", "", "", "", "", "", False, {"span": "year"}),
        ),
    },
    {
        "code": MEDIATION,
        "name": "人民调解工作统计表",
        "order": 20,
        "kinds": "month",
        "due_day": 5,
        "note": "受理为受理登记的纠纷，调解成功为审核办结且结果为调解成功的，书面协议为签订的人民调解协议书，"
        "申请司法确认、确认有效取自司法确认记录；其余由填报单位填写。",
        "rows": (
            ("total", "合计", "", "", "", "", "", False, {}),
            ("own-motion", "主动调解", "按来源", "", "", "", "", True, {}),
            ("applied", "申请调解", "按来源", "", "", "", "", True, {}),
            ("referred", "委托移送调解", "按来源", "", "", "", "", True, {}),
            ("type", "按类型", "", "", "", "", "", False, {"per_category": True}),
        ),
        "columns": (
            ("accepted", "受理（件）", "", "received", "", "", "", False, {}),
            ("success", "调解成功（件）", "", "closed_resolved", "", "", "", False, {}),
            ("rate", "成功率（%）", "", "closed_resolved", "", "closed", "", False, {}),
            ("amount", "协议涉及金额（万元）", "", "", "", "", "", True, {}),
            ("written", "书面", "协议", "agreements_signed", "", "", "", False, {}),
            ("oral", "口头", "协议", "", "", "", "", True, {}),
            ("applied-confirm", "申请", "司法确认", "confirmations_applied", "", "", "", False, {}),
            ("confirmed", "确认有效", "司法确认", "confirmations_confirmed", "", "", "", False, {}),
            ("performed", "履行（件）", "", "", "", "", "", True, {}),
            ("crime-cases", "件", "防止民间纠纷转化为刑事案件", "", "", "", "", True, {}),
            ("crime-people", "人", "防止民间纠纷转化为刑事案件", "", "", "", "", True, {}),
            ("petition-cases", "件", "防止群体性上访", "", "", "", "", True, {}),
            ("petition-people", "人", "防止群体性上访", "", "", "", "", True, {}),
        ),
    },
)

LINE = ("code", "label", "group", "terms", "filter", "denominator", "denominator_filter", "typed")


def load_report_forms(ReportForm, ReportRow, ReportColumn) -> None:
    """Create the default forms that do not exist yet; an existing one is left as it is."""
    for spec in FORMS:
        if ReportForm.objects.filter(code=spec["code"]).exists():
            continue
        # Owed from the month the form is installed: earlier periods were never asked for.
        fields = {k: spec[k] for k in ("code", "name", "order", "kinds", "due_day", "note")}
        form = ReportForm.objects.create(**fields, filing_from=timezone.localdate().replace(day=1))
        for model, lines in ((ReportRow, spec["rows"]), (ReportColumn, spec["columns"])):
            for order, line in enumerate(lines):
                model.objects.create(form=form, order=order * 10, **dict(zip(LINE, line[:8], strict=True)), **line[8])
