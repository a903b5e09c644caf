"""Batch import of grids and grid workers from one Excel workbook (.xlsx), and its template.

The workbook has a sheet "网格" and a sheet "网格员". Every row is checked before anything is
written: each bad row is reported with the row number Excel shows and the reason, and a file with
any bad row imports nothing (`read_workbook` → `ImportCheck.errors`). A clean file is applied by
`grids.services.import_grids_and_workers` in one transaction.

Columns are found by their header text, so a clerk may reorder them; a last column "备注" is
free text, and a row whose 备注 starts with "示例" (the template's example row) is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from governance.models import User
from governance.scoping import jurisdiction
from governance.validators import validate_phone
from grids.models import Grid, GridKind, GridWorker, Region
from grids.services import (
    MAX_NEW_WORKERS,
    USERNAME_RE,
    GridRow,
    WorkerRow,
    grid_code_error,
    no_unit_message,
    worker_queryset,
    worker_units,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

GRID_SHEET = "网格"
WORKER_SHEET = "网格员"
NOTES_SHEET = "填写说明"
VILLAGES_SHEET = "村（社区）代码"
MAX_ROWS = 5000  # rows read per sheet, blank rows included: a guard against runaway files
EXAMPLE_MARK = "示例"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the template writes it
    required: bool
    note: str  # lazily translated
    width: int
    aliases: tuple[str, ...] = ()
    text: bool = False  # codes and phone numbers: text cells, so Excel keeps every digit


GRID_COLUMNS = (
    Column(
        "code",
        "网格编码",
        True,
        gettext_lazy("15位数字：所属村（社区）的12位区划代码 + 3位序号（001起）。已存在的编码将更新该网格。"),
        20,
        text=True,
    ),
    Column("name", "网格名称", True, gettext_lazy("不超过60个字，如“第一网格”。"), 22),
    Column(
        "village",
        "所属村（社区）区划代码",
        True,
        gettext_lazy("12位村（社区）区划代码，须在您的管辖范围内，见“村（社区）代码”工作表。"),
        24,
        ("所属村（社区）代码", "村（社区）区划代码"),
        text=True,
    ),
    Column(
        "kind",
        "网格类型(综合网格/专属网格)",
        False,
        gettext_lazy("填“综合网格”或“专属网格”；不填按综合网格。"),
        26,
        ("网格类型",),
    ),
    Column("households", "户数", False, gettext_lazy("不小于0的整数；不填按0。"), 10),
    Column("population", "人口", False, gettext_lazy("不小于0的整数；不填按0。"), 10),
)
WORKER_COLUMNS = (
    Column(
        "username",
        "用户名",
        True,
        gettext_lazy("登录用的账号名，字母、数字或 @ . + - _，不超过150个字符。已是本辖区网格员的用户名将更新其信息。"),
        16,
    ),
    Column("full_name", "姓名", True, gettext_lazy("不超过40个字。"), 12),
    Column("phone", "手机号码", True, gettext_lazy("11位手机号码，或带区号的固定电话。"), 16, ("手机号",), text=True),
    Column(
        "employment",
        "类型(专职/兼职)",
        False,
        gettext_lazy("填“专职”或“兼职”；不填按专职。"),
        16,
        ("类型", "网格员类型"),
    ),
    Column(
        "grids",
        "负责网格编码（多个用逗号分隔）",
        True,
        gettext_lazy(
            "一个或多个网格编码，用逗号（中英文均可）、顿号或空格分隔；须是本文件“网格”表中的网格或系统中已有的本辖区网格。"
            "新网格员的所在单位取第一个网格所在村的村（居）委会。"
        ),
        34,
        ("负责网格编码", "负责网格"),
        text=True,
    ),
)
NOTE_COLUMN = Column(
    "note", "备注", False, gettext_lazy("不导入。第2行为示例，其备注以“示例”开头，导入时自动跳过。"), 28
)

# The workbook is in Chinese whatever language the page is shown in.
GRID_KINDS = {
    "综合网格": GridKind.COMPREHENSIVE,
    "综合": GridKind.COMPREHENSIVE,
    "专属网格": GridKind.SPECIAL,
    "专属": GridKind.SPECIAL,
}
EMPLOYMENTS = {"专职": GridWorker.Employment.FULL_TIME, "兼职": GridWorker.Employment.PART_TIME}

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_HALFWIDTH_BRACKETS = str.maketrans("（）", "()")
_SPLIT_CODES = re.compile(r"[,，、;；\s]+")


def _header_key(text: Any) -> str:
    key = re.sub(r"[\s*＊]", "", str(text or "")).translate(_FULLWIDTH_DIGITS).translate(_HALFWIDTH_BRACKETS)
    return key


def _short_key(key: str) -> str:
    """The header without a trailing explanation in brackets: "网格类型(综合网格/专属网格)" → "网格类型"."""
    return re.sub(r"\([^()]*\)$", "", key)


def _cell_text(value: Any) -> str:
    """A cell as text. Numbers typed into a General cell come back as int or float: a 15-digit
    code is exact in a float, so an integral float is written without its ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().translate(_FULLWIDTH_DIGITS)


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # as Excel numbers it; 0 for a problem with the whole file
    column: str
    reason: str


