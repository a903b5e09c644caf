"""一案一补 monthly statement as an .xlsx file: every subsidised case, then the sums per
organisation and per mediator. A busy month at a million cases is tens of thousands of rows, so
it is written in the background like the case ledger (governance/export_jobs.py): streamed to
disk chunk by chunk, progress after each. Text goes through disputes' `safe_cell` (no formula
injection)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from disputes.exports import AMOUNT_FORMAT, CHUNK_SIZE, DATETIME_FORMAT, excel_datetime, safe_cell
from governance.export_jobs import ExportKind, Progress
from governance.models import User
from mediation.queries import RateSchedule, subsidised_cases, subsidy_totals

TITLE = "一案一补"
HEADERS = ("序号", "调解组织", "主持调解员", "案件编号", "纠纷类别", "难易程度", "办结时间", "补贴金额（元）")
WIDTHS = (6, 30, 12, 16, 12, 14, 17, 14)


def _cell(ws, value, number_format: str = "", bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_subsidy(user: User, params: dict, path: Path, progress: Progress) -> int:
    """The month's statement of the cases the person may count (`subsidised_cases`), each priced
    by the RateSchedule, and the sums (`subsidy_totals`, the page's own)."""
    month = datetime.strptime(params["month"], "%Y-%m").date()
    cases = subsidised_cases(user, month)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("案件明细")
    for letter, width in zip("ABCDEFGH", WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([_cell(sheet, f"{month:%Y年%m月} 人民调解“一案一补”统计表", bold=True)])
    sheet.append([_cell(sheet, name, bold=True) for name in HEADERS])
    progress.start(cases.count())
    schedule, n = RateSchedule.load(), 0
    for n, case in enumerate(cases.iterator(chunk_size=CHUNK_SIZE), start=1):
        sheet.append(
            [
                n,
                safe_cell(case.mediation.organisation.unit.name),
                safe_cell(case.lead_mediator or ""),
                case.number,
                safe_cell(case.category.name if case.category else ""),
                str(case.mediation.get_difficulty_display()),
                _cell(sheet, excel_datetime(case.closed_at), DATETIME_FORMAT),
                _cell(sheet, schedule.of(case), AMOUNT_FORMAT),
            ]
        )
        if n % CHUNK_SIZE == 0:
            progress.advance(n)
    totals = subsidy_totals(cases)
    org = "mediation__organisation__unit__name"
    for title, rows, columns in (
        ("按调解组织", totals["organisations"], (org,)),
        ("按调解员", totals["mediators"], (org, "lead_mediator")),
    ):
        summary = book.create_sheet(title)
        summary.column_dimensions["A"].width = 30
        summary.column_dimensions["B"].width = 14
        header = ["调解组织"] + (["调解员"] if len(columns) == 2 else []) + ["成功调解件数", "补贴金额（元）"]
        summary.append([_cell(summary, name, bold=True) for name in header])
        for row in rows:
            cells = [safe_cell(row[c] or "") for c in columns]
            summary.append([*cells, row["n"], _cell(summary, row["amount"], AMOUNT_FORMAT)])
    progress.advance(n)
    book.save(path)
    return n


SUBSIDY = ExportKind(label="一案一补统计表", nav_key="subsidy", extension="xlsx", write=write_subsidy, file_stem=TITLE)
