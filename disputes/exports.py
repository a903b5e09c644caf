"""The ledger export: 矛盾纠纷排查化解台账 of the case list's current filter, as an .xlsx file.

The same scoping and filters as the list page (`visible_to`, `filter_cases`, `list_queryset`), so
the file never holds a case the list would not show. Party names only: no ID or phone numbers,
not even masked. Every text cell goes through `safe_cell`, so a summary typed as `=HYPERLINK(…)`
stays text when the file is opened in Excel or WPS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from io import BytesIO
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from disputes.filters import drilled_cases, filter_cases, filter_data, list_queryset
from disputes.forms import CaseFilterForm
from disputes.models import Case, Channel, Outcome, Party, Route, Satisfaction, Status
from governance.crypto import mask
from governance.models import AuditEvent
from governance.services import record_audit
from governance.views import nav_required

SHEET_TITLE = "矛盾纠纷台账"
MAX_ROWS = 50_000
CHUNK_SIZE = 2_000  # cases fetched (and parties/co-units prefetched) per round trip
EXCEL_CELL_LIMIT = 32_767

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"

# (header, column width in characters). Order is the order of `case_row`.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 7),
    ("案件编号", 16),
    ("收到时间", 17),
    ("来源渠道", 12),
    ("镇（街道）", 12),
    ("村（社区）", 14),
    ("纠纷类别", 12),
    ("风险等级", 9),
    ("涉及人数", 9),
    ("涉及金额（元）", 14),
    ("申请人", 16),
    ("被申请人", 16),
    ("纠纷简要情况", 48),
    ("当事人诉求", 32),
    ("状态", 12),
    ("主办单位", 18),
    ("协办单位", 22),
    ("办理期限", 12),
    ("是否逾期", 9),
    ("化解结果", 11),
    ("引导途径", 16),
    ("群众评价", 10),
    ("办结时间", 17),
)
HEADER_ROW = 3  # title, then export time and filter summary, then the header
WRAPPED_COLUMNS = frozenset({"纠纷简要情况", "当事人诉求"})

# OWASP "CSV injection": a cell starting with one of these is read as a formula (or DDE) by
# Excel, WPS or LibreOffice. A leading apostrophe keeps it text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value fit for a cell: strings that a spreadsheet would run as a formula get a leading
    "'"; characters XML cannot hold are dropped; over-long text is cut to Excel's cell limit.
    Anything that is not a string is returned as it is."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    return value[:EXCEL_CELL_LIMIT]


def excel_datetime(value: datetime | None) -> datetime | None:
    """Excel has no time zones: local (Asia/Shanghai) wall-clock time, naive, to the minute."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)


_DIGIT_RUN = re.compile(r"[0-9０-９]{7,}[0-9０-９xX]*")


def _masked(text: str) -> str:
    """A search for a full ID or phone number must not put that number into the file."""
    return _DIGIT_RUN.sub(lambda m: mask(m.group()), text)


def filter_summary(form: CaseFilterForm) -> str:
    if not form.is_bound:
        return "全部案件"
    if not form.is_valid():
        return "全部案件（筛选条件有误，已忽略）"
    parts = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False):
            continue
        if name == "q":
            value = value.strip()
            if not value:
                continue
            shown = _masked(value)
        elif name == "overdue":
            shown = "是"
        elif isinstance(value, date):
            shown = value.isoformat()
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = str(value)
        parts.append(f"{field.label}：{shown}")
    return "；".join(parts) if parts else "全部案件"


def export_queryset(request: HttpRequest, form: CaseFilterForm) -> QuerySet[Case]:
    cases = list_queryset(filter_cases(drilled_cases(request, Case.objects.visible_to(request.user)).cases, form))
    # Only what the ledger prints of a party: never the encrypted or masked identifiers.
    parties = Party.objects.only("id", "case_id", "role", "name").order_by("case_id", "role", "id")
    return cases.prefetch_related(Prefetch("parties", queryset=parties), "co_units")


def choice_labels() -> dict[str, dict[str, str]]:
    """Choice labels translated once per export rather than once per cell (gettext is the
    costliest step of a row otherwise)."""
    return {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in (
            ("channel", Channel),
            ("status", Status),
            ("outcome", Outcome),
            ("satisfaction", Satisfaction),
            ("route", Route),
        )
    }


