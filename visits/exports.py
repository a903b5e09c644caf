"""夜访覆盖情况 as an .xlsx file: the coverage page's figures, one row per village, then the
leaders. Every text cell goes through disputes' `safe_cell`."""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from disputes.exports import safe_cell
from visits.coverage import Coverage

COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 7),
    ("镇（街道）", 14),
    ("村（社区）", 16),
    ("夜访次数", 10),
    ("最近夜访", 12),
    ("带队领导", 30),
    ("反映问题", 10),
    ("当场解决", 10),
    ("交办", 8),
    ("按期办结", 10),
    ("逾期未办结", 11),
    ("转为案件", 10),
)


def coverage_workbook(report: Coverage) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "夜访覆盖"
    ws.append(
        [safe_cell(f"{settings.SITE_TITLE} 平安夜访覆盖情况（{report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}）")]
    )
    ws["A1"].font = Font(bold=True, size=14)
    rate = f"{report.rate:.0%}" if report.rate is not None else "—"
    ws.append(
        [
            safe_cell(
                f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}    村（社区）{len(report.rows)} 个，"
                f"已走访 {len(report.visited)} 个，未走访 {len(report.not_visited)} 个，覆盖率 {rate}"
            )
        ]
    )
    ws.append([name for name, _width in COLUMNS])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for col, (_name, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for index, row in enumerate(report.rows, 1):
        ws.append(
            [
                index,
                safe_cell(row.village.parent.name),
                safe_cell(row.village.name),
                row.visits,
                row.last_visit,
                safe_cell("、".join(row.leaders)),
                row.issues,
                row.resolved,
                row.assigned,
                row.closed_on_time,
                row.overdue,
                row.cases,
            ]
        )
        if row.last_visit is not None:
            ws.cell(row=ws.max_row, column=5).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "D4"

    leaders = wb.create_sheet("带队领导")
    leaders.append(["领导", "夜访次数"])
    leaders.column_dimensions["A"].width = 16
    for name, n in report.leaders:
        leaders.append([safe_cell(name), n])
    return wb


def coverage_workbook_response(report: Coverage) -> FileResponse:
    buffer = BytesIO()
    coverage_workbook(report).save(buffer)
    buffer.seek(0)
    response = FileResponse(
        buffer,
        as_attachment=True,
        filename=f"夜访覆盖-{report.start:%Y%m%d}-{report.end:%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
