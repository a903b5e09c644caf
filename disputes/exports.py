"""The ledger export: 矛盾纠纷排查化解台账 of the case list's current filter, as an .xlsx file.

The same scoping and filters as the list page (`visible_to`, `filter_cases`, `list_queryset`), so
the file never holds a case the list would not show. Party names only: no ID or phone numbers,
not even masked. Every text cell goes through `safe_cell`, so a summary typed as `=HYPERLINK(…)`
stays text when the file is opened in Excel or WPS.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from io import BytesIO
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from disputes.filters import drilled_cases, filter_cases, filter_data
from disputes.forms import CaseFilterForm
from disputes.models import HANDLING_STATUSES, Case, Channel, Outcome, Party, Route, Satisfaction, Status
from governance.crypto import mask
from governance.export_jobs import ExportKind, ExportRefused, Progress
from governance.export_views import ask_for_export
from governance.views import nav_required

if TYPE_CHECKING:
    from governance.models import User

SHEET_TITLE = "矛盾纠纷台账"
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
        elif name in ("overdue", "sign_late"):
            shown = "是"
        elif isinstance(value, date):
            shown = value.isoformat()
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = str(value)
        parts.append(f"{field.label}：{shown}")
    return "；".join(parts) if parts else "全部案件"


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


# --- Reading the rows: tuples, not model instances (the export is bound by Python time) ----------

# The case columns read per row, in one query with the joins the ledger prints.
FIELDS = (
    "id",
    "number",
    "received_at",
    "channel",
    "township__name",
    "village__name",
    "category__name",
    "risk_level__name",
    "people_involved",
    "amount",
    "summary",
    "demands",
    "status",
    "lead_unit__name",
    "handle_due",
    "outcome",
    "routes",
    "satisfaction",
    "closed_at",
)


def ledger_cases(request: HttpRequest, form: CaseFilterForm) -> QuerySet[Case]:
    """The case list's rows for this person and filter, in the list's order (disputes/filters.py)."""
    cases = filter_cases(drilled_cases(request, Case.objects.visible_to(request.user)).cases, form)
    return cases.order_by("-received_at", "-id")


def ledger_chunks(cases: QuerySet[Case]) -> Iterator[tuple[list[tuple], dict[int, list], dict[int, list[str]]]]:
    """The cases in chunks of CHUNK_SIZE, each with its parties ((role, name) by case) and co-units
    (names by case). One streamed read of the cases (a server-side cursor on PostgreSQL) and two
    queries per chunk, whatever the number of rows."""
    rows = cases.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        ids = [row[0] for row in chunk]
        parties: dict[int, list] = defaultdict(list)
        # Only what the ledger prints of a party: never the encrypted or masked identifiers.
        for case_id, role, name in (
            Party.objects.filter(case_id__in=ids)
            .order_by("case_id", "role", "id")
            .values_list("case_id", "role", "name")
        ):
            parties[case_id].append((role, name))
        co_units: dict[int, list[str]] = defaultdict(list)
        for case_id, name in Case.co_units.through.objects.filter(case_id__in=ids).values_list("case_id", "unit__name"):
            co_units[case_id].append(name)
        yield chunk, parties, co_units


class RowWriter:
    """One case tuple → the ledger's cells. Styles and labels are made once per file."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.today = timezone.localdate()
        self.zone = timezone.get_current_timezone()
        self.labels = choice_labels()

    def cells(self, index: int, row: tuple, parties: list, co_units: list[str]) -> list[Any]:
        (
            _id,
            number,
            received_at,
            channel,
            township,
            village,
            category,
            risk_level,
            people,
            amount,
            summary,
            demands,
            status,
            lead_unit,
            handle_due,
            outcome,
            routes,
            satisfaction,
            closed_at,
        ) = row
        labels = self.labels
        overdue = status in HANDLING_STATUSES and handle_due is not None and handle_due < self.today
        return [
            index,
            safe_cell(number),
            self.formatted(self.local(received_at), DATETIME_FORMAT),
            labels["channel"].get(channel, channel),
            safe_cell(township),
            safe_cell(village or ""),
            safe_cell(category or ""),
            safe_cell(risk_level or ""),
            people,
            self.formatted(amount, AMOUNT_FORMAT),
            safe_cell("、".join(name for role, name in parties if role == Party.Role.APPLICANT)),
            safe_cell("、".join(name for role, name in parties if role == Party.Role.RESPONDENT)),
            safe_cell(summary),
            safe_cell(demands),
            labels["status"].get(status, status),
            safe_cell(lead_unit or ""),
            safe_cell("、".join(sorted(co_units))),
            self.formatted(handle_due, DATE_FORMAT),
            "是" if overdue else "否",
            labels["outcome"].get(outcome, outcome),
            "、".join(labels["route"][r] for r in routes.split(",") if r in labels["route"]),
            labels["satisfaction"].get(satisfaction, satisfaction),
            self.formatted(self.local(closed_at), DATETIME_FORMAT),
        ]

    def local(self, value: datetime | None) -> datetime | None:
        """Excel has no time zones: local (Asia/Shanghai) wall-clock time, naive, to the minute."""
        if value is None:
            return None
        return value.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)

    def formatted(self, value: Any, number_format: str) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = number_format
        return cell


