"""Official report tables (统计报表): a form's layout as data, its cells computed from the daily
statistics, the filing and freezing of a unit's table for a period, and the county's consolidation.

- A cell is a row × a column. Its numerator is the row's metrics (else the column's), filtered by
  both filters; a denominator (a rate) likewise; a typed row or column makes the cell typed.
  Computed cells are evaluated by governance.indicators (one query on DailyStat for the whole
  table), so a table counts exactly as the dashboard does.
- Who counts what: a township's table counts the cases of its region handled by township and
  village units (`level=township,village`); the county's table is the sum of its townships'
  submitted tables plus the county's own: the cases handled by county units (`level=county`) and
  the county clerk's typed figures. A column with `own_level` (the 县 column) is computed only in
  a table of that level.
- A submitted table is frozen (ReportVersion: layout, cells, definition version, 制表人, 签发人,
  time); a correction is a 重新生成 with a reason: a new version, the old kept, the filing 已更正.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.drill import drill_url
from governance.indicators import Window, evaluate_series, parse_side
from governance.models import ReportFiling, ReportForm, ReportVersion, StatLevel, User
from governance.stats import labels

MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
# Whose cases a table of each level counts itself (the rest comes from the townships' tables).
OWN_LEVELS = {"county": (StatLevel.COUNTY,), "township": (StatLevel.TOWNSHIP, StatLevel.VILLAGE)}
TYPED_LIMIT = Decimal("1e12")
KIND_LABELS = {
    "month": gettext_lazy("月报"),
    "quarter": gettext_lazy("季报"),
    "half": gettext_lazy("半年报"),
    "year": gettext_lazy("年报"),
}


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def slug(self) -> str:
        n = (self.start.month - 1) // MONTHS[self.kind] + 1
        return {
            "month": f"{self.start:%Y-%m}",
            "quarter": f"{self.start.year}-q{n}",
            "half": f"{self.start.year}-h{n}",
            "year": f"{self.start.year}",
        }[self.kind]

    @property
    def label(self) -> str:
        y, n = self.start.year, (self.start.month - 1) // MONTHS[self.kind] + 1
        if self.kind == "month":
            return _("%(y)d年%(m)d月") % {"y": y, "m": self.start.month}
        if self.kind == "quarter":
            return _("%(y)d年第%(n)d季度") % {"y": y, "n": n}
        if self.kind == "half":
            return _("%(y)d年上半年") % {"y": y} if n == 1 else _("%(y)d年下半年") % {"y": y}
        return _("%(y)d年") % {"y": y}

    def due(self, form: ReportForm) -> date:
        """次月 N 日前: the form's due day of the month after the period."""
        return (self.end + timedelta(days=1)).replace(day=form.due_day)

    def previous(self) -> Period:
        return period_of(self.kind, self.start - timedelta(days=1))


def period_of(kind: str, day: date) -> Period:
    """The period of `kind` that holds `day`."""
    months = MONTHS[kind]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + months
    end = date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return Period(kind, start, end)


