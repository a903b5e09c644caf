"""The ledger export (矛盾纠纷排查化解台账 as .xlsx): contents, filters, scoping, safety, audit.

导出 Excel asks for a background job (governance/export_jobs.py); here the job runs in the test's
process, as the worker would run it, and the file comes through 我的导出's download. The worker
itself, progress, expiry and who may download: tests/governance/test_export_jobs.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote, urlencode
from zipfile import ZipFile

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from disputes import exports, services
from disputes.models import Category, Party, RiskLevel
from governance.crypto import mask
from governance.export_jobs import run_export_job
from governance.models import AuditEvent, ExportJob
from tests.disputes.conftest import VALID_ID

URL = "/cases/export.xlsx"
HEADERS = [
    "序号",
    "案件编号",
    "收到时间",
    "来源渠道",
    "镇（街道）",
    "村（社区）",
    "纠纷类别",
    "风险等级",
    "涉及人数",
    "涉及金额（元）",
    "申请人",
    "被申请人",
    "纠纷简要情况",
    "当事人诉求",
    "状态",
    "主办单位",
    "协办单位",
    "办理期限",
    "是否逾期",
    "化解结果",
    "引导途径",
    "群众评价",
    "办结时间",
]
COL = {name: i for i, name in enumerate(HEADERS)}
PHONES = ("13800138000", "13900139000")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def export(client, params: dict | None = None, *, query: str = ""):
    """导出 Excel on the list with this filter; the job run here; the download's response."""
    query = query or urlencode(params or {}, doseq=True)
    response = client.post(URL + (f"?{query}" if query else ""))
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == "/exports/"
    job = ExportJob.objects.order_by("-id").first()
    assert run_export_job(job.pk) == "done"
    return client.get(f"/exports/{job.pk}/download/")


def sheet(response):
    assert response.status_code == 200, response.content[:300]
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["矛盾纠纷台账"]
    return wb["矛盾纠纷台账"]


def data_rows(ws) -> list[tuple]:
    """Case rows below the header (a trailing truncation note has no case number)."""
    return [row for row in ws.iter_rows(min_row=exports.HEADER_ROW + 1, values_only=True) if row[COL["案件编号"]]]


def numbers(ws) -> set[str]:
    return {row[COL["案件编号"]] for row in data_rows(ws)}


def town_b_case(org, summary: str = "乙镇的土地纠纷"):
    return services.intake_case(
        by=org["outsider"],
        data=services.IntakeData(
            channel="visit",
            township=org.town_b,
            village=org.village_b1,
            summary=summary,
            category=Category.objects.get(code="neighbourhood"),
            risk_level=RiskLevel.objects.get(code="blue"),
            parties=[services.PartyData(role=Party.Role.APPLICANT, name="王五", phone="13700137000")],
        ),
    )


# --- safe_cell ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(1,2)", "'=SUM(1,2)"),
        ("+86 1", "'+86 1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("邻里纠纷 =1", "邻里纠纷 =1"),
        ("", ""),
        ("a\x00b\x07c", "abc"),
        (42, 42),
        (None, None),
        (Decimal("1.50"), Decimal("1.50")),
        (date(2026, 1, 2), date(2026, 1, 2)),
    ],
)
def test_safe_cell(value, expected):
    assert exports.safe_cell(value) == expected


def test_safe_cell_cuts_to_excel_limit():
    assert len(exports.safe_cell("x" * 40_000)) == 32_767


# --- Contents --------------------------------------------------------------------------------