@dataclass
class ImportCheck:
    grids: list[GridRow] = field(default_factory=list)
    workers: list[WorkerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)  # example rows left in

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def empty(self) -> bool:
        return not self.grids and not self.workers


class UnreadableWorkbook(Exception):
    pass


def _sheet_rows(wb, title: str, columns: tuple[Column, ...], check: ImportCheck) -> Iterator[tuple[int, dict]]:
    """Yield (Excel row number, {column key: text}) for each non-blank data row of a sheet."""
    ws = next((wb[name] for name in wb.sheetnames if name.strip() == title), None)
    if ws is None:
        check.errors.append(
            RowError(title, 0, "", _("工作簿中没有名为“%(s)s”的工作表，请使用下载的导入模板。") % {"s": title})
        )
        return
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    wanted = {}
    for column in (*columns, NOTE_COLUMN):
        for name in (column.header, *column.aliases):
            wanted[_header_key(name)] = column.key
    index: dict[str, int] = {}
    for i, text in enumerate(header):
        key = _header_key(text)
        found = wanted.get(key) or wanted.get(_short_key(key))
        if found and found not in index:
            index[found] = i
    missing = [c.header for c in columns if c.required and c.key not in index]
    if missing:
        check.errors.append(
            RowError(
                title,
                1,
                "",
                _("表头缺少列：%(cols)s。请使用下载的导入模板，不要修改第1行的列名。") % {"cols": "、".join(missing)},
            )
        )
        return
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            check.errors.append(
                RowError(title, number, "", _("行数过多：每个工作表最多 %(n)d 行，请分批导入。") % {"n": MAX_ROWS - 1})
            )
            return
        cells = {c.key: "" for c in (*columns, NOTE_COLUMN)}  # optional columns may be left out
        cells.update({key: _cell_text(values[i]) for key, i in index.items() if i < len(values)})
        if not any(v for k, v in cells.items() if k != "note"):
            continue
        if cells.get("note", "").startswith(EXAMPLE_MARK):
            check.skipped.append((title, number))
            continue
        yield number, cells


def _non_negative(text: str) -> int | None:
    if text == "":
        return 0
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.0+", text):
        return int(text.split(".")[0])
    return None


def read_workbook(upload: IO[bytes], by: User) -> ImportCheck:
    """Read and check every row. Raises UnreadableWorkbook when the file is not a workbook."""
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML or openpyxl errors: all mean "not a workbook we can read"
        raise UnreadableWorkbook from exc
    try:
        check = ImportCheck()
        grid_rows = list(_sheet_rows(wb, GRID_SHEET, GRID_COLUMNS, check))
        worker_rows = list(_sheet_rows(wb, WORKER_SHEET, WORKER_COLUMNS, check))
    except Exception as exc:  # a corrupt sheet part fails only when it is read
        raise UnreadableWorkbook from exc
    finally:
        wb.close()
    _check_grids(grid_rows, by, check)
    _check_workers(worker_rows, {cells["code"] for _n, cells in grid_rows}, by, check)
    check.errors.sort(key=lambda e: (e.sheet != GRID_SHEET, e.row))
    return check


