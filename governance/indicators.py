"""Indicators (口径) evaluated from the daily statistics, for a window of days, with 环比 and 同比.

An `Indicator` row says what is counted: a numerator and (for a rate) a denominator, each a sum of
DailyStat metrics, optionally filtered by a dimension (`level=village`). `evaluate` reads the rows
of every indicator asked for, over the window, the window before it and the window a year
earlier, in ONE aggregate query grouped by metric and the filtered dimensions, whatever the number
of days, places or indicators.

Flow and stock: a flow metric (received, closed, …) is summed over the window's days; a stock
metric (open_end: 在办 at the end of a day) is read on one day, the window's last (`open_end`,
`open_end@end`) or the day before it began (`open_end@start`, 上期结转). `places:<metric>` counts
the places (region codes) that have a row of the metric in the window: night-visit coverage
needs distinct villages, which a sum of daily counts cannot give.

Cohort indicators (of the cases received in the window, how many were later closed…) need rows
keyed by the case's receipt period, which DailyStat does not carry: they evaluate to None with a
note, and the admin refuses them (see COHORT_NOTE).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.models import DailyStat, Indicator, StatFill, StatLevel, User
from governance.stats import check_range, counted_metrics

# An indicator may name a metric no provider counts yet (governance.stats.counted_metrics: what the
# providers of settings.STATS_PROVIDERS declare): its definition is kept, and it evaluates to None
# with a note until a provider counts it.
# Metrics that are a stock at the end of a day, not a count of what happened during it.
STOCK_METRICS = frozenset({"open_end", "overdue_end", "red_end", "villages"})
FILTER_DIMENSIONS = ("level", "category", "channel", "colour")
UNFILLED_NOTE = gettext_lazy("该时段尚未统计")
WINDOW_TOO_LONG = gettext_lazy("统计时段最长 %(n)d 天（约两年），所选时段 %(m)d 天，请缩短。")
COHORT_NOTE = gettext_lazy("每日统计不含案件的受理日期维度，暂不能按批次（队列）计算")
# A window (and so its 同比 a year earlier) spans at most about two years.
MAX_WINDOW_DAYS = 366 * 2
DASH = "—"

_TERM = re.compile(r"^(?:(?P<places>places):)?(?P<metric>[a-z][a-z0-9_]{0,39})(?:@(?P<at>start|end))?$")


# --- definitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    metric: str
    at: str = ""  # stocks: "start" (the day before the window) or "end" (its last day)
    places: bool = False


@dataclass(frozen=True)
class Side:
    """A numerator or a denominator: terms added up over the rows that pass the filter."""

    terms: tuple[Term, ...]
    where: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def metrics(self) -> set[str]:
        return {t.metric for t in self.terms}


def parse_terms(text: str) -> tuple[Term, ...]:
    terms = []
    for part in (p.strip() for p in text.split("+")):
        match = _TERM.match(part)
        if not match:
            raise ValidationError(_("无法识别“%(t)s”：应为小写字母、数字和下划线组成的指标名。") % {"t": part})
        metric, at, places = match["metric"], match["at"] or "", bool(match["places"])
        stock = metric in STOCK_METRICS
        if at and not stock:
            raise ValidationError(_("%(m)s 不是存量指标，不能写 @start 或 @end。") % {"m": metric})
        if places and stock:
            raise ValidationError(_("%(m)s 是存量指标，不能写 places:。") % {"m": metric})
        terms.append(Term(metric, at or ("end" if stock else ""), places))
    return tuple(terms)


def parse_filter(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    where = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        dimension, sep, values = (s.strip() for s in part.partition("="))
        if not sep or dimension not in FILTER_DIMENSIONS:
            raise ValidationError(
                _("筛选“%(p)s”应写成 维度=值，维度为 %(d)s 之一。") % {"p": part, "d": "、".join(FILTER_DIMENSIONS)}
            )
        chosen = frozenset(v.strip() for v in values.split(",") if v.strip())
        if not chosen:
            raise ValidationError(_("筛选“%(p)s”没有值。") % {"p": part})
        if dimension == "level" and not chosen <= set(StatLevel.values):
            raise ValidationError(_("办理层级只能是 %(v)s。") % {"v": ", ".join(StatLevel.values)})
        where.append((dimension, chosen))
    return tuple(sorted(where, key=lambda w: w[0]))


def parse_side(terms: str, where: str) -> Side | None:
    return Side(parse_terms(terms), parse_filter(where)) if terms.strip() else None


def check_definition(indicator: Indicator) -> None:
    """The admin's validation of an indicator row (Indicator.clean)."""
    errors: dict[str, list] = {}
    for name in ("numerator", "numerator_filter", "denominator", "denominator_filter"):
        parse = parse_filter if name.endswith("_filter") else parse_terms
        value = getattr(indicator, name)
        if value.strip():
            try:
                parse(value)
            except ValidationError as error:
                errors[name] = error.messages
    if not indicator.numerator.strip():
        errors.setdefault("numerator", []).append(_("请填写分子。"))
    if indicator.unit == Indicator.Unit.PERCENT and not indicator.denominator.strip():
        errors.setdefault("denominator", []).append(_("比率指标必须有分母。"))
    if indicator.unit == Indicator.Unit.COUNT and indicator.denominator.strip():
        errors.setdefault("denominator", []).append(_("计数指标（件）不设分母；需要比率请把单位改为%。"))
    if indicator.mode == Indicator.Mode.COHORT:
        errors["mode"] = [_("每日统计不含案件的受理日期，暂不能按批次计算，请选择流量口径。")]
    good, warn = indicator.good_at, indicator.warn_at
    if (good is None) != (warn is None):
        errors["warn_at"] = [_("绿色阈值和黄色阈值要么都填，要么都不填。")]
    elif good is not None and warn is not None:
        higher = indicator.direction == Indicator.Direction.HIGHER
        if (higher and warn > good) or (not higher and warn < good):
            errors["warn_at"] = [
                _("越高越好时黄色阈值不能高于绿色阈值。") if higher else _("越低越好时黄色阈值不能低于绿色阈值。")
            ]
    if indicator.beside_id and indicator.beside_id == indicator.pk:
        errors["beside"] = [_("不能与自身并列显示。")]
    if errors:
        raise ValidationError(errors)