def case_row(ws, index: int, case: Case, today: date, labels: dict[str, dict[str, str]]) -> list[Any]:
    parties = list(case.parties.all())
    applicants = "、".join(p.name for p in parties if p.role == Party.Role.APPLICANT)
    respondents = "、".join(p.name for p in parties if p.role == Party.Role.RESPONDENT)
    co_units = "、".join(sorted(u.name for u in case.co_units.all()))
    values = [
        index,
        case.number,
        _formatted(ws, excel_datetime(case.received_at), DATETIME_FORMAT),
        labels["channel"].get(case.channel, case.channel),
        case.township.name,
        case.village.name if case.village else "",
        case.category.name if case.category else "",
        case.risk_level.name if case.risk_level else "",
        case.people_involved,
        _formatted(ws, case.amount, AMOUNT_FORMAT),
        applicants,
        respondents,
        case.summary,
        case.demands,
        labels["status"].get(case.status, case.status),
        case.lead_unit.name if case.lead_unit else "",
        co_units,
        _formatted(ws, case.handle_due, DATE_FORMAT),
        "是" if case.is_overdue(today) else "否",
        labels["outcome"].get(case.outcome, case.outcome),
        "、".join(labels["route"][r] for r in case.routes.split(",") if r in labels["route"]),
        labels["satisfaction"].get(case.satisfaction, case.satisfaction),
        _formatted(ws, excel_datetime(case.closed_at), DATETIME_FORMAT),
    ]
    return [safe_cell(v) for v in values]


def _formatted(ws, value: Any, number_format: str) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def build_workbook(cases: QuerySet[Case], *, summary: str) -> tuple[Workbook, int, bool]:
    """The workbook, the number of case rows written, and whether the cap cut the list short."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)

    # Write-only sheets write views and columns first: set them before the first row.
    for col, (_header, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"  # header and the number columns stay in view
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    title = WriteOnlyCell(ws, value=safe_cell(f"{settings.SITE_TITLE} 矛盾纠纷排查化解台账"))
    title.font = Font(bold=True, size=14)
    ws.append([title])
    exported = timezone.localtime()
    ws.append([safe_cell(f"导出时间：{exported:%Y-%m-%d %H:%M}    筛选条件：{summary}")])

    thin = Side(style="thin", color="999999")
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    header_border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = []
    for name, _width in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill, cell.border, cell.alignment = header_font, header_fill, header_border, header_align
        header.append(cell)
    ws.append(header)

    today, labels = timezone.localdate(), choice_labels()
    written, truncated = 0, False
    for case in _cases(cases):
        if written == MAX_ROWS:
            truncated = True
            break
        written += 1
        ws.append(case_row(ws, written, case, today, labels))

    last_col = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + max(written, 1)}"
    if truncated:
        note = WriteOnlyCell(
            ws,
            value=f"仅导出前 {MAX_ROWS} 条，导出已截断。请缩小筛选范围（如按镇街、状态或收到日期）后分批导出。",
        )
        note.font = Font(bold=True, color="C00000")
        ws.append([note])
    return wb, written, truncated


def _cases(cases: QuerySet[Case]) -> Iterator[Case]:
    # One more than the cap, to know whether the cap was reached. Fetched in chunks, each with its
    # own prefetch of parties and co-units: memory stays flat and queries are 1 + 2 per chunk.
    return cases[: MAX_ROWS + 1].iterator(chunk_size=CHUNK_SIZE)


@nav_required("cases")
def ledger_export(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(filter_data(request).data, user=request.user)
    cases = export_queryset(request, form)
    wb, written, truncated = build_workbook(cases, summary=filter_summary(form))
    buffer = BytesIO()
    wb.save(buffer)
    buffer.seek(0)

    detail = f"案件台账 {written} 条" + ("（超出上限，已截断）" if truncated else "")
    record_audit(AuditEvent.Action.EXPORT, request=request, user=request.user, detail=detail)

    filename = f"{SHEET_TITLE}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = FileResponse(
        buffer,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    # Names of the parties are personal data: no shared or browser cache.
    patch_cache_control(response, private=True, no_store=True)
    return response
