"""The dashboard's exports: its numbers as a workbook (.xlsx), and a one-page A4 brief (PDF) of the
window for a leaders' meeting.

Both are drawn from the `Dashboard` that governance.dashboard.build() returns for the same address,
so a file never says other than the page. Like the other exported files (disputes/exports.py,
grids/board_export.py) their text is the Chinese of the document, not translated UI text.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from disputes.exports import safe_cell
from governance.dashboard import WINDOW_LABELS, Card, Dashboard, PlaceRow, arrow
from governance.indicators import DASH, UNFILLED_NOTE, Result, format_value
from governance.models import Indicator

STATUS_LABELS = {"good": "达标", "warn": "预警", "bad": "未达标"}
PERCENT_FORMAT = '0.0"%"'  # the value is already in percent (85.3 is 85.3%)
COUNT_FORMAT = "#,##0"
SCORE_FORMAT = "0.0"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
BRIEF_TITLE = "矛盾纠纷化解态势简报"
BRIEF_KPI_ROWS = 24  # more indicators than this are cut from the brief's table, with a note
PDF_FONT = "STSong-Light"  # reportlab's built-in Adobe CID font, as mediation/documents.py uses
# The CID font has no U+00B7 (·): its GB 2312 middle dot is U+30FB.
PDF_DOT = "\u30fb"


def window_text(board: Dashboard) -> str:
    w = board.window
    return f"{w.start:%Y-%m-%d} 至 {w.end:%Y-%m-%d}（{WINDOW_LABELS.get(w.kind, w.kind)}，{w.days} 天）"


def file_stem(board: Dashboard) -> str:
    return f"驾驶舱-{board.place.name}-{board.window.start:%Y%m%d}-{board.window.end:%Y%m%d}"


def results_of(board: Dashboard) -> list[Result]:
    """Every indicator the cards show, each card's companion (满意率's 参评率) after it."""
    results = []
    for card in board.cards:
        results.append(card.result)
        if card.beside is not None:
            results.append(card.beside)
    return results


def status_label(result: Result) -> str:
    return STATUS_LABELS.get(result.status, DASH)


def _number_format(indicator: Indicator) -> str:
    return PERCENT_FORMAT if indicator.unit == Indicator.Unit.PERCENT else COUNT_FORMAT


def _value(value: int | Decimal | None) -> int | Decimal | str:
    return DASH if value is None else value


# --- the workbook --------------------------------------------------------------------------------


def _header_block(sheet, board: Dashboard, heading: str, problem: str, made: str) -> None:
    sheet.append([safe_cell(f"{board.place.name} · {heading}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"统计时段：{window_text(board)}"])
    sheet.append([f"生成时间：{made}    数据来源：{settings.SITE_TITLE} 每日统计"])
    if problem:
        sheet.append([safe_cell(f"提示：{problem}")])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, color="C00000")
    sheet.append([])


def _table_header(sheet, names: list[str], widths: list[int]) -> None:
    sheet.append([safe_cell(n) for n in names])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def _formats(sheet, formats: dict[int, str]) -> None:
    """Number formats on the last row's numeric cells (a "—" stays text)."""
    for col, number_format in formats.items():
        cell = sheet.cell(sheet.max_row, col)
        if isinstance(cell.value, int | float | Decimal):
            cell.number_format = number_format


def indicator_sheet(sheet, board: Dashboard) -> None:
    _table_header(
        sheet,
        ["指标", "数值", "分子", "分母", "目标值", "状态", "环比变化", "同比变化", "备注", "口径说明"],
        [18, 10, 10, 10, 9, 8, 10, 10, 16, 60],
    )
    for result in results_of(board):
        indicator = result.indicator
        number_format = _number_format(indicator)
        sheet.append(
            [
                safe_cell(indicator.name),
                _value(result.value),
                _value(result.current.numerator),
                _value(result.current.denominator),
                _value(indicator.target),
                status_label(result),
                _value(result.change(result.previous)),
                _value(result.change(result.year_earlier)),
                safe_cell(str(result.current.note)),
                safe_cell(indicator.explanation),
            ]
        )
        change_format = SCORE_FORMAT if indicator.unit == Indicator.Unit.PERCENT else COUNT_FORMAT
        _formats(sheet, {2: number_format, 3: COUNT_FORMAT, 4: COUNT_FORMAT, 5: number_format})
        _formats(sheet, {7: f"+{change_format};-{change_format};0", 8: f"+{change_format};-{change_format};0"})
    sheet.append([])
    sheet.append(["环比、同比变化：比率类指标为百分点，数量类指标为件数；“—”表示无数据或该时段尚未统计。"])