# --- windows ------------------------------------------------------------------------------------


class WindowKind:
    TODAY, WEEK, MONTH, QUARTER, YEAR, CUSTOM = "today", "week", "month", "quarter", "year", "custom"
    CHOICES = (TODAY, WEEK, MONTH, QUARTER, YEAR, CUSTOM)


def _period_start(day: date, kind: str) -> date:
    if kind == WindowKind.WEEK:
        return day - timedelta(days=day.weekday())
    if kind == WindowKind.MONTH:
        return day.replace(day=1)
    if kind == WindowKind.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if kind == WindowKind.YEAR:
        return day.replace(month=1, day=1)
    return day


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Window:
    """Days [start, end], both included. A calendar window (本周, 本月…) runs to today."""

    start: date
    end: date
    kind: str = WindowKind.CUSTOM

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Window:
        """环比: the period before, the same number of days into it (本月 to the 15th → last month
        to the 15th, cut at its end); a custom range: as many days just before it."""
        if self.kind == WindowKind.CUSTOM:
            return Window(self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.kind)
        start = _period_start(self.start - timedelta(days=1), self.kind)
        return Window(start, min(start + (self.end - self.start), self.start - timedelta(days=1)), self.kind)

    def year_earlier(self) -> Window:
        """同比: the same dates a year before (29 February → 28 February)."""
        return Window(_year_earlier(self.start), _year_earlier(self.end), self.kind)


