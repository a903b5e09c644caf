"""The zero-report compliance board and the month's league table as one workbook."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from disputes.exports import excel_datetime, safe_cell
from governance.models import User
from grids.zero_report import board_for, league_for

BOLD = Font(bold=True)


def board_workbook(user: User, day: date, month: date) -> FileResponse:
    _calendar, townships = board_for(user, day)
    due_days, league = league_for(user, month)
    book = Workbook()
    sheet = book.active
    sheet.title = "当日报送"
    sheet.append([safe_cell(f"{settings.SITE_TITLE} 日排查零报告报送情况 {day:%Y-%m-%d}")])
    sheet["A1"].font = Font(bold=True, size=13)
    headers = [
        "镇（街道）",
        "村（社区）",
        "区划代码",
        "状态",
        "报告人",
        "报送时间",
        "发现纠纷",
        "已化解",
        "重点人员",
        "零报告",
    ]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = BOLD
    for board in townships:
        for row in board.rows:
            report = row.report
            sheet.append(
                [
                    safe_cell(board.township.name),
                    safe_cell(row.village.name),
                    row.village.code,
                    str(row.state_label),
                    safe_cell(str(report.reporter)) if report else "",
                    excel_datetime(report.submitted_at) if report else None,
                    report.disputes_found if report else None,
                    report.disputes_resolved if report else None,
                    report.key_persons if report else None,
                    ("是" if report.is_zero else "否") if report else "",
                ]
            )
            if report:
                sheet.cell(sheet.max_row, 6).number_format = "yyyy-mm-dd hh:mm"
    for letter, width in zip("ABCDEFGHIJ", (14, 18, 15, 10, 12, 17, 9, 9, 9, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"

    ranking = book.create_sheet("月度排名")
    ranking.append(
        [f"{month:%Y年%m月} 零报告报送率排名（截至 {timezone.localdate():%Y-%m-%d}，报送日 {len(due_days)} 天）"]
    )
    ranking["A1"].font = Font(bold=True, size=13)
    ranking.append(["名次", "镇（街道）", "应报", "已报", "其中迟报", "漏报", "报送率"])
    for cell in ranking[2]:
        cell.font = BOLD
    for place, row in enumerate(league, start=1):
        ranking.append([place, safe_cell(row.township.name), row.owed, row.reported, row.late, row.missed, row.rate])
        ranking.cell(ranking.max_row, 7).number_format = "0.0%"
    for letter, width in zip("ABCDEFG", (6, 16, 8, 8, 9, 8, 9), strict=True):
        ranking.column_dimensions[letter].width = width

    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"零报告督查-{day:%Y%m%d}.xlsx")
