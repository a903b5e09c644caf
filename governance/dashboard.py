"""The leaders' dashboard (领导驾驶舱): the indicators of a window for a place, its places ranked,
a trend, rings, open cases by colour and a tile grid, every number a link.

Everything is read from DailyStat (governance/stats.py) through governance/indicators.py, in a
fixed number of queries whatever the volume: the cards (one query), the places below (one), the
trend (one), the rings (one each), the open cases by colour (one), plus the lookups of the
person, the indicators, the place, its children and the score bands.

Scope: a person sees their jurisdiction (governance.scoping); `place` narrows it to a township,
village or grid inside it, never outside (a code outside is "not found", like a guessed case URL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Sum
from django.db.models.functions import Substr
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.drill import drill_url
from governance.indicators import (
    Figure,
    Result,
    Window,
    WindowKind,
    evaluate,
    evaluate_by_place,
    evaluate_series,
    format_value,
    parse_side,
    parse_window,
    score,
    status_of,
)
from governance.models import DailyStat, Indicator, ScoreBand, User
from governance.scoping import jurisdiction
from governance.stats import labels

WINDOW_LABELS = {
    WindowKind.TODAY: gettext_lazy("今日"),
    WindowKind.WEEK: gettext_lazy("本周"),
    WindowKind.MONTH: gettext_lazy("本月"),
    WindowKind.QUARTER: gettext_lazy("本季"),
    WindowKind.YEAR: gettext_lazy("本年"),
    WindowKind.CUSTOM: gettext_lazy("自定义"),
}
# The length of a child's code prefix, by the level of the place shown.
CHILD_PREFIX = {"county": 9, "township": 12, "village": 15}
CHILD_LABEL = {
    "county": gettext_lazy("镇（街道）"),
    "township": gettext_lazy("村（社区）"),
    "village": gettext_lazy("网格"),
}
RANK_SHOWN = 5
RING_TITLES = {"category": gettext_lazy("新受理案件类别"), "channel": gettext_lazy("新受理案件来源渠道")}
DEFAULT_TREND, DEFAULT_TILE = "received", "resolution_rate"


@dataclass(frozen=True)
class Place:
    prefix: str
    name: str
    level: str  # county / township / village / grid; "" for the rows of no child (本级)


def arrow(result: Result, name: str) -> dict | None:
    """环比 / 同比 (`name`: "previous" or "year_earlier"): the change, its unit and whether it is for
    the better; None when either window has no value. The page and the brief both read it."""
    change = result.change(getattr(result, name))
    if change is None:
        return None
    unit = _("个百分点") if result.indicator.unit == Indicator.Unit.PERCENT else _("件")
    return {"change": change, "up": change > 0, "flat": change == 0, "better": result.better(change), "unit": unit}


@dataclass
class Card:
    result: Result
    beside: Result | None
    numerator_url: str | None
    denominator_url: str | None
    beside_url: str | None = None  # a count shown beside (协议数 beside 司法确认数): its list

    @property
    def indicator(self) -> Indicator:
        return self.result.indicator

    def arrow(self, name: str) -> dict | None:
        return arrow(self.result, name)

    @property
    def changes(self) -> list[tuple[str, dict | None]]:
        return [(_("环比"), self.arrow("previous")), (_("同比"), self.arrow("year_earlier"))]


@dataclass
class PlaceRow:
    place: Place
    url: str  # the dashboard of this place, same window
    figures: dict[str, Figure]
    score: Decimal | None
    band: ScoreBand | None = None
    cells: list[dict] = field(default_factory=list)  # the weighted indicators, as the table shows them


@dataclass
class Dashboard:
    window: Window
    place: Place
    trail: list[tuple[Place, str]]  # county › township › village, each with its dashboard address
    child_label: str
    cards: list[Card]
    rows: list[PlaceRow]  # the places below, best score first, unranked last
    red: list[PlaceRow]
    black: list[PlaceRow]
    trend: dict
    rings: list[tuple[str, str, list[dict]]]  # (dimension, title, slices)
    open_by_colour: dict
    tiles: dict
    indicators: list[Indicator]
    bands: list[ScoreBand]
    weighted: list[Indicator] = field(default_factory=list)


def dashboard_url(place: Place | str, window: Window, **extra) -> str:
    prefix = place.prefix if isinstance(place, Place) else place
    params = {"place": prefix, **window_params(window), **extra}
    return f"{reverse('dashboard')}?{urlencode({k: v for k, v in params.items() if v})}"


def window_params(window: Window) -> dict[str, str]:
    if window.kind == WindowKind.CUSTOM:
        return {"w": window.kind, "start": window.start.isoformat(), "end": window.end.isoformat()}
    return {"w": window.kind}


def window_from(params: QueryDict, today: date | None = None) -> tuple[Window, str]:
    """The window of the address, and a message when it was refused (then 本月)."""
    from django.core.exceptions import ValidationError

    kind = params.get("w") or WindowKind.MONTH
    try:
        return parse_window(kind, params.get("start"), params.get("end"), today=today), ""
    except ValidationError as error:
        return parse_window(WindowKind.MONTH, today=today), " ".join(error.messages)


def resolve_place(user: User, code: str) -> Place:
    """The place asked for, inside the person's jurisdiction; Http404 for anything else."""
    from grids.models import Grid, Region  # the organisation's regions (the core's data, app below none)

    region = jurisdiction(user)
    if region is None:
        raise Http404
    code = (code or region.prefix).strip()
    if not code.isdigit() or not code.startswith(region.prefix):
        raise Http404
    if len(code) == 15:
        grid = Grid.objects.filter(code=code).values_list("name", flat=True).first()
        if grid is None:
            raise Http404
        return Place(code, grid, "grid")
    found = Region.objects.filter(code=code.ljust(12, "0")).values_list("name", "level").first()
    if found is None or len(code) != {"county": 6, "township": 9, "village": 12}[found[1]]:
        raise Http404
    return Place(code, found[0], found[1])