def test_export_holds_title_headers_and_case_row(org, login, make_case):
    officer = org["township_officer"]
    case = make_case("registered", amount=Decimal("1234.50"), demands="赔偿损失", people_involved=3)
    case = services.dispatch_case(
        case=case,
        by=officer,
        lead_unit=org.police_a,
        co_units=[org.mediation_a],
        due=timezone.localdate() + timedelta(days=10),
        version=case.version,
    )

    response = export(login(officer))

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    stamp = timezone.localtime()
    assert f"filename*=utf-8''{quote('矛盾纠纷台账')}-{stamp:%Y%m%d}-" in disposition
    assert "no-store" in response["Cache-Control"]

    ws = sheet(response)
    assert ws["A1"].value == f"{settings.SITE_TITLE} 矛盾纠纷排查化解台账"
    assert ws["A1"].font.b
    assert ws["A2"].value.startswith("导出时间：")
    assert "筛选条件：全部案件" in ws["A2"].value
    header = [c.value for c in ws[exports.HEADER_ROW]]
    assert header == HEADERS
    assert all(c.font.b for c in ws[exports.HEADER_ROW])
    assert ws[exports.HEADER_ROW][0].fill.fgColor.rgb.endswith("D9E1F2")
    assert ws.freeze_panes == f"C{exports.HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{exports.HEADER_ROW}:W{exports.HEADER_ROW + 1}"
    assert ws.column_dimensions["M"].width == 48

    rows = data_rows(ws)
    assert len(rows) == 1
    row = dict(zip(HEADERS, rows[0], strict=True))
    assert row["序号"] == 1
    assert row["案件编号"] == case.number
    assert row["收到时间"] == timezone.localtime(case.received_at).replace(tzinfo=None, second=0, microsecond=0)
    assert row["来源渠道"] == "来访"
    assert row["镇（街道）"] == "甲镇"
    assert row["村（社区）"] == "甲镇一村"
    assert row["纠纷类别"] == "邻里纠纷"
    assert row["风险等级"] == RiskLevel.objects.get(code="blue").name
    assert row["涉及人数"] == 3
    assert row["涉及金额（元）"] == pytest.approx(1234.5)
    assert row["申请人"] == "张三"
    assert row["被申请人"] == "李四"
    assert row["纠纷简要情况"] == case.summary
    assert row["当事人诉求"] == "赔偿损失"
    assert row["状态"] == "已分流待签收"
    assert row["主办单位"] == "甲镇派出所"
    assert row["协办单位"] == "甲镇人民调解委员会"
    assert row["办理期限"].date() == case.handle_due
    assert row["是否逾期"] == "否"
    assert row["办结时间"] is None

    cells = {c.column_letter: c for c in ws[exports.HEADER_ROW + 1]}
    assert isinstance(cells["C"].value, datetime)
    assert cells["C"].number_format == "yyyy-mm-dd hh:mm"
    assert cells["R"].number_format == "yyyy-mm-dd"
    assert cells["J"].data_type == "n"
    assert cells["I"].data_type == "n"


def test_closed_case_has_outcome_evaluation_and_closing_time(org, login, make_case):
    case = make_case("evaluated")
    ws = sheet(export(login(org["township_officer"])))
    row = dict(zip(HEADERS, data_rows(ws)[0], strict=True))
    assert row["状态"] == "已评价"
    assert row["化解结果"] == "调解成功"
    assert row["群众评价"] == "满意"
    assert row["办结时间"] == timezone.localtime(case.closed_at).replace(tzinfo=None, second=0, microsecond=0)


def test_rows_follow_list_order_and_are_numbered(org, login, make_case):
    now = timezone.now()
    older = make_case("registered", received_at=now - timedelta(days=2))
    newer = make_case("registered", received_at=now - timedelta(hours=1))
    ws = sheet(export(login(org["township_officer"])))
    rows = data_rows(ws)
    assert [r[COL["案件编号"]] for r in rows] == [newer.number, older.number]
    assert [r[COL["序号"]] for r in rows] == [1, 2]


# --- Filters and scoping --------------------------------------------------------------------


def test_filters_apply(org, login, make_case):
    working = make_case("in_progress")
    make_case("registered")
    ws = sheet(export(login(org["township_officer"]), {"status": "in_progress"}))
    assert numbers(ws) == {working.number}
    assert "状态：办理中" in ws["A2"].value


def test_search_by_phone_finds_case_but_does_not_print_the_number(org, login, make_case):
    case = make_case("registered")
    client = login(org["township_officer"])
    listed = client.post("/cases/", {"q": PHONES[0]})  # the term goes into the session, not the address
    assert PHONES[0] not in listed["Location"]
    ws = sheet(export(client, query=listed["Location"].split("?", 1)[1]))
    assert numbers(ws) == {case.number}
    assert PHONES[0] not in ws["A2"].value
    assert "138****8000" in ws["A2"].value
    # The job keeps the term only encrypted, and only until its file is written.
    job = ExportJob.objects.get()
    assert PHONES[0] not in job.title and "138****8000" in job.title
    assert job.params == ""


def test_an_expired_search_is_refused_rather_than_exporting_everything(org, login, make_case):
    make_case("registered")
    client = login(org["township_officer"])
    response = client.post(URL + "?s=gone", follow=True)
    assert response.redirect_chain[-1][0] == "/cases/?s=gone"
    assert "搜索条件已过期" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_invalid_filter_is_refused_with_a_message(org, login, make_case):
    make_case("registered")
    client = login(org["township_officer"])
    response = client.post(URL + "?status=nonsense", follow=True)
    assert response.redirect_chain[-1] == ("/cases/?status=nonsense", 302)
    assert "筛选条件有误（状态：" in response.content.decode()
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_township_officer_never_gets_other_township_and_outsider_none_of_ours(org, login, make_case):
    ours = make_case("registered")
    theirs = town_b_case(org)

    ws = sheet(export(login(org["township_officer"])))
    assert numbers(ws) == {ours.number}

    ws = sheet(export(login(org["outsider"])))
    assert numbers(ws) == {theirs.number}

    # Asking for 甲镇 by its id is a filter the outsider's form refuses: no job, nothing of 甲镇.
    outsider = login(org["outsider"])
    jobs = ExportJob.objects.count()
    response = outsider.post(f"{URL}?township={org.town_a.pk}", follow=True)
    assert "筛选条件有误" in response.content.decode()
    assert ExportJob.objects.count() == jobs


