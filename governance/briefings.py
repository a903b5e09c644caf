"""Drafted reports (信息通报): 日报, 周专报 and 月分析研判报告 of a jurisdiction, drafted from the
period's figures, completed by the clerk, issued with a 期号 and kept frozen.

Where the figures come from (never a second count of the cases):
- the indicators (新受理, 办结, 在办超期, 红牌, 零报告按时率 …) and their 环比 / 同比, by place too:
  `governance.indicators.evaluate` / `evaluate_by_place` on the daily statistics, as the dashboard;
- hot categories: 新受理 filtered by category, evaluated the same way (an indicator per category);
- zero-report gaps: the daily statistics' `zr_missed` rows per village;
- 超期 and 红牌 by handling unit: `disputes.stats.overdue_records`, the cases the dashboard's
  在办超期 / 红牌 drill down to on the period's last day;
- key persons and repeated disputes: the 重点人员名单 entries marked in the period;
- typical cases: the cases the clerk names, as they stood when the report was saved.

A draft's figures are re-counted each time it is saved; `issue_briefing` counts them a last time
and freezes them: later changes to cases do not move an issued report. A correction is a new
report naming the one it corrects, with its own 期号. The Word file: governance/briefing_documents.py.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.indicators import DASH, Window, WindowKind, evaluate, evaluate_by_place, format_value
from governance.models import Briefing, DailyStat, Indicator, Role, User
from governance.scoping import jurisdiction
from governance.stats import day_bounds, labels

# The indicators a report states, in this order (inactive ones are left out).
REPORT_INDICATORS = (
    "received",
    "closed",
    "closure_rate",
    "resolution_rate",
    "open",
    "overdue",
    "red_cards",
    "satisfaction_rate",
    "village_rate",
    "zero_report_rate",
)
# The indicators of the table by place.
PLACE_INDICATORS = ("received", "closed", "overdue", "red_cards")
HOT_CATEGORIES = 5
LISTED_PERSONS = 20
LISTED_GAPS = 20
MAX_TYPICAL_CASES = 10
DRAFTING_ROLES = (Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)
WINDOW_KIND = {
    Briefing.Kind.DAILY: WindowKind.TODAY,
    Briefing.Kind.WEEKLY: WindowKind.WEEK,
    Briefing.Kind.MONTHLY: WindowKind.MONTH,
}
CHILD_LENGTH = {"county": 9, "township": 12}


class BriefingRefused(Exception):
    """A step on a report that its state or the person does not allow; the message says why."""


# --- periods and places -------------------------------------------------------------------------


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The day, its week (Monday to Sunday) or its calendar month."""
    if kind == Briefing.Kind.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == Briefing.Kind.MONTHLY:
        return day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1])
    return day, day


def check_period(kind: str, day: date, today: date | None = None) -> tuple[date, date]:
    """The period of `day`; a ValidationError in Chinese when it has not ended yet (a report states
    a whole period: the week's report is drafted from its Sunday on, the day's from that day)."""
    today = today or timezone.localdate()
    if kind not in Briefing.Kind.values:
        raise ValidationError(_("未知的报告类型。"))
    start, end = period_of(kind, day)
    if end > today:
        raise ValidationError(
            _("所选时段（%(s)s至%(e)s）尚未结束，不能起草该期报告；请选择已结束的时段。")
            % {"s": f"{start:%Y-%m-%d}", "e": f"{end:%Y-%m-%d}"}
        )
    if start.year < 2000:
        raise ValidationError(_("请选择2000年以后的时段。"))
    return start, end


def places_for(user: User) -> list:
    """The jurisdictions this person may report on: their own, and a county's townships."""
    from grids.models import Region

    region = jurisdiction(user)
    if region is None:
        return []
    if region.level != Region.Level.COUNTY:
        return [region]
    return [region, *Region.objects.filter(parent=region, level=Region.Level.TOWNSHIP).order_by("code")]


def default_title(kind: str, region, start: date, end: date) -> str:
    label = Briefing.Kind(kind).label
    if start == end:
        period = f"{start:%Y年%m月%d日}"
    elif kind == Briefing.Kind.MONTHLY:
        period = f"{start:%Y年%m月}"
    else:
        period = f"{start:%Y年%m月%d日}—{end:%m月%d日}"
    return _("%(place)s矛盾纠纷排查化解%(kind)s（%(period)s）") % {
        "place": region.name,
        "kind": label,
        "period": period,
    }