def children_of(place: Place) -> list[Place]:
    from grids.models import Grid, Region

    if place.level == "village":
        grids = Grid.objects.filter(code__startswith=place.prefix).order_by("code").values_list("code", "name")
        return [Place(code, name, "grid") for code, name in grids]
    if place.level not in CHILD_PREFIX:
        return []
    child_level = "township" if place.level == "county" else "village"
    length = CHILD_PREFIX[place.level]
    regions = Region.objects.filter(code__startswith=place.prefix, level=child_level).order_by("code")
    return [Place(code[:length], name, child_level) for code, name in regions.values_list("code", "name")]


def trail_of(user: User, place: Place, window: Window) -> list[tuple[Place, str]]:
    """The places from the person's jurisdiction down to `place` (at most three lookups)."""
    top = jurisdiction(user)
    steps = []
    for length in (6, 9, 12, 15):
        if len(top.prefix) <= length <= len(place.prefix):
            step = place if length == len(place.prefix) else resolve_place(user, place.prefix[:length])
            steps.append((step, dashboard_url(step, window)))
    return steps


def build(user: User, params: QueryDict, *, today: date | None = None) -> tuple[Dashboard, str]:
    """The dashboard for the address's place, window and chosen indicators; and a message for a
    refused window or indicator (the page then shows the defaults, and says why)."""
    window, problem = window_from(params, today)
    place = resolve_place(user, params.get("place", ""))
    indicators = list(Indicator.objects.filter(active=True).select_related("beside"))
    by_code = {i.code: i for i in indicators}
    problems = [problem] if problem else []
    chosen = {}
    for name, default in (("trend", DEFAULT_TREND), ("tile", DEFAULT_TILE)):
        code = params.get(name) or default
        if not indicators:
            raise Http404  # no indicator is active: nothing to show (the admin switches them on)
        if code not in by_code:
            problems.append(_("未知或未启用的指标“%(c)s”，已改为显示默认指标。") % {"c": code[:40]})
            code = default if default in by_code else indicators[0].code
        chosen[name] = by_code[code]

    cards = _cards(indicators, window, place)
    children = children_of(place)
    rows = _place_rows(indicators, window, place, children)
    bands = list(ScoreBand.objects.all())
    weighted = [i for i in indicators if i.weight]
    for row in rows:
        row.band = next((b for b in bands if row.score is not None and row.score >= b.min_score), None)
        for indicator in weighted:
            value = row.figures[indicator.code].value if indicator.code in row.figures else None
            row.cells.append({"display": format_value(value, indicator.unit), "status": status_of(indicator, value)})
    ranked = [r for r in rows if r.score is not None]
    dashboard = Dashboard(
        window=window,
        place=place,
        trail=trail_of(user, place, window),
        child_label=str(CHILD_LABEL.get(place.level, "")),
        cards=cards,
        rows=rows,
        red=ranked[:RANK_SHOWN],
        black=list(reversed(ranked[-RANK_SHOWN:])) if len(ranked) > RANK_SHOWN else [],
        trend=_trend(chosen["trend"], window, place, today or timezone.localdate()),
        rings=[(dim, RING_TITLES[dim], _ring(dim, window, place)) for dim in RING_TITLES],
        open_by_colour=_open_by_colour(window, place, children),
        tiles=_tiles(chosen["tile"], rows),
        indicators=indicators,
        bands=bands,
        weighted=weighted,
    )
    return dashboard, " ".join(problems)