def test_handling_unit_gets_only_cases_dispatched_to_it(org, login, make_case):
    dispatched = make_case("in_progress")
    make_case("registered")
    ws = sheet(export(login(org["police"])))
    assert numbers(ws) == {dispatched.number}


# --- Safety ---------------------------------------------------------------------------------


def test_formula_in_summary_is_written_as_text(org, login, make_case):
    make_case("in_progress", summary="=SUM(1,2)", demands="@cmd|' /C calc'!A0")
    ws = sheet(export(login(org["township_officer"])))
    cells = {c.column_letter: c for c in ws[exports.HEADER_ROW + 1]}
    assert cells["M"].value == "'=SUM(1,2)"
    assert cells["M"].data_type != "f"
    assert cells["N"].value == "'@cmd|' /C calc'!A0"
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_no_id_or_phone_number_anywhere_in_workbook(org, login, make_case):
    make_case("in_progress")
    response = export(login(org["township_officer"]))
    raw = b"".join(response.streaming_content)
    ws = load_workbook(BytesIO(raw))["矛盾纠纷台账"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "张三" in text
    secrets = (VALID_ID, *PHONES, mask(VALID_ID), *(mask(p) for p in PHONES), VALID_ID[-4:], "****")
    for secret in secrets:
        assert secret not in text, secret
    # Nor in the shared strings or anywhere else inside the zip.
    with ZipFile(BytesIO(raw)) as archive:
        for name in archive.namelist():
            body = archive.read(name).decode("utf-8", "replace")
            for secret in (VALID_ID, *PHONES):
                assert secret not in body, (name, secret)


# --- Audit, permissions, queries, cap -------------------------------------------------------


def test_export_is_audited(org, login, make_case):
    make_case("registered")
    make_case("in_progress")
    officer = org["township_officer"]
    response = export(login(officer), {"status": "in_progress"})
    assert response.status_code == 200
    job = ExportJob.objects.get()
    asked, downloaded = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("id")
    assert (asked.user, downloaded.user) == (officer, officer)
    assert asked.detail == f"申请导出案件台账（任务 {job.pk}）：状态：办理中"
    assert asked.path == URL
    assert downloaded.detail == f"下载导出案件台账（任务 {job.pk}）1 条"
    assert downloaded.path == f"/exports/{job.pk}/download/"


@pytest.mark.parametrize("persona", ["grid_worker", "sysadmin", "security_admin", "auditor"])
def test_roles_without_case_list_are_refused(org, login, make_case, persona):
    make_case("registered")
    response = login(org[persona]).post(URL)
    assert response.status_code == 403
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED, user=org[persona]).exists()


def test_asking_is_a_post(org, login):
    assert login(org["township_officer"]).get(URL).status_code == 405
    assert not ExportJob.objects.exists()


def test_anonymous_is_sent_to_login(client, org):
    response = client.post(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={URL}"


def test_query_count_does_not_grow_with_rows(org, login, make_case):
    for _ in range(5):
        make_case("registered")
    client = login(org["township_officer"])
    assert client.post(URL).status_code == 302
    with CaptureQueriesContext(connection) as few:
        assert run_export_job(ExportJob.objects.get().pk) == "done"
    for _ in range(35):
        make_case("registered")
    ExportJob.objects.update(state=ExportJob.State.EXPIRED)
    assert client.post(URL).status_code == 302
    with CaptureQueriesContext(connection) as many:
        assert run_export_job(ExportJob.objects.latest("id").pk) == "done"
    assert len(many.captured_queries) == len(few.captured_queries)
    assert ExportJob.objects.latest("id").rows_written == 40


def test_the_50000_row_cap_is_gone(org, login, make_case, monkeypatch):
    """The old export stopped at exports.MAX_ROWS with a note; the background one writes every row."""
    for _ in range(3):
        make_case("registered")
    monkeypatch.setattr(exports, "MAX_ROWS", 2, raising=False)
    ws = sheet(export(login(org["township_officer"])))
    assert len(data_rows(ws)) == 3
    assert not any("已截断" in str(row[0]) for row in ws.iter_rows(values_only=True))
    assert ExportJob.objects.get().rows_written == 3