def _check_grids(rows: list[tuple[int, dict]], by: User, check: ImportCheck) -> None:
    def bad(row: int, column: str, reason: str) -> None:
        check.errors.append(RowError(GRID_SHEET, row, column, reason))

    village_codes = {cells["village"] for _n, cells in rows}
    grid_codes = {cells["code"] for _n, cells in rows}
    visible = {r.code: r for r in Region.objects.visible_to(by).filter(code__in=village_codes)}
    known = set(Region.objects.filter(code__in=village_codes - visible.keys()).values_list("code", flat=True))
    existing = {g.code: g for g in Grid.objects.filter(code__in=grid_codes).select_related("village")}
    seen: dict[str, int] = {}
    for number, cells in rows:
        errors_before = len(check.errors)
        code, village_code, name = cells["code"], cells["village"], cells["name"]
        village = visible.get(village_code)
        if not village_code:
            bad(number, _("所属村（社区）区划代码"), _("未填写所属村（社区）区划代码。"))
        elif not re.fullmatch(r"\d{12}", village_code):
            bad(number, _("所属村（社区）区划代码"), _("“%(c)s”不是12位数字的区划代码。") % {"c": village_code})
        elif village is None:
            if village_code in known:
                bad(number, _("所属村（社区）区划代码"), _("区划代码 %(c)s 不在您的管辖范围内。") % {"c": village_code})
            else:
                bad(number, _("所属村（社区）区划代码"), _("区划代码 %(c)s 在系统中不存在。") % {"c": village_code})
        elif village.level != Region.Level.VILLAGE:
            bad(
                number,
                _("所属村（社区）区划代码"),
                _("%(c)s 是%(level)s的代码，应填写村（社区）的区划代码。")
                % {"c": village_code, "level": village.get_level_display()},
            )
            village = None
        if not code:
            bad(number, _("网格编码"), _("未填写网格编码。"))
        elif village is not None and (error := grid_code_error(code, village)):
            bad(number, _("网格编码"), error)
        elif village is None and not re.fullmatch(r"\d{15}", code):
            bad(number, _("网格编码"), _("网格编码应为15位数字（村级区划代码+3位序号）。"))
        if code and code in seen:
            bad(number, _("网格编码"), _("网格编码 %(c)s 与第 %(r)d 行重复。") % {"c": code, "r": seen[code]})
        elif code:
            seen[code] = number
        if not name:
            bad(number, _("网格名称"), _("未填写网格名称。"))
        elif len(name) > 60:
            bad(number, _("网格名称"), _("网格名称不能超过60个字。"))
        kind = GRID_KINDS.get(cells["kind"] or "综合网格")
        if kind is None:
            bad(number, _("网格类型"), _("网格类型“%(k)s”不正确，应为“综合网格”或“专属网格”。") % {"k": cells["kind"]})
        numbers = {}
        for key, label in (("households", _("户数")), ("population", _("人口"))):
            value = _non_negative(cells[key])
            if value is None or value > 2_147_483_647:
                bad(number, label, _("%(label)s“%(v)s”应为不小于0的整数。") % {"label": label, "v": cells[key]})
            numbers[key] = value
        if len(check.errors) == errors_before:
            check.grids.append(
                GridRow(
                    number, code, name, village, kind, numbers["households"], numbers["population"], existing.get(code)
                )
            )