def last_complete(kind: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return period_of(kind, today).previous()


def parse_period(form: ReportForm, kind: str, slug: str, today: date | None = None) -> Period:
    """A period from the address (`2026-11`, `2026-q3`, `2026-h1`, `2026`); a malformed one, one the
    form is not filed for or one not yet over is a ValidationError in Chinese."""
    today = today or timezone.localdate()
    if kind not in form_kinds(form):
        raise ValidationError(_("%(f)s没有这种报送周期。") % {"f": form.name})
    try:
        year, _sep, rest = slug.partition("-")
        y = int(year)
        if kind == "month":
            month = int(rest)
        elif kind in ("quarter", "half"):
            letter = "q" if kind == "quarter" else "h"
            if not rest.startswith(letter):
                raise ValueError
            month = (int(rest[1:]) - 1) * MONTHS[kind] + 1
        else:
            if rest:
                raise ValueError
            month = 1
        period = period_of(kind, date(y, month, 1))
        if period.slug != slug or y < 2000:
            raise ValueError
    except ValueError:
        raise ValidationError(_("报表期间“%(p)s”无法识别。") % {"p": slug}) from None
    if period.end >= today:
        raise ValidationError(_("%(p)s尚未结束，不能生成或上报该期报表。") % {"p": period.label})
    return period


def form_kinds(form: ReportForm) -> list[str]:
    return [k.strip() for k in form.kinds.split(",") if k.strip() in MONTHS]


# --- layout -------------------------------------------------------------------------------------

LINE_FIELDS = ("code", "label", "group", "terms", "filter", "denominator", "denominator_filter", "typed")


def layout_of(form: ReportForm) -> dict:
    """The form's rows and columns as plain data (stored with each submitted version, so a frozen
    table prints as it was filed). Rows marked `per_category` repeat, as a block, for each
    dispute category, filtered by it and grouped under its name."""
    rows: list[dict] = []
    block: list = []
    categories: dict[str, str] = {}

    def flush() -> None:
        if block and not categories:
            categories.update(labels("category"))
        for code, name in categories.items():
            for row in block:
                line = {f: getattr(row, f) for f in LINE_FIELDS}
                line["code"] = f"{code}-{row.code}"
                line["group"] = name
                line["filter"] = _join(row.filter, f"category={code}")
                line["denominator_filter"] = _join(row.denominator_filter, f"category={code}")
                rows.append(line)
        block.clear()

    for row in form.reportrow_set.all():
        if row.per_category:
            block.append(row)
            continue
        flush()
        rows.append({f: getattr(row, f) for f in LINE_FIELDS})
    flush()
    columns = [
        {
            **{f: getattr(c, f) for f in LINE_FIELDS},
            "span": c.span,
            "sums_typed": c.sums_typed,
            "own_level": c.own_level,
        }
        for c in form.reportcolumn_set.all()
    ]
    return {"code": form.code, "name": form.name, "rows": rows, "columns": columns}


def definition_version(layout: dict) -> str:
    """口径版本: a digest of the layout's definitions, so two versions counted alike say so."""
    text = json.dumps(layout, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _join(*filters: str) -> str:
    return ";".join(f for f in filters if f.strip())


def cell_key(row: dict, column: dict) -> str:
    return f"{row['code']}.{column['code']}"


def is_typed(row: dict, column: dict) -> bool:
    return row["typed"] or column["typed"]


def typed_keys(layout: dict, level: str) -> list[tuple[str, dict, dict]]:
    """The cells a clerk of a table of `level` types: typed, in a column of the period that is not
    a sum of others nor reserved to another level. The county types only in its own columns
    (`own_level`, the 县 column): its other typed figures are its townships' submitted ones."""

    def mine(column: dict) -> bool:
        return column["own_level"] == level if level == "county" else column["own_level"] in ("", level)

    return [
        (cell_key(r, c), r, c)
        for r in layout["rows"]
        for c in layout["columns"]
        if is_typed(r, c) and c["span"] == "period" and not c["sums_typed"] and mine(c)
    ]


def clean_typed(layout: dict, data, level: str) -> dict[str, str]:
    """The typed cells from a submitted form: blank is 0, anything else must be a number ≥ 0;
    every bad cell is named in one ValidationError."""
    values, errors = {}, []
    for key, row, column in typed_keys(layout, level):
        text = (data.get(key) or "").strip().replace("，", "").replace(",", "")
        try:
            number = Decimal(text or "0")
            if not number.is_finite() or number < 0 or number >= TYPED_LIMIT:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                _("“%(r)s · %(c)s”应填写不小于 0 的数字（填了“%(v)s”）。")
                % {"r": _row_title(row), "c": column["label"], "v": text[:20]}
            )
            continue
        values[key] = _text(number)
    if errors:
        raise ValidationError(errors)
    return values


def _row_title(row: dict) -> str:
    return f"{row['group']} {row['label']}" if row["group"] else row["label"]


def _text(number: Decimal) -> str:
    number = number.normalize()
    return f"{number:f}"


# --- computing ----------------------------------------------------------------------------------


@dataclass
class Cell:
    key: str
    typed: bool
    value: str | None = None  # the shown figure, a decimal as text; None: not applicable / unknown
    n: int | None = None  # a rate's numerator and denominator (kept to add tables up)
    d: int | None = None
    url: str | None = None

    def as_data(self) -> dict:
        return {"v": self.value, "n": self.n, "d": self.d}


@dataclass
class Table:
    layout: dict
    period: Period
    cells: dict[str, Cell] = field(default_factory=dict)
    missing: list | None = None  # a county's table: the townships that have not filed
    filed: dict | None = None  # and {township id: its latest version} of those that have
    townships: list | None = None  # all of them, in code order

    def grid(self) -> list[tuple[dict, list[Cell]]]:
        return [(r, [self.cells[cell_key(r, c)] for c in self.layout["columns"]]) for r in self.layout["rows"]]

    def data(self) -> dict:
        return {key: cell.as_data() for key, cell in self.cells.items()}


def _rate(n: int, d: int) -> str | None:
    if not d:
        return None
    return _text((Decimal(n) * 100 / d).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _sides(row: dict, column: dict, levels: tuple[str, ...]) -> tuple[str, str, str, str]:
    level = f"level={','.join(levels)}" if levels else ""
    terms = row["terms"] or column["terms"]
    num_filter = _join(row["filter"], column["filter"], level)
    denominator = row["denominator"] or column["denominator"]
    den_filter = _join(
        row["denominator_filter"] if row["denominator"] else row["filter"],
        column["denominator_filter"] if column["denominator"] else column["filter"],
        level,
    )
    return terms, num_filter, denominator, den_filter if denominator else ""


def compute(layout: dict, period: Period, *, prefix: str, level: str, typed: dict[str, str]) -> Table:
    """A unit's own table: the computed cells of its cases (OWN_LEVELS) from DailyStat in one
    query, with drill links; the typed cells from `typed`; sums of typed columns; year-to-date
    typed cells are left to `add_year_to_date`."""
    from governance.models import Indicator

    levels = OWN_LEVELS[level]
    windows = {"period": Window(period.start, period.end), "year": Window(period.start.replace(month=1), period.end)}
    table = Table(layout, period)
    wanted: dict[str, tuple[Indicator, dict, dict]] = {}
    for row in layout["rows"]:
        for column in layout["columns"]:
            key = cell_key(row, column)
            if column["own_level"] and column["own_level"] != level:
                table.cells[key] = Cell(key, is_typed(row, column))
                continue
            if is_typed(row, column):
                table.cells[key] = Cell(key, True, typed.get(key))
                continue
            terms, num_filter, denominator, den_filter = _sides(row, column, levels)
            if not terms:
                table.cells[key] = Cell(key, False)
                continue
            unit = Indicator.Unit.PERCENT if denominator else Indicator.Unit.COUNT
            indicator = Indicator(
                code=key,
                unit=unit,
                numerator=terms,
                numerator_filter=num_filter,
                denominator=denominator,
                denominator_filter=den_filter,
            )
            wanted[key] = (indicator, row, column)
    figures = evaluate_series([w[0] for w in wanted.values()], windows, prefix=prefix) if wanted else {}
    for key, (indicator, _row, column) in wanted.items():
        window = "year" if column["span"] == "year" else "period"
        figure = figures[key][window]
        cell = Cell(key, False, n=figure.numerator, d=figure.denominator)
        if figure.value is not None or figure.numerator is not None:
            cell.value = _text(Decimal(figure.value)) if figure.value is not None else None
        side = parse_side(indicator.numerator, indicator.numerator_filter)
        cell.url = drill_url(side, windows[window], prefix)
        table.cells[key] = cell
    _sum_typed(table)
    return table


def _sum_typed(table: Table) -> None:
    """A column that `sums_typed` holds, for a typed row, the sum of the period columns before it."""
    columns = table.layout["columns"]
    for row in table.layout["rows"]:
        for i, column in enumerate(columns):
            if not column["sums_typed"] or not is_typed(row, column):
                continue
            parts = [
                table.cells[cell_key(row, c)].value
                for c in columns[:i]
                if c["span"] == "period" and not c["sums_typed"] and is_typed(row, c)
            ]
            table.cells[cell_key(row, column)].value = _text(sum((Decimal(p) for p in parts if p), Decimal(0)))


def add_year_to_date(table: Table, earlier: list[dict]) -> None:
    """Typed cells of a year column: this period's subtotal plus the same cell's subtotal in the
    unit's tables submitted earlier in the year (`earlier`: their cells)."""
    columns = table.layout["columns"]
    subtotal = next((c for c in columns if c["sums_typed"]), None)
    for row in table.layout["rows"]:
        for column in columns:
            if column["span"] != "year" or not is_typed(row, column) or subtotal is None:
                continue
            key = cell_key(row, subtotal)
            parts = [table.cells[key].value, *((cells.get(key) or {}).get("v") for cells in earlier)]
            table.cells[cell_key(row, column)].value = _text(sum((Decimal(p) for p in parts if p), Decimal(0)))


def consolidate(table: Table, filed: list[dict]) -> Table:
    """The county's table: its own cells plus, for every cell not reserved to the county
    (own_level), the townships' submitted cells added up (rates from the summed numerators and
    denominators)."""
    for row in table.layout["rows"]:
        for column in table.layout["columns"]:
            if column["own_level"]:
                continue
            key = cell_key(row, column)
            cell = table.cells[key]
            parts = [cells[key] for cells in filed if key in cells]
            if not parts:
                continue
            if cell.d is not None or any(p.get("d") is not None for p in parts):
                cell.n = (cell.n or 0) + sum(p.get("n") or 0 for p in parts)
                cell.d = (cell.d or 0) + sum(p.get("d") or 0 for p in parts)
                cell.value = _rate(cell.n, cell.d)
                continue
            values = [Decimal(v) for v in (cell.value, *(p.get("v") for p in parts)) if v is not None]
            cell.value = _text(sum(values, Decimal(0))) if values else None
            if cell.n is not None:
                cell.n = int(sum(values, Decimal(0)))
    return table


# --- who files, and the unit's table for a period --------------------------------------------------


def filer_region(user: User):
    """The region whose table this person fills or reads: their jurisdiction, if a county or a
    township (a village or department has no table of its own); None otherwise."""
    from governance.scoping import jurisdiction

    region = jurisdiction(user)
    if region is None or region.level not in OWN_LEVELS:
        return None
    return region


def townships_of(region):
    from grids.models import Region

    return Region.objects.filter(parent=region, level=Region.Level.TOWNSHIP).order_by("code")


def latest_versions(form: ReportForm, period: Period, regions) -> dict[int, ReportVersion]:
    """{region id: its latest version} of the regions' submitted tables of the period (one query)."""
    versions = (
        ReportVersion.objects.filter(
            filing__form=form, filing__kind=period.kind, filing__start=period.start, filing__region__in=regions
        )
        .filter(number=_latest_number())
        .select_related("filing")
    )
    return {v.filing.region_id: v for v in versions}


def _latest_number() -> Subquery:
    """The number of the latest version of the row's filing (any database: no DISTINCT ON)."""
    return Subquery(ReportVersion.objects.filter(filing=OuterRef("filing")).order_by("-number").values("number")[:1])


def live_table(form: ReportForm, period: Period, region, typed: dict[str, str] | None = None) -> Table:
    """The region's table as the records give it now (not yet submitted)."""
    layout = layout_of(form)
    table = compute(layout, period, prefix=region.prefix, level=region.level, typed=typed or {})
    earlier = (
        ReportVersion.objects.filter(
            filing__form=form,
            filing__region=region,
            filing__kind=period.kind,
            filing__start__gte=period.start.replace(month=1),
            filing__start__lt=period.start,
        )
        .filter(number=_latest_number())
        .order_by("filing_id")
        .values_list("cells", flat=True)
    )
    add_year_to_date(table, list(earlier))
    if region.level == "county":
        table.missing, table.filed, table.townships = missing_and_filed(form, period, region)
        consolidate(table, [v.cells for v in table.filed.values()])
    return table


def missing_and_filed(form: ReportForm, period: Period, county) -> tuple[list, dict[int, ReportVersion], list]:
    """The county's townships that have not filed the period's table, the latest versions of those
    that have, and all the townships (two queries)."""
    townships = list(townships_of(county))
    filed = latest_versions(form, period, townships)
    return [t for t in townships if t.pk not in filed], filed, townships


def frozen_table(version: ReportVersion, period: Period) -> Table:
    table = Table(version.layout, period)
    for row in version.layout["rows"]:
        for column in version.layout["columns"]:
            key = cell_key(row, column)
            data = version.cells.get(key) or {}
            table.cells[key] = Cell(key, is_typed(row, column), data.get("v"), data.get("n"), data.get("d"))
    return table


# --- filing -------------------------------------------------------------------------------------


def _check_filer(user: User, region) -> None:
    if filer_region(user) != region:
        raise ValidationError(_("只能上报本单位所辖区划的报表。"))


def _clean_names(preparer: str, signer: str) -> tuple[str, str]:
    preparer, signer = (preparer or "").strip(), (signer or "").strip()
    errors = []
    if not preparer or len(preparer) > 30:
        errors.append(_("请填写制表人（30 字以内）。"))
    if not signer or len(signer) > 30:
        errors.append(_("请填写签发人（30 字以内）。"))
    if errors:
        raise ValidationError(errors)
    return preparer, signer


def submit_table(
    *, form: ReportForm, period: Period, region, user: User, data, preparer: str, signer: str, remark: str = ""
) -> ReportFiling:
    """上报: freeze the region's table for the period as version 1. A second submission of the same
    period is refused (重新生成 corrects one); nothing is saved on any error."""
    _check_filer(user, region)
    preparer, signer = _clean_names(preparer, signer)
    remark = _clean_remark(remark)
    if period.end >= timezone.localdate():
        raise ValidationError(_("%(p)s尚未结束，不能生成或上报该期报表。") % {"p": period.label})
    already = _("%(p)s的%(f)s已上报，不能重复上报；如需更正请使用“重新生成”。") % {"p": period.label, "f": form.name}
    if ReportFiling.objects.filter(form=form, region=region, kind=period.kind, start=period.start).exists():
        raise ValidationError(already)
    typed = clean_typed(layout_of(form), data, region.level)
    table = live_table(form, period, region, typed)
    now = timezone.now()
    try:
        with transaction.atomic():
            filing = ReportFiling.objects.create(
                form=form,
                region=region,
                unit=user.unit,
                kind=period.kind,
                start=period.start,
                end=period.end,
                due=period.due(form),
                submitted_at=now,
            )
            _freeze(filing, 1, table, user, now, preparer, signer, remark=remark)
    except IntegrityError:  # the other of two clicks at once
        raise ValidationError(already) from None
    return filing


def regenerate_table(
    *, filing: ReportFiling, user: User, data, preparer: str, signer: str, reason: str, remark: str = ""
) -> ReportVersion:
    """重新生成: count the table again now, freeze it as a new version with who and why; the old
    versions stay, the filing is marked 已更正."""
    _check_filer(user, filing.region)
    preparer, signer = _clean_names(preparer, signer)
    remark = _clean_remark(remark)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationError(_("请填写重新生成的原因（200 字以内）。"))
    form = filing.form
    typed = clean_typed(layout_of(form), data, filing.region.level)
    period = Period(filing.kind, filing.start, filing.end)
    table = live_table(form, period, filing.region, typed)
    with transaction.atomic():
        filing = ReportFiling.objects.select_for_update().get(pk=filing.pk)
        number = (filing.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = _freeze(filing, number, table, user, timezone.now(), preparer, signer, reason, remark)
        filing.corrected = True
        filing.save(update_fields=["corrected"])
    return version


def _clean_remark(remark: str) -> str:
    remark = (remark or "").strip()
    if len(remark) > 500:
        raise ValidationError(_("备注不能超过 500 字。"))
    return remark


def _freeze(filing, number, table, user, now, preparer, signer, reason="", remark="") -> ReportVersion:
    return ReportVersion.objects.create(
        filing=filing,
        number=number,
        layout=table.layout,
        cells=table.data(),
        definition_version=definition_version(table.layout),
        preparer=preparer,
        signer=signer,
        submitted_by=user,
        submitted_at=now,
        reason=reason,
        remark=remark,
    )


# --- drawing: merged headers, shared by the page, the print view and the workbook -------------------


@dataclass(frozen=True)
class Head:
    label: str
    colspan: int = 1
    rowspan: int = 1


def column_heads(layout: dict) -> tuple[list[Head], list[Head]]:
    """The two header rows: a column with a group sits under its group's merged cell (top row),
    one without spans both rows. The row headers take two columns (group, label)."""
    top: list[Head] = [Head(_("项目"), colspan=2, rowspan=2)]
    second: list[Head] = []
    columns = layout["columns"]
    i = 0
    while i < len(columns):
        group = columns[i]["group"]
        if not group:
            top.append(Head(columns[i]["label"], rowspan=2))
            i += 1
            continue
        j = i
        while j < len(columns) and columns[j]["group"] == group:
            second.append(Head(columns[j]["label"]))
            j += 1
        top.append(Head(group, colspan=j - i))
        i = j
    return top, second


def row_heads(layout: dict) -> list[list[Head]]:
    """Each row's header cells: a grouped row's group cell spans its consecutive group (drawn on
    the first row only), an ungrouped row's label spans both header columns."""
    rows = layout["rows"]
    heads: list[list[Head]] = []
    for i, row in enumerate(rows):
        if not row["group"]:
            heads.append([Head(row["label"], colspan=2)])
            continue
        if i and rows[i - 1]["group"] == row["group"]:
            heads.append([Head(row["label"])])
            continue
        span = 1
        while i + span < len(rows) and rows[i + span]["group"] == row["group"]:
            span += 1
        heads.append([Head(row["group"], rowspan=span), Head(row["label"])])
    return heads


def workbook(
    table: Table, *, title: str, unit: str, preparer: str = "", signer: str = "", when: str = "", remark: str = ""
) -> bytes:
    """The table as .xlsx with the same layout: merged headers, numbers as numbers, 填报单位（盖章）,
    签发人, 制表人 under it."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    sheet.title = _("报表")[:31]
    width = 2 + len(table.layout["columns"])
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    middle = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.cell(1, 1, title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).alignment = middle
    sheet.cell(2, 1, _("填报单位（盖章）：%(u)s") % {"u": unit})
    sheet.cell(2, width, table.period.label)
    top, second = column_heads(table.layout)

    def put(r: int, c: int, head: Head) -> None:
        sheet.cell(r, c, head.label)
        if head.colspan > 1 or head.rowspan > 1:
            sheet.merge_cells(
                start_row=r, start_column=c, end_row=r + head.rowspan - 1, end_column=c + head.colspan - 1
            )
        for rr in range(r, r + head.rowspan):
            for cc in range(c, c + head.colspan):
                sheet.cell(rr, cc).border, sheet.cell(rr, cc).alignment = box, middle

    column, lower = 1, iter(second)
    for head in top:
        put(3, column, head)
        if head.rowspan == 1:
            for offset in range(head.colspan):
                put(4, column + offset, next(lower))
        column += head.colspan
    r = 5
    for heads, (_row, cells) in zip(row_heads(table.layout), table.grid(), strict=True):
        column = 1 if len(heads) == 2 or heads[0].colspan == 2 else 2
        for head in heads:
            put(r, column, head)
            column += head.colspan
        for offset, cell in enumerate(cells):
            target = sheet.cell(r, 3 + offset, _number(cell.value))
            target.border, target.alignment = box, middle
        r += 1
    sheet.cell(r, 1, _("备注：%(r)s") % {"r": remark})
    sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    sheet.cell(r + 2, 1, _("签发人：%(s)s") % {"s": signer})
    sheet.cell(r + 2, 4, _("制表人：%(p)s") % {"p": preparer})
    sheet.cell(r + 2, width, when)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 16
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _number(value: str | None) -> int | float | str:
    if value is None:
        return "—"
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


# --- late tables: the supervision list and the overdue scan -----------------------------------------


# How many periods of one kind back a table not filed is still chased (three years of months).
OWED_PERIODS = 36


@dataclass(frozen=True)
class LateTable:
    form: ReportForm
    period: Period
    region: object  # grids.Region
    due: date

    @property
    def url(self) -> str:
        from django.urls import reverse

        path = reverse("report-table", args=[self.form.code, self.period.kind, self.period.slug])
        return path if self.region.level == "county" else f"{path}?of={self.region.code}"


def late_tables(prefix: str, today: date | None = None) -> list[LateTable]:
    """The tables not filed by their deadline (次月 N 日前) under a region-code prefix: for each
    active form and kind, every period since the form's `filing_from` whose due date has passed
    (at most OWED_PERIODS back), for every county and township that has not filed it. A fixed
    number of queries (forms, regions, filings)."""
    from grids.models import Region

    today = today or timezone.localdate()
    owed = []
    for form in ReportForm.objects.filter(active=True):
        if not form.filing_from:
            continue  # not chased until the county says from when
        for kind in form_kinds(form):
            period = last_complete(kind, today)
            for _n in range(OWED_PERIODS):
                if period.start < form.filing_from:
                    break
                if today > period.due(form):
                    owed.append((form, period))
                period = period.previous()
    if not owed:
        return []
    regions = list(Region.objects.filter(code__startswith=prefix, level__in=list(OWN_LEVELS)).order_by("code"))
    filed = set(
        ReportFiling.objects.filter(region__in=regions, start__in={p.start for _f, p in owed}).values_list(
            "form_id", "kind", "start", "region_id"
        )
    )
    return [
        LateTable(form, period, region, period.due(form))
        for form, period in owed
        for region in regions
        if (form.pk, period.kind, period.start, region.pk) not in filed
    ]


def filing_dues(now):
    """The overdue scan's part for report tables (settings.OVERDUE_SCANNERS): a table not filed by
    its deadline is reminded to its center (the county or township 综治中心) once a day until filed."""
    from governance.models import Unit
    from governance.reminders import Due

    today = timezone.localdate(now)
    late = late_tables("", today)
    if not late:
        return
    kinds = (Unit.Kind.COUNTY_CENTER, Unit.Kind.TOWNSHIP_CENTER)
    centers: dict[int, list[int]] = {}
    for pk, region_id in Unit.objects.filter(kind__in=kinds, region__in={t.region.pk for t in late}).values_list(
        "pk", "region_id"
    ):
        centers.setdefault(region_id, []).append(pk)
    for table in late:
        units = tuple(centers.get(table.region.pk, ()))
        if not units:
            continue
        what = {"f": table.form.name, "p": table.period.label, "d": f"{table.due:%Y-%m-%d}"}
        yield Due(
            subject=f"rt:{table.form.pk}:{table.period.slug}:{table.region.code}",
            kind="report_table",
            level="yellow",
            day=today,
            title=_("%(p)s的%(f)s逾期未报（应于 %(d)s 前报送）") % what,
            url=table.url if table.region.level == "county" else table.url.split("?")[0],
            units=units,
        )