# --- figures ------------------------------------------------------------------------------------


def _change(current, other, unit: str = Indicator.Unit.COUNT) -> str:
    """The difference with another window, signed; a rate's in percentage points."""
    if current is None or other is None:
        return DASH
    diff = current - other
    text = f"+{diff}" if diff > 0 else f"{diff}"
    return _("%(d)s个百分点") % {"d": text} if unit == Indicator.Unit.PERCENT else text


def _indicator_rows(window: Window, prefix: str) -> list[dict]:
    wanted = {i.code: i for i in Indicator.objects.filter(code__in=REPORT_INDICATORS, active=True)}
    indicators = [wanted[c] for c in REPORT_INDICATORS if c in wanted]
    rows = []
    for result in evaluate(indicators, window, prefix=prefix):
        unit = result.indicator.unit
        rows.append(
            {
                "code": result.indicator.code,
                "name": result.indicator.name,
                "unit": unit,
                "value": None if result.value is None else str(result.value),
                "display": result.display,
                "numerator": result.current.numerator,
                "denominator": result.current.denominator,
                "previous": format_value(result.previous.value, unit),
                "year_earlier": format_value(result.year_earlier.value, unit),
                "mom": _change(result.value, result.previous.value, unit),
                "yoy": _change(result.value, result.year_earlier.value, unit),
                "note": result.current.note,
            }
        )
    return rows


def _place_rows(window: Window, region) -> list[dict]:
    """新受理, 办结, 在办超期, 红牌 per place below (townships of a county, villages of a township)."""
    from grids.models import Region

    length = CHILD_LENGTH.get(region.level)
    if length is None:
        return []
    indicators = list(Indicator.objects.filter(code__in=PLACE_INDICATORS, active=True))
    found = evaluate_by_place(indicators, window, prefix=region.prefix, length=length)
    child_level = Region.Level.TOWNSHIP if region.level == Region.Level.COUNTY else Region.Level.VILLAGE
    names = {
        code[:length]: name
        for code, name in Region.objects.filter(code__startswith=region.prefix, level=child_level).values_list(
            "code", "name"
        )
    }
    rows = []
    for place in sorted(found):
        figures = {code: found[place][code].value for code in PLACE_INDICATORS if code in found[place]}
        if not any(figures.values()):
            continue  # a place with nothing to report is left out of the table
        name = names.get(place) or _("%(p)s本级") % {"p": region.name}
        rows.append({"code": place, "name": name, **{k: v for k, v in figures.items()}})
    return rows


def _category_rows(window: Window, prefix: str) -> list[dict]:
    """The most received categories with 环比 and 同比: 新受理 filtered by each category received in
    the period (the dashboard ring's slices), each evaluated as an indicator of the registry would
    be (one query for all)."""
    names = labels("category")
    received = (
        DailyStat.objects.filter(
            metric="received", region_code__startswith=prefix, day__gte=window.start, day__lte=window.end
        )
        .exclude(category="")
        .order_by()
        .values_list("category", flat=True)
        .distinct()
    )
    probes = [
        Indicator(
            code=f"category:{code}",
            name=names.get(code) or code,
            unit=Indicator.Unit.COUNT,
            numerator="received",
            numerator_filter=f"category={code}",
            mode=Indicator.Mode.FLOW,
            direction=Indicator.Direction.LOWER,
        )
        for code in sorted(received)
    ]
    rows = []
    for result in evaluate(probes, window, prefix=prefix):
        if not result.value:
            continue
        rows.append(
            {
                "name": result.indicator.name,
                "current": result.value,
                "previous": format_value(result.previous.value, Indicator.Unit.COUNT),
                "year_earlier": format_value(result.year_earlier.value, Indicator.Unit.COUNT),
                "mom": _change(result.value, result.previous.value),
                "yoy": _change(result.value, result.year_earlier.value),
            }
        )
    rows.sort(key=lambda r: (-r["current"], r["name"]))
    return rows[:HOT_CATEGORIES]


