"""The dashboard's drill-down: from a number to the list of the records behind it.

A number on the dashboard is a sum of DailyStat rows: some metrics (terms), over a window of days,
under a region-code prefix, filtered by dimensions. A drill carries exactly that in the address
(`stat`, `from`, `to`, `in`, `d_level`…), and the list that declared itself the metric's drill
target (`provides(drill=…)`) selects the same records from the same source the daily count
grouped, so the list adds up to the number clicked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from governance.indicators import (
    FILTER_DIMENSIONS,
    MAX_WINDOW_DAYS,
    STOCK_METRICS,
    WINDOW_TOO_LONG,
    Side,
    Term,
    Window,
    parse_filter,
    parse_terms,
)
from governance.stats import check_range, drill_targets

_PREFIX = re.compile(r"^\d{0,15}$")


@dataclass(frozen=True)
class Drill:
    terms: tuple[Term, ...]
    start: date
    end: date
    prefix: str
    where: tuple[tuple[str, frozenset[str]], ...] = ()

    def days_of(self, term: Term) -> tuple[date, date]:
        """The days a term's records fall on: the window, or one day for a stock."""
        if term.metric in STOCK_METRICS:
            day = self.start - timedelta(days=1) if term.at == "start" else self.end
            return day, day
        return self.start, self.end

    def query(self) -> str:
        params = [("stat", _term_text(t)) for t in self.terms]
        params += [("from", self.start.isoformat()), ("to", self.end.isoformat()), ("in", self.prefix)]
        params += [(f"d_{dim}", ",".join(sorted(values))) for dim, values in self.where]
        return urlencode(params)


def drilled(drill: Drill, rows: QuerySet, records_of, *, ref: str = "pk") -> tuple[QuerySet, int]:
    """The rows of `rows` (the person's list) behind a dashboard number, and how many records it
    counted: each term's records (`records_of(term)`, annotated with the stat_ dimensions, `ref`
    naming the row), under the drill's prefix and filters. A row counted by two terms, or twice by
    one (a case closed twice), counts twice, as in the statistics. Each app's list calls it with
    its own record source, so the list and the daily count read the same records."""
    parts = []
    for term in drill.terms:
        records = records_of(term).filter(stat_region_code__startswith=drill.prefix)
        for dimension, values in drill.where:
            records = records.filter(**{f"stat_{dimension}__in": sorted(values)})
        parts.append(records)
    chosen = Q(pk__in=[])
    for records in parts:
        chosen |= Q(pk__in=records.values(ref))
    return rows.filter(chosen), sum(records.count() for records in parts)


def _term_text(term: Term) -> str:
    return f"{term.metric}@{term.at}" if term.at else term.metric


def drill_url(side: Side | None, window: Window, prefix: str, *, where=()) -> str | None:
    """The address of the list behind one side of an indicator (all its terms in one list), or None
    when a term has no list (a metric of an app without one, a count of places)."""
    if side is None:
        return None
    targets = drill_targets()
    names = {targets.get(t.metric) for t in side.terms}
    if len(names) != 1 or None in names or any(t.places for t in side.terms):
        return None
    drill = Drill(side.terms, window.start, window.end, prefix, tuple(sorted((*side.where, *where))))
    return f"{reverse(names.pop())}?{drill.query()}"


def parse_drill(params: QueryDict) -> Drill | None:
    """The drill of a list's address, None without one; a malformed one is a ValidationError in Chinese."""
    texts = [t for t in params.getlist("stat") if t.strip()]
    if not texts:
        return None
    if len(texts) > 10:
        raise ValidationError(_("统计条件过多。"))
    terms = tuple(t for text in texts for t in parse_terms(text))
    if any(t.places for t in terms):
        raise ValidationError(_("地点数指标不能列出案件。"))
    try:
        start, end = date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
    except ValueError:
        raise ValidationError(_("统计时段的日期格式不对，应为 年-月-日。")) from None
    check_range(start, end, max_days=MAX_WINDOW_DAYS, too_long=WINDOW_TOO_LONG)
    prefix = params.get("in", "")
    if not _PREFIX.match(prefix):
        raise ValidationError(_("统计范围的区划代码无效。"))
    where = parse_filter(
        ";".join(f"{dim}={params[f'd_{dim}']}" for dim in FILTER_DIMENSIONS if params.get(f"d_{dim}", "").strip())
    )
    return Drill(terms, start, end, prefix, where)


def drill_in_scope(user, params: QueryDict) -> Drill | None:
    """The drill of a list's address (`parse_drill`), refused (ValidationError) when its place lies
    outside the person's jurisdiction: no count leaks from outside it. Every list with a drill
    calls this first, then selects its records the way its provider counts them."""
    from governance.scoping import region_prefix

    drill = parse_drill(params)
    if drill is None:
        return None
    prefix = region_prefix(user)
    if prefix is None or not drill.prefix.startswith(prefix):
        raise ValidationError(_("统计范围超出您的工作范围。"))
    return drill


def drill_title(params: QueryDict) -> str:
    """The indicator and side (分子 / 分母) a drill came from (`ind`, `side`), for the list's banner."""
    from governance.models import Indicator

    indicator = Indicator.objects.filter(code=params.get("ind", "")[:40]).values_list("name", flat=True).first()
    if indicator is None:
        return ""
    side = {"num": _("分子"), "den": _("分母")}.get(params.get("side", ""), "")
    return f"{indicator}（{side}）" if side else indicator


def place_name(prefix: str) -> str:
    """The region or grid a drill's code prefix names, for the list's banner."""
    from grids.models import Grid, Region  # the organisation's regions (the core's data, app below none)

    if len(prefix) == 15:
        return Grid.objects.filter(code=prefix).values_list("name", flat=True).first() or prefix
    if len(prefix) in (6, 9, 12):
        code = prefix.ljust(12, "0")
        return Region.objects.filter(code=code).values_list("name", flat=True).first() or prefix
    return prefix or _("全部")
