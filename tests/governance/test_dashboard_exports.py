"""The dashboard's exports: the workbook's numbers are the dashboard's, the brief is one A4 page
whatever the number of indicators and places, both answer only to the dashboard's roles and
places, and both are audited."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from governance.dashboard import build
from governance.dashboard_exports import STATUS_LABELS, results_of
from governance.models import AuditEvent, DailyStat, Indicator
from grids.models import Region
from tests.factories import PERSONAS
from tests.governance.test_dashboard import ALLOWED, fill, mark_filled

XLSX, PDF = "/dashboard/export.xlsx", "/dashboard/brief.pdf"
SHEETS = ["指标", "下级排名", "逐月趋势", "受理类别", "来源渠道", "在办风险等级"]


def get(client: Client, url: str, query: str = ""):
    return client.get(f"{url}{'?' + query if query else ''}")


def workbook_of(response):
    return load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def table(sheet, first: str) -> dict[str, list]:
    """The rows under the header row whose first cell is `first`, by their first cell."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(n for n, row in enumerate(rows) if row[0] == first) + 1
    return {row[0]: list(row[1:]) for row in rows[start:] if row[0]}


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1] in b"01234567" else ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the page. reportlab writes its streams ASCII85 over Flate, and the CID font
    draws UCS-2 (big-endian) strings."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            data = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        except (ValueError, zlib.error):
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data, re.S):
            chunks.append(_unescape(literal).decode("utf-16-be", errors="ignore"))
    return "".join(chunks)


# --- who may export what ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", [XLSX, PDF])
def test_the_exports_are_for_the_dashboards_roles_only(org, login, persona, url):
    fill(2, timezone.localdate())
    response = get(login(org[persona]), url)
    if persona in ALLOWED:
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, user=org[persona]).count() == 1
    else:
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


@pytest.mark.parametrize("url", [XLSX, PDF])
def test_a_place_outside_the_jurisdiction_is_not_found(org, login, url):
    client = login(org["township_leader"])
    assert get(client, url, "place=990101002").status_code == 404  # 乙镇
    assert get(client, url, "place=990101").status_code == 404  # the county above him
    assert get(client, url, "place=990101001001").status_code == 200  # 甲镇一村, his
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, detail__contains="乙镇").exists()


def test_the_page_links_both_exports_with_its_window_and_place(org, login):
    response = login(org["leader"]).get("/dashboard/?w=quarter&place=990101001")
    html = response.content.decode()
    assert 'href="/dashboard/export.xlsx?place=990101001&amp;w=quarter" data-testid="export-xlsx"' in html
    assert 'href="/dashboard/brief.pdf?place=990101001&amp;w=quarter" data-testid="export-pdf"' in html


# --- the workbook ---------------------------------------------------------------------------------------


def test_the_workbook_holds_the_dashboards_numbers(org, login):
    today = timezone.localdate()
    fill(45, today)
    response = get(login(org["leader"]), XLSX, "w=month")
    assert response.status_code == 200
    book = workbook_of(response)
    assert book.sheetnames == SHEETS
    board = build(org["leader"], {"w": "month"})[0]
    sheet = book["指标"]
    header = [sheet.cell(n, 1).value for n in range(1, 4)]
    assert header[0].startswith("示范县")
    assert f"{board.window.start:%Y-%m-%d} 至 {board.window.end:%Y-%m-%d}" in header[1]
    assert header[2].startswith("生成时间")

    rows = table(sheet, "指标")
    results = results_of(board)
    assert len(rows) == len(results) + 1  # and the note under the table
    for result in results:
        value, numerator, denominator, target, status, mom, yoy, _note, explanation = rows[result.indicator.name]
        expected = [
            result.value,
            result.current.numerator,
            result.current.denominator,
            result.indicator.target,
            result.change(result.previous),
            result.change(result.year_earlier),
        ]
        for got, want in zip([value, numerator, denominator, target, mom, yoy], expected, strict=True):
            if want is None:
                assert got == "—"
            else:
                assert isinstance(got, int | float) and Decimal(str(got)) == want, (result.indicator.name, got, want)
        assert status == STATUS_LABELS.get(result.status, "—")
        assert explanation == result.indicator.explanation
    received = next(r for r in results if r.indicator.code == "received")
    assert rows[received.indicator.name][0] == 9 * today.day  # 3 a day in each of three grids

    # A rate carries a number format, not text.
    rate = next(r for r in results if r.indicator.unit == Indicator.Unit.PERCENT and r.value is not None)
    cell = next(c for c in sheet["A"] if c.value == rate.indicator.name)
    assert sheet.cell(cell.row, 2).number_format == '0.0"%"'

    ranking = table(book["下级排名"], "镇（街道）")
    assert [name for name in ranking if name in ("甲镇", "乙镇")] == [r.place.name for r in board.rows]
    for row in board.rows:
        assert Decimal(str(ranking[row.place.name][0])) == row.score

    rings = dict(board.rings[0][2][0].items())
    assert table(book["受理类别"], "类别")[rings["name"]][0] == rings["value"]
    open_rows = table(book["在办风险等级"], "镇（街道）")
    assert open_rows["甲镇"][-1] == 2 * 5 and open_rows["乙镇"][-1] == 5  # 5 red open per grid
    assert f"{board.window.start:%Y%m%d}-{board.window.end:%Y%m%d}.xlsx" in response["Content-Disposition"]

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert "示范县" in event.detail and event.user == org["leader"]