def _units(window: Window, prefix: str) -> list[dict]:
    """By lead unit: 新受理 and 办结 in the period (the dashboard's records, disputes.stats), and
    在办超期 and 红牌 on its last day (the cases the dashboard's two numbers drill down to). A case
    not yet dispatched counts under 未分流. Four queries."""
    from disputes.stats import closure_records, overdue_records, received_records

    start, _end = day_bounds(window.start)
    last_start, end = day_bounds(window.end)
    counts: dict[str, dict[str, int]] = {}

    def add(names, column: str) -> None:
        for name, n in names:
            row = counts.setdefault(name or _("未分流"), {"received": 0, "closed": 0, "overdue": 0, "red": 0})
            row[column] += n

    add(
        received_records(start, end)
        .filter(stat_region_code__startswith=prefix)
        .values_list("lead_unit__name")
        .annotate(n=Count("pk")),
        "received",
    )
    add(
        closure_records(start, end)
        .filter(stat_region_code__startswith=prefix)
        .values_list("case__lead_unit__name")
        .annotate(n=Count("pk")),
        "closed",
    )
    for red in (False, True):
        records = overdue_records(last_start, end, red=red).filter(stat_region_code__startswith=prefix)
        add(records.values_list("lead_unit__name").annotate(n=Count("pk")), "red" if red else "overdue")
    rows = [{"unit": unit, **n} for unit, n in counts.items()]
    rows.sort(key=lambda r: (-r["red"], -r["overdue"], -r["received"], r["unit"]))
    return rows


def masked_name(name: str) -> str:
    """张三 → 张某: a report is copied to many units, so it names a person as official 通报 do; the
    full name stays in the register (重点人员名单), whose every view is audited."""
    return f"{name[:1]}某" if name else ""


def _persons(window: Window, prefix: str) -> dict:
    """重点人员 marked by hand and 重复纠纷 (marked by the rule: 3 cases in a year) in the period."""
    from disputes.models import KeyPerson

    start, _end = day_bounds(window.start)
    _start, end = day_bounds(window.end)
    marked = KeyPerson.objects.filter(
        township__code__startswith=prefix, marked_at__gte=start, marked_at__lt=end
    ).select_related("township")
    found = {KeyPerson.Source.MANUAL: [], KeyPerson.Source.RULE: []}
    for entry in marked.order_by("marked_at", "pk"):
        found[entry.source].append(
            {
                "name": masked_name(entry.name),
                "township": entry.township.name,
                "reason": entry.reason,
                "state": entry.get_state_display(),
            }
        )
    key, repeat = found[KeyPerson.Source.MANUAL], found[KeyPerson.Source.RULE]
    return {
        "key_count": len(key),
        "key": key[:LISTED_PERSONS],
        "repeat_count": len(repeat),
        "repeat": repeat[:LISTED_PERSONS],
    }


def _zero_report_gaps(window: Window, prefix: str) -> dict:
    """The villages that missed a daily zero-report in the period (`zr_missed`), most first."""
    from grids.models import Region

    rows = (
        DailyStat.objects.filter(
            metric="zr_missed", region_code__startswith=prefix, day__gte=window.start, day__lte=window.end
        )
        .order_by()
        .values("region_code")
        .annotate(n=Sum("value"))
        .order_by("-n", "region_code")
    )
    rows = [r for r in rows if r["n"]]
    shown = rows[:LISTED_GAPS]
    names = {
        code: (name, township or "")
        for code, name, township in Region.objects.filter(code__in=[r["region_code"] for r in shown]).values_list(
            "code", "name", "parent__name"
        )
    }
    return {
        "villages": len(rows),
        "missed": sum(r["n"] for r in rows),
        "rows": [
            {
                "village": names.get(r["region_code"], (r["region_code"], ""))[0],
                "township": names.get(r["region_code"], ("", ""))[1],
                "missed": r["n"],
            }
            for r in shown
        ],
    }