def ranking_sheet(sheet, board: Dashboard) -> None:
    if not board.rows:
        sheet.append(["本级以下没有可排名的地区。"])
        return
    names = [board.child_label or "地区", "综合得分", "等次"] + [i.name for i in board.weighted]
    _table_header(sheet, names, [18, 10, 8] + [12] * len(board.weighted))
    for row in board.rows:
        values = [row.figures[i.code].value if i.code in row.figures else None for i in board.weighted]
        sheet.append(
            [safe_cell(row.place.name), _value(row.score), safe_cell(row.band.name) if row.band else DASH]
            + [_value(v) for v in values]
        )
        formats = {2: SCORE_FORMAT}
        formats.update({4 + n: _number_format(i) for n, i in enumerate(board.weighted)})
        _formats(sheet, formats)
    sheet.append([])
    weights = "、".join(f"{i.name} {i.weight.normalize():f}" for i in board.weighted)
    bands = "，".join(f"{b.name} ≥{b.min_score.normalize():f}" for b in board.bands)
    sheet.append([safe_cell(f"得分按各指标距绿色阈值的差距加权计算：{weights}。等次：{bands}")])


def trend_sheet(sheet, board: Dashboard) -> None:
    indicator = board.trend["indicator"]
    sheet.append([safe_cell(f"{indicator.name}：今年与去年逐月对比（单位：{board.trend['unit']}）")])
    _table_header(sheet, ["月份"] + [s["name"] for s in board.trend["series"]], [10, 12, 12])
    for month, points in board.trend["table"]:
        sheet.append([month] + [_value(p["value"] if p else None) for p in points])
        _formats(sheet, {2: _number_format(indicator), 3: _number_format(indicator)})
    if board.trend["note"]:
        sheet.append([safe_cell(board.trend["note"])])


def ring_sheet(sheet, slices: list[dict], name: str) -> None:
    _table_header(sheet, [name, "新受理（件）", "占比"], [20, 12, 10])
    total = sum(s["value"] for s in slices)
    for ring_slice in slices:
        share = ring_slice["value"] / total if total else None
        sheet.append([safe_cell(str(ring_slice["name"])), ring_slice["value"], _value(share)])
        _formats(sheet, {2: COUNT_FORMAT, 3: "0.0%"})
    sheet.append(["合计", total])
    sheet.cell(sheet.max_row, 1).font = BOLD


def open_sheet(sheet, board: Dashboard) -> None:
    board_open = board.open_by_colour
    colours = [s["name"] for s in board_open["series"]]
    _table_header(sheet, [board.child_label or "地区", *colours, "合计"], [18] + [10] * (len(colours) + 1))
    for place, points in board_open["table"]:
        values = [p["value"] for p in points]
        sheet.append([safe_cell(place), *values, sum(values)])
    sheet.append([])
    sheet.append([f"在办案件按风险等级，统计于时段末日 {board.window.end:%Y-%m-%d}。"])


def workbook(board: Dashboard, problem: str) -> bytes:
    made = f"{timezone.localtime():%Y-%m-%d %H:%M}"
    book = Workbook()
    sheets = [
        ("指标", "领导驾驶舱指标", lambda s: indicator_sheet(s, board)),
        ("下级排名", f"{board.child_label}综合得分排名", lambda s: ranking_sheet(s, board)),
        ("逐月趋势", "逐月趋势", lambda s: trend_sheet(s, board)),
    ]
    rings = {dim: (str(title), slices) for dim, title, slices in board.rings}
    sheets += [
        ("受理类别", rings["category"][0], lambda s: ring_sheet(s, rings["category"][1], "类别")),
        ("来源渠道", rings["channel"][0], lambda s: ring_sheet(s, rings["channel"][1], "来源渠道")),
        ("在办风险等级", "在办案件风险等级分布", lambda s: open_sheet(s, board)),
    ]
    for n, (title, heading, write) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = title
        _header_block(sheet, board, heading, problem, made)
        write(sheet)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the brief ---------------------------------------------------------------------------------------


def _change_text(card_or_result: Card | Result, which: str) -> str:
    result = card_or_result.result if isinstance(card_or_result, Card) else card_or_result
    found = arrow(result, which)
    if found is None:
        return DASH
    if found["flat"]:
        return "持平"
    return f"{'↑' if found['up'] else '↓'}{abs(found['change'])}{found['unit']}"


def _target_text(indicator: Indicator) -> str:
    return DASH if indicator.target is None else format_value(indicator.target, indicator.unit)