def _check_workers(rows: list[tuple[int, dict]], grid_codes_in_file: set[str], by: User, check: ImportCheck) -> None:
    def bad(row: int, column: str, reason: str) -> None:
        check.errors.append(RowError(WORKER_SHEET, row, column, reason))

    lowered = {cells["username"].lower() for _n, cells in rows if cells["username"]}
    taken = {u.username.lower(): u for u in User.objects.annotate(lower=Lower("username")).filter(lower__in=lowered)}
    mine = set(worker_queryset(by).filter(pk__in=[u.pk for u in taken.values()]).values_list("pk", flat=True))
    file_grids = {row.code: row for row in check.grids}
    all_codes = {c for _n, cells in rows for c in _SPLIT_CODES.split(cells["grids"]) if c}
    in_db = {g.code: g for g in Grid.objects.visible_to(by).filter(code__in=all_codes).select_related("village")}
    seen: dict[str, int] = {}
    new_rows: list[tuple[WorkerRow, Region]] = []
    for number, cells in rows:
        errors_before = len(check.errors)
        username, full_name = cells["username"], cells["full_name"]
        existing = taken.get(username.lower())
        if not username:
            bad(number, _("用户名"), _("未填写用户名。"))
        elif len(username) > 150 or not USERNAME_RE.match(username):
            bad(
                number,
                _("用户名"),
                _("用户名“%(u)s”只能包含字母、数字和 @ . + - _，且不超过150个字符。") % {"u": username},
            )
        elif username.lower() in seen:
            bad(
                number,
                _("用户名"),
                _("用户名 %(u)s 与第 %(r)d 行重复。") % {"u": username, "r": seen[username.lower()]},
            )
        elif existing is not None and existing.pk not in mine:
            bad(
                number,
                _("用户名"),
                _("用户名 %(u)s 已被其他账号使用（不是本辖区的网格员），请换一个。") % {"u": username},
            )
        if username:
            seen.setdefault(username.lower(), number)
        if not full_name:
            bad(number, _("姓名"), _("未填写姓名。"))
        elif len(full_name) > 40:
            bad(number, _("姓名"), _("姓名不能超过40个字。"))
        phone = ""
        if not cells["phone"]:
            bad(number, _("手机号码"), _("未填写手机号码。"))
        else:
            try:
                phone = validate_phone(cells["phone"])
            except ValidationError:
                bad(
                    number,
                    _("手机号码"),
                    _("手机号码“%(p)s”不正确：应为11位手机号码，或带区号的固定电话。") % {"p": cells["phone"]},
                )
        employment = EMPLOYMENTS.get(cells["employment"] or "专职")
        if employment is None:
            bad(number, _("类型"), _("类型“%(k)s”不正确，应为“专职”或“兼职”。") % {"k": cells["employment"]})
        codes = list(dict.fromkeys(c for c in _SPLIT_CODES.split(cells["grids"]) if c))
        unknown = [c for c in codes if c not in file_grids and c not in in_db]
        failed = [c for c in unknown if c in grid_codes_in_file]
        absent = [c for c in unknown if c not in grid_codes_in_file]
        if not codes:
            bad(number, _("负责网格编码"), _("未填写负责网格编码。"))
        if absent:
            bad(
                number,
                _("负责网格编码"),
                _("网格编码 %(c)s 既不在本文件“网格”表中，也不是系统中您管辖范围内的网格。") % {"c": "、".join(absent)},
            )
        if failed:
            bad(
                number,
                _("负责网格编码"),
                _("网格编码 %(c)s 在“网格”表中的那一行有错误，请先改正该行。") % {"c": "、".join(failed)},
            )
        if len(check.errors) == errors_before:
            row = WorkerRow(number, username, full_name, phone, employment, codes, existing)
            check.workers.append(row)
            if existing is None:
                first = file_grids.get(codes[0]) or in_db[codes[0]]
                new_rows.append((row, first.village))
    units = worker_units({village.pk: village for _r, village in new_rows}.values())
    for row, village in new_rows:
        row.unit = units[village.pk]
        if row.unit is None:
            bad(row.row, _("负责网格编码"), no_unit_message(village))
    if len(new_rows) > MAX_NEW_WORKERS:
        bad(
            0,
            "",
            _("一个文件最多新建 %(n)d 个网格员账号（本文件 %(m)d 个），请分批导入。")
            % {"n": MAX_NEW_WORKERS, "m": len(new_rows)},
        )