def parse_case_numbers(text: str) -> list[str]:
    """Case numbers typed one per line or separated by commas, spaces or 、; duplicates dropped."""
    numbers = []
    for number in re.split(r"[\s,，、;；]+", text or ""):
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def typical_cases(numbers: list[str], region) -> list[dict]:
    """The chosen cases as the report tells them; a number not found in the jurisdiction is refused."""
    from disputes.models import Case

    if len(numbers) > MAX_TYPICAL_CASES:
        raise ValidationError({"typical_cases": _("典型案例最多选 %(n)d 件。") % {"n": MAX_TYPICAL_CASES}})
    cases = {
        c.number: c
        for c in Case.objects.filter(number__in=numbers, township__code__startswith=region.prefix).select_related(
            "category", "township", "lead_unit"
        )
    }
    unknown = [n for n in numbers if n not in cases]
    if unknown:
        raise ValidationError(
            {"typical_cases": _("本辖区没有编号为 %(n)s 的案件，请核对。") % {"n": "、".join(unknown)}}
        )
    return [
        {
            "number": c.number,
            "summary": c.summary,
            "category": c.category.name if c.category_id else "",
            "township": c.township.name,
            "status": c.get_status_display(),
            "lead_unit": c.lead_unit.name if c.lead_unit_id else "",
            "received": f"{timezone.localtime(c.received_at):%Y-%m-%d}",
        }
        for c in (cases[n] for n in numbers)
    ]


def count_figures(region, start: date, end: date, kind: str, typical: list[str]) -> dict:
    """Every figure of the report of `region` for [start, end]: what is frozen at issue."""
    window = Window(start, end, WINDOW_KIND[kind])
    prefix = region.prefix
    return {
        "counted_at": f"{timezone.localtime():%Y-%m-%d %H:%M:%S}",
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "place": {"code": prefix, "name": region.name, "level": region.level},
        "indicators": _indicator_rows(window, prefix),
        "places": _place_rows(window, region),
        "units": _units(window, prefix),
        "categories": _category_rows(window, prefix),
        "persons": _persons(window, prefix),
        "zero_reports": _zero_report_gaps(window, prefix),
        "typical": typical_cases(typical, region),
    }


# --- steps --------------------------------------------------------------------------------------


def _check_drafter(by: User, region) -> None:
    if not by.has_role(*DRAFTING_ROLES):
        raise BriefingRefused(_("只有综治中心工作人员可以起草、修改和签发信息通报。"))
    mine = jurisdiction(by)
    if mine is None or not region.code.startswith(mine.prefix):
        raise BriefingRefused(_("该区域不在您的管辖范围内。"))


def draft_briefing(*, by: User, kind: str, day: date, region, today: date | None = None) -> Briefing:
    """A new draft for the period of `day`, its figures counted; the existing draft of the same
    period when there is one. A period already issued is refused: correct the issued report."""
    _check_drafter(by, region)
    start, end = check_period(kind, day, today)
    same = Briefing.objects.filter(kind=kind, region=region, period_start=start, corrects=None)
    issued = same.filter(state=Briefing.State.ISSUED).first()
    if issued is not None:
        raise ValidationError(
            _("该时段的%(k)s已签发（%(n)s），如需修改请对其发起更正。")
            % {"k": Briefing.Kind(kind).label, "n": issued.number_label}
        )
    existing = same.filter(state=Briefing.State.DRAFT).first()
    if existing is not None:
        return existing
    figures = count_figures(region, start, end, kind, [])
    try:
        with transaction.atomic():
            return Briefing.objects.create(
                kind=kind,
                region=region,
                period_start=start,
                period_end=end,
                title=default_title(kind, region, start, end),
                figures=figures,
                issuing_unit=by.unit,
                report_to=_("县委政法委") if region.level == "county" else _("县综治中心"),
                created_by=by,
            )
    except IntegrityError:  # a colleague drafted the same period a moment ago: theirs
        return same.get()


@dataclass
class BriefingText:
    """What the clerk completes on a draft."""

    title: str
    dynamics: str
    analysis: str
    next_steps: str
    report_to: str
    copy_to: str
    typical_cases: list[str]
    correction_note: str = ""