def parse_window(kind: str, start: date | str | None = None, end: date | str | None = None, *, today=None) -> Window:
    """The dashboard's window from its query string; a bad one raises a ValidationError in Chinese."""
    today = today or timezone.localdate()
    if kind not in WindowKind.CHOICES:
        raise ValidationError(_("未知的统计时段“%(k)s”。") % {"k": kind})
    if kind != WindowKind.CUSTOM:
        return Window(_period_start(today, kind), today, kind)
    first, last = _parse_day(start, _("起始日期")), _parse_day(end, _("截止日期"))
    check_range(
        first,
        last,
        today,
        max_days=MAX_WINDOW_DAYS,
        too_long=WINDOW_TOO_LONG,
    )
    return Window(first, last, kind)


def _parse_day(value: date | str | None, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(_("请填写%(f)s，格式为 年-月-日（如 2026-03-01）。") % {"f": label}) from None


def indicators_by_codes(codes: Sequence[str]) -> list[Indicator]:
    """The active indicators named, in the order given; an unknown code is a ValidationError."""
    found = {i.code: i for i in Indicator.objects.filter(code__in=codes, active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(_("未知或未启用的指标：%(c)s。") % {"c": "、".join(unknown)})
    return [found[c] for c in codes]


# --- evaluation ---------------------------------------------------------------------------------


@dataclass
class Figure:
    """An indicator's value in one window; None when a rate has nothing to divide or no provider
    counts a metric yet (then `note` says why)."""

    value: int | Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    note: str = ""


@dataclass
class Result:
    indicator: Indicator
    current: Figure
    previous: Figure  # 环比
    year_earlier: Figure  # 同比
    status: str = ""  # good / warn / bad, "" without thresholds or value
    missing: list[str] = field(default_factory=list)

    @property
    def value(self) -> int | Decimal | None:
        return self.current.value

    @property
    def display(self) -> str:
        return format_value(self.current.value, self.indicator.unit)

    def better(self, change: int | Decimal) -> bool:
        """Whether a change of the value is for the better, by the indicator's direction."""
        return (change > 0) == (self.indicator.direction == Indicator.Direction.HIGHER)

    def change(self, other: Figure) -> int | Decimal | None:
        """Difference with another window (percentage points for a rate); None if either is None."""
        if self.current.value is None or other.value is None:
            return None
        return self.current.value - other.value


def format_value(value: int | Decimal | None, unit: str) -> str:
    if value is None:
        return DASH
    return f"{value}%" if unit == Indicator.Unit.PERCENT else f"{value}"


def status_of(indicator: Indicator, value: int | Decimal | None) -> str:
    if value is None or indicator.good_at is None or indicator.warn_at is None:
        return ""
    if indicator.direction == Indicator.Direction.HIGHER:
        return "good" if value >= indicator.good_at else "warn" if value >= indicator.warn_at else "bad"
    return "good" if value <= indicator.good_at else "warn" if value <= indicator.warn_at else "bad"


@dataclass(frozen=True)
class _Definition:
    indicator: Indicator
    numerator: Side
    denominator: Side | None


def _definitions(indicators: Iterable[Indicator]) -> list[_Definition]:
    return [
        _Definition(i, parse_side(i.numerator, i.numerator_filter), parse_side(i.denominator, i.denominator_filter))
        for i in indicators
    ]


def _scope(user: User | None, prefix: str | None) -> str | None:
    if user is not None:
        from governance.scoping import region_prefix

        return region_prefix(user)
    if prefix is None:
        raise ValueError("an evaluation needs a user or a region prefix")
    return prefix


def _missing(d: _Definition) -> list[str]:
    counted = counted_metrics()
    return sorted(m for side in (d.numerator, d.denominator) if side for m in side.metrics if m not in counted)


def evaluate(
    indicators: Iterable[Indicator],
    window: Window,
    *,
    user: User | None = None,
    prefix: str | None = None,
) -> list[Result]:
    """Each indicator's value over `window`, the window before it (环比) and a year earlier (同比),
    with its status colour. Scope: the user's jurisdiction, or a region-code prefix ("" = all).
    One query on DailyStat (plus the user's jurisdiction lookup), whatever the volume."""
    prefix = _scope(user, prefix)
    definitions = _definitions(indicators)
    windows = {"current": window, "previous": window.previous(), "year_earlier": window.year_earlier()}
    figures = _evaluate(definitions, windows, prefix).get(None, {})
    results = []
    for d in definitions:
        mine = figures.get(d.indicator.code) or {
            name: _figure(d, name, w, [], _missing(d)) for name, w in windows.items()
        }
        results.append(
            Result(d.indicator, **mine, status=status_of(d.indicator, mine["current"].value), missing=_missing(d))
        )
    return results


def evaluate_by_place(
    indicators: Iterable[Indicator], window: Window, *, prefix: str, length: int
) -> dict[str, dict[str, Figure]]:
    """Each indicator over `window` for every place under `prefix`, a place being the first `length`
    characters of the rows' region code (9: townships, 12: villages, 15: grids), in ONE query:
    {place code: {indicator code: Figure}}. Places without rows are absent."""
    grouped = _evaluate(_definitions(indicators), {"current": window}, prefix, length=length)
    return {place: {code: f["current"] for code, f in by_code.items()} for place, by_code in grouped.items()}


def evaluate_series(
    indicators: Iterable[Indicator], windows: dict[str, Window], *, prefix: str
) -> dict[str, dict[str, Figure]]:
    """Each indicator over each of several named windows (a trend: one per month), in ONE query:
    {indicator code: {window name: Figure}}."""
    definitions = _definitions(indicators)
    found = _evaluate(definitions, windows, prefix).get(None, {})
    return {
        d.indicator.code: found.get(d.indicator.code)
        or {name: _figure(d, name, w, [], _missing(d)) for name, w in windows.items()}
        for d in definitions
    }


def _evaluate(
    definitions: list[_Definition], windows: dict[str, Window], prefix: str | None, *, length: int | None = None
) -> dict[str | None, dict[str, dict[str, Figure]]]:
    """{place (None without grouping): {indicator code: {window name: Figure}}}."""
    rows = _read(definitions, windows, prefix, length=length)
    missing = {d.indicator.code: _missing(d) for d in definitions}
    unfilled = _unfilled(windows)
    if length is None:
        groups: dict[str | None, list[dict]] = {None: rows}
    else:
        groups = {}
        for row in rows:
            groups.setdefault(row["place"], []).append(row)
    return {
        place: {
            d.indicator.code: {
                name: Figure(None, note=str(UNFILLED_NOTE))
                if name in unfilled
                else _figure(d, name, w, mine, missing[d.indicator.code])
                for name, w in windows.items()
            }
            for d in definitions
        }
        for place, mine in groups.items()
    }


def _unfilled(windows: dict[str, Window]) -> set[str]:
    """The windows the statistics do not cover: a day before today (or today, for a window of
    today alone) whose fill was never done. Their figures are unknown, not zero (a year before the
    system was in use has no rows because nothing was counted, not because nothing happened).
    One query."""
    today = timezone.localdate()
    first, last = min(w.start for w in windows.values()), max(w.end for w in windows.values())
    filled = set(
        StatFill.objects.filter(state=StatFill.State.DONE, day__gte=first, day__lte=last).values_list("day", flat=True)
    )
    unfilled = set()
    for name, w in windows.items():
        needed_last = min(w.end, today - timedelta(days=1))
        if needed_last < w.start:  # today alone
            covered = w.end in filled
        else:
            covered = sum(1 for day in filled if w.start <= day <= needed_last) == (needed_last - w.start).days + 1
        if not covered:
            unfilled.add(name)
    return unfilled


def _stock_day(window: Window, at: str) -> date:
    return window.start - timedelta(days=1) if at == "start" else window.end


def _read(
    definitions: list[_Definition], windows: dict[str, Window], prefix: str | None, *, length: int | None = None
) -> list[dict]:
    """One GROUP BY metric (and the filtered dimensions, and the place when `length` is given) over
    the union of the windows, with a conditional sum per window, per stock day and a
    distinct-place count per window."""
    sides = [s for d in definitions for s in (d.numerator, d.denominator) if s]
    metrics = {m for s in sides for m in s.metrics} & counted_metrics()
    if prefix is None or not metrics:
        return []
    dimensions = sorted({dim for s in sides for dim, _values in s.where})
    place_metrics = {t.metric for s in sides for t in s.terms if t.places}
    stock_days = sorted({_stock_day(w, at) for w in windows.values() for at in ("start", "end")})
    aggregates = {}
    # A flow is read over the windows, a stock (a row per place every day) on its days only.
    in_any_window = Q()
    for name, w in windows.items():
        in_window = Q(day__gte=w.start, day__lte=w.end)
        in_any_window |= in_window
        aggregates[f"sum_{name}"] = Sum("value", filter=in_window)
        if place_metrics:
            aggregates[f"places_{name}"] = Count(
                "region_code", distinct=True, filter=in_window & Q(metric__in=place_metrics)
            )
    for day in stock_days:
        aggregates[f"on_{day:%Y%m%d}"] = Sum("value", filter=Q(day=day, metric__in=STOCK_METRICS))
    flows, stocks = sorted(metrics - STOCK_METRICS), sorted(metrics & STOCK_METRICS)
    wanted = Q(metric__in=flows) & in_any_window | Q(metric__in=stocks, day__in=stock_days)
    rows = DailyStat.objects.filter(region_code__startswith=prefix).filter(wanted)
    keys = ["metric", *dimensions]
    if length is not None:
        rows = rows.annotate(place=Substr("region_code", 1, length))
        keys.append("place")
    return list(rows.order_by().values(*keys).annotate(**aggregates))


def _side_total(side: Side, window: str, w: Window, rows: list[dict]) -> int:
    total = 0
    for term in side.terms:
        if term.metric in STOCK_METRICS:
            column = f"on_{_stock_day(w, term.at):%Y%m%d}"
        else:
            column = f"{'places' if term.places else 'sum'}_{window}"
        for row in rows:
            if row["metric"] == term.metric and all(row[dim] in values for dim, values in side.where):
                total += row[column] or 0
    return total


def _figure(d: _Definition, name: str, w: Window, sums: list[dict], missing: list[str]) -> Figure:
    if d.indicator.mode == Indicator.Mode.COHORT:
        return Figure(None, note=str(COHORT_NOTE))
    if missing:
        return Figure(None, note=_("尚无数据（%(m)s）") % {"m": "、".join(missing)})
    numerator = _side_total(d.numerator, name, w, sums)
    if d.denominator is None:
        return Figure(numerator, numerator)
    denominator = _side_total(d.denominator, name, w, sums)
    if not denominator:
        return Figure(None, numerator, denominator)
    rate = (Decimal(numerator) * 100 / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Figure(rate, numerator, denominator)


# --- ranking ------------------------------------------------------------------------------------

# Where thresholds are equal (green = yellow), the span from full to no points, in the indicator's unit.
DEFAULT_SPAN = Decimal(10)


def points(indicator: Indicator, value: int | Decimal | None) -> Decimal | None:
    """An indicator's points toward the ranking score, 0–100: 100 at the green threshold or better,
    50 at the yellow one, 0 as far beyond yellow again (or DEFAULT_SPAN when the two are equal),
    linear in between. None without a value or thresholds."""
    if value is None or indicator.good_at is None or indicator.warn_at is None:
        return None
    good, warn = indicator.good_at, indicator.warn_at
    span = abs(good - warn) * 2 or DEFAULT_SPAN
    short = (good - Decimal(value)) if indicator.direction == Indicator.Direction.HIGHER else (Decimal(value) - good)
    if short <= 0:
        return Decimal(100)
    return max(Decimal(0), 100 - short * 100 / span).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score(indicators: Iterable[Indicator], figures: dict[str, Figure]) -> Decimal | None:
    """The weighted mean of the points of the weighted indicators that have a value for the place;
    None when none has (a place with no cases is not ranked last, it is not ranked)."""
    total = weights = Decimal(0)
    for indicator in indicators:
        figure = figures.get(indicator.code)
        got = points(indicator, figure.value if figure else None) if indicator.weight else None
        if got is not None:
            total += got * indicator.weight
            weights += indicator.weight
    if not weights:
        return None
    return (total / weights).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
