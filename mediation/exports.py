"""一案一补 monthly statement as an .xlsx file: every subsidised case, then the sums per
organisation and per mediator. Text goes through disputes' `safe_cell` (no formula injection)."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from disputes.exports import excel_datetime, safe_cell
from governance.models import User
from mediation.queries import RateSchedule, subsidised_cases, subsidy_totals

AMOUNT_FORMAT = "#,##0.00"


def subsidy_workbook(user: User, month: date) -> tuple[bytes, int]:
    cases = subsidised_cases(user, month)
    book = Workbook()
    sheet = book.active
    sheet.title = "案件明细"
    sheet.append([f"{month:%Y年%m月} 人民调解“一案一补”统计表"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["序号", "调解组织", "主持调解员", "案件编号", "纠纷类别", "难易程度", "办结时间", "补贴金额（元）"])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    n = 0
    schedule = RateSchedule.load()
    for n, case in enumerate(cases.iterator(chunk_size=2000), start=1):
        case.subsidy = schedule.of(case)
        sheet.append(
            [
                n,
                safe_cell(case.mediation.organisation.unit.name),
                safe_cell(case.lead_mediator or ""),
                case.number,
                safe_cell(case.category.name if case.category else ""),
                str(case.mediation.get_difficulty_display()),
                excel_datetime(case.closed_at),
                case.subsidy,
            ]
        )
        sheet.cell(sheet.max_row, 7).number_format = "yyyy-mm-dd hh:mm"
        sheet.cell(sheet.max_row, 8).number_format = AMOUNT_FORMAT
    for letter, width in zip("ABCDEFGH", (6, 30, 12, 16, 12, 14, 17, 14), strict=True):
        sheet.column_dimensions[letter].width = width

    totals = subsidy_totals(cases)
    for title, rows, columns in (
        ("按调解组织", totals["organisations"], ("mediation__organisation__unit__name",)),
        ("按调解员", totals["mediators"], ("mediation__organisation__unit__name", "lead_mediator")),
    ):
        summary = book.create_sheet(title)
        header = ["调解组织"] + (["调解员"] if len(columns) == 2 else []) + ["成功调解件数", "补贴金额（元）"]
        summary.append(header)
        for cell in summary[1]:
            cell.font = Font(bold=True)
        for row in rows:
            summary.append([safe_cell(row[c] or "") for c in columns] + [row["n"], row["amount"]])
            summary.cell(summary.max_row, len(header)).number_format = AMOUNT_FORMAT
        summary.column_dimensions["A"].width = 30
        summary.column_dimensions["B"].width = 14
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue(), n