def update_briefing(*, briefing: Briefing, by: User, text: BriefingText) -> Briefing:
    """Save the clerk's text on a draft and count its figures again."""
    with transaction.atomic():
        briefing = Briefing.objects.select_for_update().select_related("region").get(pk=briefing.pk)
        _check_drafter(by, briefing.region)
        if briefing.is_issued:
            raise BriefingRefused(_("该报告已签发，不能再修改；如需修改请发起更正。"))
        if briefing.corrects_id and not text.correction_note.strip():
            raise ValidationError({"correction_note": _("更正报告须写明更正了什么。")})
        figures = count_figures(
            briefing.region, briefing.period_start, briefing.period_end, briefing.kind, text.typical_cases
        )
        for name in ("title", "dynamics", "analysis", "next_steps", "report_to", "copy_to", "correction_note"):
            setattr(briefing, name, getattr(text, name).strip())
        briefing.typical_cases, briefing.figures, briefing.updated_at = text.typical_cases, figures, timezone.now()
        briefing.save(
            update_fields=[
                "title",
                "dynamics",
                "analysis",
                "next_steps",
                "report_to",
                "copy_to",
                "correction_note",
                "typical_cases",
                "figures",
                "updated_at",
            ]
        )
    return briefing


def issue_briefing(*, briefing: Briefing, by: User) -> Briefing:
    """签发: count the figures a last time and freeze them, take the next 期号 of the kind,
    jurisdiction and year, record who and when."""
    from grids.models import Region

    with transaction.atomic():
        # The jurisdiction's row serialises the numbering: two reports issued at once get two numbers.
        Region.objects.select_for_update().filter(pk=briefing.region_id).first()
        briefing = Briefing.objects.select_for_update().select_related("region").get(pk=briefing.pk)
        _check_drafter(by, briefing.region)
        if briefing.is_issued:
            raise BriefingRefused(
                _("该报告已于 %(t)s 签发（%(n)s），不能重复签发。")
                % {"t": f"{timezone.localtime(briefing.issued_at):%Y-%m-%d %H:%M}", "n": briefing.number_label}
            )
        if briefing.corrects_id and not briefing.correction_note.strip():
            raise ValidationError(_("更正报告须写明更正了什么，请先填写更正说明并保存。"))
        if (
            not briefing.corrects_id
            and Briefing.objects.filter(
                kind=briefing.kind,
                region=briefing.region,
                period_start=briefing.period_start,
                corrects=None,
                state=Briefing.State.ISSUED,
            ).exists()
        ):
            raise BriefingRefused(_("该时段已有签发的报告，如需修改请对其发起更正。"))
        now = timezone.now()
        year = timezone.localtime(now).year
        last = Briefing.objects.filter(kind=briefing.kind, region=briefing.region, year=year).aggregate(n=Max("number"))
        briefing.figures = count_figures(
            briefing.region, briefing.period_start, briefing.period_end, briefing.kind, briefing.typical_cases
        )
        briefing.year, briefing.number = year, (last["n"] or 0) + 1
        briefing.state, briefing.issued_by, briefing.issued_at, briefing.updated_at = (
            Briefing.State.ISSUED,
            by,
            now,
            now,
        )
        briefing.save(update_fields=["figures", "year", "number", "state", "issued_by", "issued_at", "updated_at"])
    return briefing


def correct_briefing(*, briefing: Briefing, by: User) -> Briefing:
    """A new draft correcting an issued report: its text copied, its figures counted afresh; the
    clerk says what it corrects before issuing it."""
    _check_drafter(by, briefing.region)
    if not briefing.is_issued:
        raise BriefingRefused(_("草稿可以直接修改，无需更正。"))
    existing = briefing.corrections.filter(state=Briefing.State.DRAFT).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _new_correction(briefing, by)
    except IntegrityError:  # a colleague started the correction a moment ago: theirs
        return briefing.corrections.get(state=Briefing.State.DRAFT)


def _new_correction(briefing: Briefing, by: User) -> Briefing:
    return Briefing.objects.create(
        kind=briefing.kind,
        region=briefing.region,
        period_start=briefing.period_start,
        period_end=briefing.period_end,
        title=briefing.title,
        figures=count_figures(
            briefing.region, briefing.period_start, briefing.period_end, briefing.kind, briefing.typical_cases
        ),
        typical_cases=briefing.typical_cases,
        dynamics=briefing.dynamics,
        analysis=briefing.analysis,
        next_steps=briefing.next_steps,
        report_to=briefing.report_to,
        copy_to=briefing.copy_to,
        issuing_unit=by.unit,
        corrects=briefing,
        created_by=by,
    )