def write_workbook(
    cases: QuerySet[Case], target: Path | BytesIO, *, summary: str, progress: Progress | None = None
) -> int:
    """Write the ledger of `cases` to `target` (a path: the file is streamed to disk as it grows,
    so memory stays flat); returns the number of case rows."""
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

    if progress is not None:
        progress.start(cases.count())
    writer, written = RowWriter(ws), 0
    for chunk, parties, co_units in ledger_chunks(cases):
        for row in chunk:
            written += 1
            ws.append(writer.cells(written, row, parties.get(row[0], ()), co_units.get(row[0], ())))
        if progress is not None:
            progress.advance(written)

    last_col = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + max(written, 1)}"
    wb.save(target)
    return written


# --- The background export (governance/export_jobs.py) -------------------------------------------


def _filters_request(user: User, query: str) -> HttpRequest:
    """The list's filters as the list reads them from its address, for the task (no request there)."""
    request = HttpRequest()
    request.GET = QueryDict(query)
    request.user = user
    return request


def write_ledger(user: User, params: dict, path: Path, progress: Progress) -> int:
    """The job's file: the filter re-read and re-applied with the person's scoping as it is now
    (the job refuses to run if the person's unit, roles or jurisdiction changed since asking)."""
    request = _filters_request(user, params.get("query", ""))
    form = CaseFilterForm(request.GET or None, user=user)
    return write_workbook(ledger_cases(request, form), path, summary=filter_summary(form), progress=progress)


LEDGER = ExportKind(label="案件台账", nav_key="cases", extension="xlsx", write=write_ledger, file_stem=SHEET_TITLE)

# Address parameters that are not filters (the list's page) and never kept with a job.
_NOT_FILTERS = ("page", "s")


def ledger_request(request: HttpRequest) -> tuple[dict, str]:
    """The filter of the list's address as a job keeps it, and its summary for the page; refused
    (ExportRefused, with the reason) when the list would not apply it as shown: an expired search,
    a value the form rejects, a dashboard drill outside the person's scope."""
    filters = filter_data(request)
    if filters.notice:
        raise ExportRefused(filters.notice)
    form = CaseFilterForm(filters.data, user=request.user)
    if form.is_bound and not form.is_valid():
        problems = "；".join(f"{form.fields[name].label}：{' '.join(errors)}" for name, errors in form.errors.items())
        raise ExportRefused(_("筛选条件有误（%(problems)s），请在案件台账中修正后再导出。") % {"problems": problems})
    drilled = drilled_cases(request, Case.objects.none())
    if drilled.error:
        raise ExportRefused(drilled.error)
    query = filters.data.copy() if filters.data is not None else QueryDict(mutable=True)
    for name in _NOT_FILTERS:
        query.pop(name, None)
    return {"query": query.urlencode()}, filter_summary(form)


@nav_required("cases")
@require_POST
def ledger_export(request: HttpRequest) -> HttpResponse:
    """导出 Excel on the case list: a background job for the list's current filter, then 我的导出."""
    query = request.GET.urlencode()
    back = f"{reverse('disputes-list')}?{query}" if query else reverse("disputes-list")
    try:
        params, summary = ledger_request(request)
    except ExportRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    return ask_for_export(request, "ledger", params, summary, back=back)


# --- 超期台账 (the supervision page's overdue ledger of a month) ------------------------------------

OVERDUE_TITLE = "超期台账"
OVERDUE_HEADERS = (
    "序号",
    "案件编号",
    "镇（街道）",
    "纠纷类别",
    "风险等级",
    "主办单位",
    "办理期限",
    "办结反馈时间",
    "超期工作日",
    "状态",
)
OVERDUE_WIDTHS = (6, 16, 12, 14, 9, 28, 12, 17, 10, 12)


def write_overdue_ledger(user: User, params: dict, path: Path, progress: Progress) -> int:
    """The month's overdue cases the person sees (disputes.performance.overdue_ledger), written
    as the ledger is: streamed to disk, progress after each chunk."""
    from disputes.performance import overdue_days, overdue_ledger

    month = datetime.strptime(params["month"], "%Y-%m").date()
    cases = overdue_ledger(user, month)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(OVERDUE_TITLE)
    for col, width in enumerate(OVERDUE_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    title = WriteOnlyCell(
        ws, value=f"{month:%Y年%m月} 矛盾纠纷超期台账（导出时间 {timezone.localtime():%Y-%m-%d %H:%M}）"
    )
    title.font = Font(bold=True, size=13)
    ws.append([title])
    bold = Font(bold=True)
    header = []
    for name in OVERDUE_HEADERS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    progress.start(cases.count())
    writer, written = RowWriter(ws), 0
    labels = writer.labels["status"]
    for case in cases.iterator(chunk_size=CHUNK_SIZE):
        written += 1
        ws.append(
            [
                written,
                case.number,
                safe_cell(case.township.name),
                safe_cell(case.category.name if case.category else ""),
                safe_cell(case.risk_level.name if case.risk_level else ""),
                safe_cell(case.lead_unit.name),
                writer.formatted(case.handle_due, DATE_FORMAT),
                writer.formatted(writer.local(case.reported_at), DATETIME_FORMAT),
                overdue_days(case, month),
                labels.get(case.status, case.status),
            ]
        )
        if written % CHUNK_SIZE == 0:
            progress.advance(written)
    progress.advance(written)
    wb.save(path)
    return written


OVERDUE = ExportKind(
    label="超期台账", nav_key="supervision", extension="xlsx", write=write_overdue_ledger, file_stem=OVERDUE_TITLE
)