@dataclass
class Headline:
    """What a leader's home leads with: this month's cards for their whole jurisdiction."""

    place: Place
    window: Window
    cards: list[Card]
    url: str  # the full dashboard of the same place and window


def headline(user: User, *, today: date | None = None) -> Headline | None:
    """This month's KPI cards for the person's jurisdiction, or None when there is nothing to show
    (no jurisdiction, no active indicator). Two queries besides the person's: the indicators and
    their figures (see `evaluate`)."""
    try:
        place = resolve_place(user, "")
    except Http404:
        return None
    indicators = list(Indicator.objects.filter(active=True).select_related("beside"))
    if not indicators:
        return None
    window = parse_window(WindowKind.MONTH, today=today)
    return Headline(place, window, _cards(indicators, window, place), dashboard_url(place, window))


def _cards(indicators: list[Indicator], window: Window, place: Place) -> list[Card]:
    results = {r.indicator.code: r for r in evaluate(indicators, window, prefix=place.prefix)}
    shown_beside = {i.beside.code for i in indicators if i.beside_id and i.beside.active}
    cards = []
    for indicator in indicators:
        if indicator.code in shown_beside:
            continue  # shown inside the card of the indicator it stands beside
        numerator = parse_side(indicator.numerator, indicator.numerator_filter)
        denominator = parse_side(indicator.denominator, indicator.denominator_filter)
        cards.append(
            Card(
                results[indicator.code],
                results.get(indicator.beside.code) if indicator.beside_id else None,
                # A count has no sides: its list is the indicator itself; a rate's are 分子 and 分母.
                _with(drill_url(numerator, window, place.prefix), ind=indicator.code, side=_side(indicator, "num")),
                _with(drill_url(denominator, window, place.prefix), ind=indicator.code, side=_side(indicator, "den")),
                _beside_url(indicator, window, place),
            )
        )
    return cards


def _beside_url(indicator: Indicator, window: Window, place: Place) -> str | None:
    beside = indicator.beside if indicator.beside_id else None
    if beside is None or beside.unit != Indicator.Unit.COUNT:
        return None  # a rate beside shows its value only, not its parts
    side = parse_side(beside.numerator, beside.numerator_filter)
    return _with(drill_url(side, window, place.prefix), ind=beside.code)


def _side(indicator: Indicator, side: str) -> str:
    return side if indicator.unit == Indicator.Unit.PERCENT else ""


def _with(url: str | None, **params) -> str | None:
    params = {k: v for k, v in params.items() if v}
    return f"{url}&{urlencode(params)}" if url else None


def _place_rows(indicators: list[Indicator], window: Window, place: Place, children: list[Place]) -> list[PlaceRow]:
    if place.level not in CHILD_PREFIX:
        return []
    found = evaluate_by_place(indicators, window, prefix=place.prefix, length=CHILD_PREFIX[place.level])
    rows = []
    for child in children:
        figures = found.pop(child.prefix, {})
        rows.append(PlaceRow(child, dashboard_url(child, window), figures, score(indicators, figures)))
    # Rows on the place itself (a case with no village, a report of the township): 本级.
    for prefix, figures in found.items():
        name = _("%(p)s本级") % {"p": place.name}
        rows.append(PlaceRow(Place(prefix, name, ""), "", figures, score(indicators, figures)))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.place.prefix))
    return rows


def _month_windows(year: int, today: date) -> dict[str, Window]:
    """The months of `year` up to today's; the current month (in today's year, or its namesake a
    year before) runs to today's day of the month, so this year's part month is set against the
    same days a year before, not against a whole month."""
    windows = {}
    for month in range(1, 13):
        start = date(year, month, 1)
        if start > today:
            break
        end = _month_end(start)
        if month == today.month and year in (today.year, today.year - 1):
            end = min(end, start.replace(day=min(today.day, end.day)))
        windows[f"{year}-{month:02d}"] = Window(start, min(end, today), WindowKind.MONTH)
    return windows


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _trend(indicator: Indicator, window: Window, place: Place, today: date) -> dict:
    """The chosen indicator month by month, the window's year against the year before."""
    year = window.end.year
    this, last = _month_windows(year, today), _month_windows(year - 1, today)
    series = evaluate_series([indicator], {**this, **last}, prefix=place.prefix)[indicator.code]
    numerator = parse_side(indicator.numerator, indicator.numerator_filter)

    def values(windows: dict[str, Window]) -> list[dict]:
        return [
            {
                "value": None if series[name].value is None else float(series[name].value),
                "url": _with(drill_url(numerator, w, place.prefix), ind=indicator.code, side=_side(indicator, "num"))
                or "",
            }
            for name, w in windows.items()
        ]

    months = [_("%(m)d月") % {"m": m} for m in range(1, 13)]
    current = this.get(f"{today.year}-{today.month:02d}")
    note = ""
    if year == today.year and current is not None and current.end.day < _month_end(today).day:
        months[today.month - 1] = _("%(m)d月（至%(d)d日）") % {"m": today.month, "d": today.day}
        note = _("%(m)d月只统计到%(d)d日，去年同月也只取1日至%(d)d日。") % {"m": today.month, "d": today.day}
    series = [{"name": str(year), "points": values(this)}, {"name": str(year - 1), "points": values(last)}]
    return {
        "indicator": indicator,
        "months": months,
        "series": series,
        "unit": "%" if indicator.unit == Indicator.Unit.PERCENT else _("件"),
        "note": note,
        "table": [
            (month, [s["points"][i] if i < len(s["points"]) else None for s in series])
            for i, month in enumerate(months)
        ],
    }