def highlights(board: Dashboard) -> list[str]:
    """Three to five plain sentences of what stands out in the window, all from the dashboard."""
    results = results_of(board)
    lines = []
    if any(r.current.note == str(UNFILLED_NOTE) for r in results):
        lines.append("本时段有日期尚未统计，部分指标暂无数值，以下结论仅就已统计部分而言。")

    bad = [r for r in results if r.status == "bad"]
    warn = [r for r in results if r.status == "warn"]
    if bad:
        named = "、".join(f"{r.indicator.name}（{r.display}，目标 {_target_text(r.indicator)}）" for r in bad)
        lines.append(f"未达标的指标有 {len(bad)} 项：{named}，需重点关注。")
    elif any(r.status for r in results):
        lines.append("设有阈值的指标本时段均未落入红色区间。")
    if warn:
        lines.append(f"处于预警的指标：{'、'.join(f'{r.indicator.name}（{r.display}）' for r in warn)}。")

    # The biggest change on the window before: rates by percentage points, counts by proportion.
    def weight(r: Result) -> Decimal:
        change = r.change(r.previous)
        if r.indicator.unit == Indicator.Unit.PERCENT:
            return abs(Decimal(change))
        return abs(Decimal(change)) / max(Decimal(r.previous.value), 1) * 100

    moved = [r for r in results if r.change(r.previous) not in (None, 0)]
    if moved:
        top = max(moved, key=weight)
        change = top.change(top.previous)
        previous = format_value(top.previous.value, top.indicator.unit)
        verdict = "向好" if top.better(change) else "需关注"
        lines.append(
            f"环比变化最大的是{top.indicator.name}：由上一时段的 {previous} {'升至' if change > 0 else '降至'} "
            f"{top.display}（{_change_text(top, 'previous')}），{verdict}。"
        )
    else:
        lines.append("与上一时段相比，各指标没有可比较的变化。")

    ranked = [r for r in board.rows if r.score is not None]
    if len(ranked) >= 2:
        best, worst = ranked[0], ranked[-1]
        lines.append(
            f"{board.child_label}综合得分最高的是{best.place.name}（{_score_text(best)}），"
            f"最低的是{worst.place.name}（{_score_text(worst)}），共 {len(ranked)} 个参评。"
        )
    elif ranked:
        lines.append(f"参与排名的只有{ranked[0].place.name}（{_score_text(ranked[0])}）。")

    series = board.open_by_colour["series"]
    total = sum(p["value"] for s in series for p in s["points"])
    if total:
        parts = "、".join(f"{s['name']} {sum(p['value'] for p in s['points'])} 件" for s in series)
        lines.append(f"时段末（{board.window.end:%m月%d日}）在办 {total} 件，其中{parts}。")
    return lines[:5]


def _score_text(row: PlaceRow) -> str:
    return f"{row.score} 分" + (f"，{row.band.name}" if row.band else "")


def brief_pdf(board: Dashboard, problem: str) -> bytes:
    """One A4 page whatever the number of indicators: the KPI table is cut at BRIEF_KPI_ROWS (with
    a note), and the whole page shrinks to fit its frame (KeepInFrame) rather than run over."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555"))
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER)
    centered = ParagraphStyle("centered", parent=small, alignment=TA_CENTER)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    def grid(rows: list[list[Any]], widths: list[float]) -> Table:
        table = Table([[c if isinstance(c, Paragraph) else p(str(c), cell) for c in r] for r in rows], widths)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    made = timezone.localtime()
    story = [
        p(f"{board.place.name}{PDF_DOT}{BRIEF_TITLE}", title),
        p(f"统计时段：{window_text(board)}    生成时间：{made:%Y-%m-%d %H:%M}", centered),
    ]
    if problem:
        story.append(p(f"提示：{problem}", centered))
    story += [Spacer(1, 6), p("一、值得关注", heading)]
    story += [p(f"{n}. {line}") for n, line in enumerate(highlights(board), 1)]

    story.append(p("二、主要指标", heading))
    results = results_of(board)
    rows = [["指标", "数值", "目标", "状态", "环比", "同比"]]
    for result in results[:BRIEF_KPI_ROWS]:
        rows.append(
            [
                result.indicator.name,
                result.display,
                _target_text(result.indicator),
                status_label(result),
                _change_text(result, "previous"),
                _change_text(result, "year_earlier"),
            ]
        )
    story.append(grid(rows, [5.2 * cm, 2.4 * cm, 2 * cm, 1.6 * cm, 2.8 * cm, 2.8 * cm]))
    if len(results) > BRIEF_KPI_ROWS:
        story.append(p(f"另有 {len(results) - BRIEF_KPI_ROWS} 项指标未列出，见 Excel 导出。", small))

    story.append(p(f"三、{board.child_label}综合得分红黑榜", heading))
    if board.red:
        ranked = sum(1 for r in board.rows if r.score is not None)
        rows = [["红榜（前五）", "得分", "黑榜（后五）", "得分"]]
        for n in range(max(len(board.red), len(board.black))):
            red = board.red[n] if n < len(board.red) else None
            black = board.black[n] if n < len(board.black) else None
            rows.append(
                [
                    f"{n + 1}. {red.place.name}" if red else "",
                    _score_text(red) if red else "",
                    f"{n + 1}. {black.place.name}" if black else "",
                    _score_text(black) if black else "",
                ]
            )
        story.append(grid(rows, [4.6 * cm, 3.3 * cm, 4.6 * cm, 3.3 * cm]))
        note = f"共 {ranked} 个{board.child_label}参评，各列前、后五名。"
        if not board.black:
            note += "参评单位不足六个，不设黑榜。"
        story.append(p(note + "完整排名见 Excel 导出。", small))
    else:
        story.append(p("本时段下级单位尚无可计分的数据。"))

    frame_width, frame_height = A4[0] - 4 * cm, A4[1] - 3.6 * cm
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        title=f"{board.place.name}{PDF_DOT}{BRIEF_TITLE}",
        author=settings.SITE_TITLE,
    )
    # KeepInFrame shrinks everything to the one frame: never a second page.
    doc.build([KeepInFrame(frame_width, frame_height - 12, story, mode="shrink")])
    return buffer.getvalue()