# ---------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="9B1C1C")
EXAMPLE_FONT = Font(italic=True, color="808080")


def _write_sheet(ws, columns: tuple[Column, ...], example: list[str]) -> None:
    all_columns = (*columns, NOTE_COLUMN)
    ws.append([c.header for c in all_columns])
    ws.append([*example, EXAMPLE_MARK + "行，导入时自动跳过，可删除"])  # not translated: it marks the row
    for i, column in enumerate(all_columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = column.width
        header = ws.cell(row=1, column=i)
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
        header.alignment = Alignment(vertical="center", wrap_text=True)
        ws.cell(row=2, column=i).font = EXAMPLE_FONT
        if column.text:
            # A text column, so a typed code keeps all its digits and is not shown as 9.90101E+14.
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"


def build_template(by: User) -> bytes:
    region = jurisdiction(by)
    villages = list(
        Region.objects.within(region).villages().select_related("parent").order_by("code") if region else []
    )
    village_code = villages[0].code if villages else "990101001001"
    wb = Workbook()
    grids_ws = wb.active
    grids_ws.title = GRID_SHEET
    _write_sheet(grids_ws, GRID_COLUMNS, [f"{village_code}001", "第一网格", village_code, "综合网格", "320", "1050"])
    workers_ws = wb.create_sheet(WORKER_SHEET)
    _write_sheet(
        workers_ws,
        WORKER_COLUMNS,
        ["zhangsan01", "张三", "13800138000", "专职", f"{village_code}001,{village_code}002"],
    )

    notes = wb.create_sheet(NOTES_SHEET)
    notes.append([_("网格及网格员批量导入填写说明")])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        _("1. 在“网格”和“网格员”两个工作表中从第3行起逐行填写，第1行列名不要修改；第2行为示例，导入时自动跳过。"),
        _("2. 只能导入您管辖范围内的村（社区）和网格；各村（社区）的区划代码见“村（社区）代码”工作表。"),
        _(
            "3. 网格编码已存在的，更新该网格的名称、所属村、类型、户数和人口；"
            "用户名已是本辖区网格员的，更新其姓名、手机号码、类型和负责网格。"
        ),
        _(
            "4. 导入前系统检查全部行：只要有一行有错，整个文件都不导入，"
            "并列出每个错误的工作表、行号和原因；改正后重新上传即可。"
        ),
        _(
            "5. 新建的网格员账号使用一次性临时密码，导入成功后在页面上显示一次，"
            "请当场抄录并告知本人；首次登录须修改密码。"
        ),
        _("6. 文件须为 .xlsx 格式，不超过 5 MB；每个文件最多新建 %(n)d 个网格员账号。") % {"n": MAX_NEW_WORKERS},
        "",
    ):
        notes.append([line])
    notes.append([_("工作表"), _("列名"), _("是否必填"), _("填写说明")])
    for cell in notes[notes.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for sheet, columns in ((GRID_SHEET, GRID_COLUMNS), (WORKER_SHEET, WORKER_COLUMNS)):
        for column in (*columns, NOTE_COLUMN):
            notes.append([sheet, column.header, _("必填") if column.required else _("选填"), str(column.note)])
    for letter, width in (("A", 12), ("B", 34), ("C", 10), ("D", 90)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=10):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")

    codes = wb.create_sheet(VILLAGES_SHEET)
    codes.append([_("镇（街道）"), _("村（社区）"), _("区划代码")])
    for cell in codes[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for village in villages:
        codes.append([village.parent.name if village.parent else "", village.name, village.code])
        codes.cell(row=codes.max_row, column=3).number_format = "@"
    for letter, width in (("A", 16), ("B", 20), ("C", 18)):
        codes.column_dimensions[letter].width = width

    out = BytesIO()
    wb.save(out)
    return out.getvalue()