@pytest.mark.parametrize("url", [XLSX, PDF])
def test_a_bad_window_still_answers_with_the_default_and_says_why(org, login, url):
    fill(2, timezone.localdate())
    response = get(login(org["leader"]), url, "w=custom&start=2026-10-01&end=2026-09-01&trend=nope")
    assert response.status_code == 200
    if url == XLSX:
        header = [c.value for c in workbook_of(response)["指标"]["A"][:5]]
        assert any(v and "晚于截止日期" in v and "未知或未启用的指标" in v for v in header)
    else:
        assert page_count(response.content) == 1
        assert "晚于截止日期" in pdf_text(response.content)


def test_a_window_never_counted_is_a_dash_not_a_zero(org, login):
    DailyStat.objects.create(day=timezone.localdate(), region_code="990101001001", metric="received", value=4)
    response = get(login(org["leader"]), XLSX)  # no StatFill: nothing is counted yet
    rows = table(workbook_of(response)["指标"], "指标")
    assert all(row[0] == "—" for row in list(rows.values())[:-1])


# --- the brief -------------------------------------------------------------------------------------------


def test_the_brief_is_one_page_naming_the_place_and_the_red_indicators(org, login):
    fill(10, timezone.localdate())
    response = get(login(org["township_leader"]), PDF, "w=month")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert page_count(response.content) == 1
    text = pdf_text(response.content)
    assert "甲镇\u30fb矛盾纠纷化解态势简报" in text  # the font's middle dot
    board = build(org["township_leader"], {"w": "month"})[0]
    bad = [r.indicator.name for r in results_of(board) if r.status == "bad"]
    for name in bad:
        assert name in text
    assert "甲镇一村" in text and "甲镇二村" in text  # the ranking
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, detail__contains="简报").exists()


def test_the_brief_stays_on_one_page_with_thirty_places_and_forty_indicators(org, login):
    today = timezone.localdate()
    county = Region.objects.get(code="990101000000")
    rows = []
    for n in range(30):
        code = f"990101{100 + n:03d}000"
        Region.objects.create(code=code, name=f"第{n + 1}镇", level="township", kind="town", parent=county)
        for day in (today - timedelta(days=d) for d in range(5)):
            rows += [
                DailyStat(day=day, region_code=code[:9] + "001", metric="received", value=n + 1),
                DailyStat(day=day, region_code=code[:9] + "001", metric="closed", value=n + 1),
                DailyStat(day=day, region_code=code[:9] + "001", metric="closed_resolved", value=n),
            ]
    DailyStat.objects.bulk_create(rows)
    mark_filled(today - timedelta(days=800), today)
    Indicator.objects.bulk_create(
        [
            Indicator(
                code=f"extra_{n}",
                name=f"附加指标{n}",
                order=100 + n,
                unit=Indicator.Unit.COUNT,
                numerator="received",
                date_basis=Indicator.DateBasis.RECEIVED,
                explanation="测试用",
            )
            for n in range(40)
        ]
    )
    client = login(org["leader"])
    response = get(client, PDF, "w=month")
    assert response.status_code == 200
    assert page_count(response.content) == 1
    text = pdf_text(response.content)
    assert "另有" in text and "项指标未列出" in text
    board = build(org["leader"], {"w": "month"})[0]
    shown = {r.place.name for r in board.red + board.black}
    assert len(shown) == 10
    red_black = text[text.index("红榜") :]
    for row in board.rows:  # the five best and five worst, the middle left to the workbook
        assert (f"{row.place.name}{row.score} 分" in red_black) == (row.place.name in shown), row.place.name
    book = workbook_of(get(client, XLSX, "w=month"))
    assert len(table(book["下级排名"], "镇（街道）")) >= 30 + 1