def _ring(dimension: str, window: Window, place: Place) -> list[dict]:
    """新受理 by category or channel in the window, each slice a link to its cases."""
    rows = (
        DailyStat.objects.filter(
            metric="received", region_code__startswith=place.prefix, day__gte=window.start, day__lte=window.end
        )
        .order_by()
        .values(dimension)
        .annotate(n=Sum("value"))
        .order_by("-n")
    )
    names = labels(dimension)
    side = parse_side("received", "")
    return [
        {
            "name": names.get(row[dimension]) or row[dimension] or _("未分类"),
            "value": row["n"],
            "url": drill_url(side, window, place.prefix, where=((dimension, frozenset({row[dimension]})),))
            if row[dimension]
            else "",
        }
        for row in rows
    ]


def _open_by_colour(window: Window, place: Place, children: list[Place]) -> dict:
    """在办 at the window's end per place below and risk colour, each bar a link to its cases."""
    length = CHILD_PREFIX.get(place.level, len(place.prefix))
    rows = (
        DailyStat.objects.filter(metric="open_end", day=window.end, region_code__startswith=place.prefix)
        .annotate(place=Substr("region_code", 1, length))
        .order_by()
        .values("place", "colour")
        .annotate(n=Sum("value"))
    )
    counts: dict[tuple[str, str], int] = {(r["place"], r["colour"]): r["n"] for r in rows if r["n"]}
    names, hexes = labels("colour"), labels("colour_hex")
    colours = sorted({c for _p, c in counts}, key=lambda c: list(names).index(c) if c in names else 99)
    places = children or [place]
    known = {p.prefix for p in places}
    extra = sorted({p for p, _c in counts if p not in known})
    places = places + [Place(p, _("%(p)s本级") % {"p": place.name}, "") for p in extra]
    side = parse_side("open_end", "")
    board = {
        "places": [p.name for p in places],
        "series": [
            {
                "name": names.get(colour) or _("未定级"),
                "colour": hexes.get(colour, "#9aa0a6"),
                "points": [
                    {
                        "value": counts.get((p.prefix, colour), 0),
                        "url": drill_url(side, window, p.prefix, where=((("colour", frozenset({colour})),)))
                        if colour
                        else "",
                    }
                    for p in places
                ],
            }
            for colour in colours
        ],
    }
    board["table"] = [(name, [s["points"][i] for s in board["series"]]) for i, name in enumerate(board["places"])]
    return board


def _tiles(indicator: Indicator, rows: list[PlaceRow]) -> dict:
    """The places below as a schematic grid of tiles (no map data is shipped), in code order, as
    square as it goes, coloured by the chosen indicator's status."""
    places = sorted((r for r in rows if r.place.level), key=lambda r: r.place.prefix)
    columns = max(1, math.ceil(math.sqrt(len(places))))
    tiles = []
    for i, row in enumerate(places):
        figure = row.figures.get(indicator.code)
        value = figure.value if figure else None
        tiles.append(
            {
                "row": i // columns,
                "column": i % columns,
                "place": row.place,
                "url": row.url,
                "display": format_value(value, indicator.unit),
                "status": status_of(indicator, value),
            }
        )
    return {"indicator": indicator, "columns": columns, "tiles": tiles}


def chart_data(board: Dashboard) -> dict:
    """What static/js/dashboard.js draws, as JSON: every point carries the address it opens."""
    ranked = [r for r in board.rows if r.score is not None]
    return {
        "trend": {
            "title": board.trend["indicator"].name,
            "unit": board.trend["unit"],
            "categories": board.trend["months"],
            "series": board.trend["series"],
        },
        "rank": {
            "categories": [r.place.name for r in ranked],
            "points": [
                {
                    "value": float(r.score),
                    "url": r.url,
                    "tone": r.band.tone if r.band else "",
                    "band": r.band.name if r.band else "",
                }
                for r in ranked
            ],
        },
        **{dim: slices for dim, _title, slices in board.rings},
        "open": board.open_by_colour,
    }
