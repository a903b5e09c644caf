"""Batch import of grids and grid workers from an .xlsx workbook: the template, a clean file, and
a file with bad rows (every one reported with its row number, nothing imported)."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from governance.models import Role, User
from grids.models import Grid, GridWorker

GRID_HEADER = ["网格编码", "网格名称", "所属村（社区）区划代码", "网格类型(综合网格/专属网格)", "户数", "人口"]
WORKER_HEADER = ["用户名", "姓名", "手机号码", "类型(专职/兼职)", "负责网格编码（多个用逗号分隔）"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(grids: list[list], workers: list[list], *, grid_header=GRID_HEADER, worker_header=WORKER_HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "网格"
    ws.append(grid_header)
    for row in grids:
        ws.append(row)
    ws = wb.create_sheet("网格员")
    ws.append(worker_header)
    for row in workers:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, content: bytes, name: str = "网格.xlsx"):
    return client.post("/grids/import/", {"file": SimpleUploadedFile(name, content, content_type=XLSX)})


def snapshot() -> tuple:
    return (
        sorted(Grid.objects.values_list("code", "name", "households", "population")),
        sorted(User.objects.values_list("username", "full_name", "phone")),
        GridWorker.objects.count(),
        sorted(Grid.workers.through.objects.values_list("grid_id", "user_id")),
    )


def test_a_clean_file_creates_and_updates_grids_and_workers(org, login):
    officer = org["township_officer"]
    a1, a2 = org.village_a1.code, org.village_a2.code
    content = workbook(
        [
            [f"{a1}003", "一村第三网格", a1, "综合网格", 150, 420],
            [f"{a2}003", "二村学校网格", a2, "专属网格", "", ""],
            [f"{a1}001", "一村第一网格（改名）", a1, "", "88", 300.0],
            [None, None, None, None, None, None],  # a blank row is ignored
        ],
        [
            ["wangfang", "王芳", "13800138000", "兼职", f"{a1}003，{a1}002"],
            ["zhaolei", "赵磊", 13900139000, "", f"{a2}003"],
            ["grid_worker", "老网格员", "13700137000", "专职", f"{a1}001"],
        ],
    )
    response = upload(login(officer), content)
    assert response.status_code == 200, response.context["check"].errors if response.context.get("check") else ""
    result = response.context["result"]
    assert (result.grids_created, result.grids_updated, result.workers_created, result.workers_updated) == (2, 1, 2, 1)
    assert "no-store" in response["Cache-Control"]

    grid = Grid.objects.get(code=f"{a1}003")
    assert (grid.name, grid.village, grid.kind, grid.households, grid.population) == (
        "一村第三网格",
        org.village_a1,
        "comprehensive",
        150,
        420,
    )
    assert grid.history.latest().history_user == officer
    school = Grid.objects.get(code=f"{a2}003")
    assert (school.kind, school.households, school.population) == ("special", 0, 0)
    renamed = Grid.objects.get(code=f"{a1}001")
    assert (renamed.name, renamed.households, renamed.population) == ("一村第一网格（改名）", 88, 300)

    body = response.content.decode()
    passwords = {username: password for username, _name, password in result.passwords}
    assert set(passwords) == {"wangfang", "zhaolei"}
    wang = User.objects.get(username="wangfang")
    assert passwords["wangfang"] in body and wang.check_password(passwords["wangfang"])
    assert wang.must_change_password and wang.has_role(Role.GRID_WORKER)
    assert wang.unit.code == "A1-VC"
    assert (wang.grid_worker.employment, wang.grid_worker.phone) == ("part_time", "13800138000")
    assert sorted(wang.grids.values_list("code", flat=True)) == [f"{a1}002", f"{a1}003"]
    zhao = User.objects.get(username="zhaolei")
    assert zhao.unit == org.center_a  # 甲镇二村 has no village committee unit
    assert (zhao.phone, zhao.grid_worker.employment) == ("13900139000", "full_time")

    old = org["grid_worker"]
    old.refresh_from_db()
    assert (old.full_name, old.phone) == ("老网格员", "13700137000")
    assert list(old.grids.values_list("code", flat=True)) == [f"{a1}001"]
    assert "grid_worker" not in passwords


def test_every_bad_row_is_reported_and_nothing_is_imported(org, login):
    a1, b1 = org.village_a1.code, org.village_b1.code
    content = workbook(
        [
            [f"{a1}003", "好的网格", a1, "综合网格", 10, 20],  # row 2: fine
            ["990101001099001", "未知村的网格", "990101001099", "综合网格", 1, 1],  # 3
            [f"{b1}003", "乙镇的网格", b1, "综合网格", 1, 1],  # 4
            [f"{org.village_a2.code}004", "编码错位", a1, "综合网格", 1, 1],  # 5
            [f"{a1}003", "重复编码", a1, "综合网格", 1, 1],  # 6
            [f"{a1}005", "负数户数", a1, "综合网格", -3, "很多"],  # 7
            [f"{a1}006", "小数人口", a1, "综合网格", 1, 2.5],  # 8
            [f"{a1}007", "类型不对", a1, "党建网格", 1, 1],  # 9
            [f"{a1}008", "", "", "", "", ""],  # 10
        ],
        [
            ["ok_worker", "好的", "13800138000", "专职", f"{a1}003"],  # 2: fine
            ["badphone", "电话错", "12345", "专职", f"{a1}003"],  # 3
            ["police", "占用户名", "13800138001", "专职", f"{a1}003"],  # 4
            ["ghost", "无此网格", "13800138002", "专职", f"{a1}099"],  # 5
            ["outsider_grid", "别镇网格", "13800138003", "专职", f"{b1}001"],  # 6
            ["typo", "类型错", "13800138004", "临时", f"{a1}003"],  # 7
            ["ok_worker", "重复用户名", "13800138005", "专职", f"{a1}003"],  # 8
            ["badgrid", "网格行有错", "13800138006", "专职", f"{a1}007"],  # 9
            ["nogrid", "没填网格", "13800138007", "专职", ""],  # 10
        ],
    )
    before = snapshot()
    response = upload(login(org["township_officer"]), content)
    assert response.status_code == 200
    assert "result" not in response.context
    errors = [(e.sheet, e.row, e.reason) for e in response.context["check"].errors]
    expected = [
        ("网格", 3, "区划代码 990101001099 在系统中不存在"),
        ("网格", 4, f"区划代码 {b1} 不在您的管辖范围内"),
        ("网格", 5, f"网格编码应为所属村（社区）的12位区划代码 {a1} 加3位序号"),
        ("网格", 6, "与第 2 行重复"),
        ("网格", 7, "户数“-3”应为不小于0的整数"),
        ("网格", 7, "人口“很多”应为不小于0的整数"),
        ("网格", 8, "人口“2.5”应为不小于0的整数"),
        ("网格", 9, "网格类型“党建网格”不正确"),
        ("网格", 10, "未填写所属村（社区）区划代码"),
        ("网格", 10, "未填写网格名称"),
        ("网格员", 3, "手机号码“12345”不正确"),
        ("网格员", 4, "用户名 police 已被其他账号使用"),
        ("网格员", 5, f"网格编码 {a1}099 既不在本文件“网格”表中"),
        ("网格员", 6, f"网格编码 {b1}001 既不在本文件“网格”表中"),
        ("网格员", 7, "类型“临时”不正确"),
        ("网格员", 8, "用户名 ok_worker 与第 2 行重复"),
        ("网格员", 9, f"网格编码 {a1}007 在“网格”表中的那一行有错误"),
        ("网格员", 10, "未填写负责网格编码"),
    ]
    for sheet, row, reason in expected:
        assert any(s == sheet and r == row and reason in text for s, r, text in errors), (sheet, row, reason, errors)
    assert not any(r == 2 for _s, r, _t in errors)
    body = response.content.decode()
    assert "本次没有导入任何数据" in body and "第 7 行" in body
    assert snapshot() == before


def test_a_grid_worker_of_another_township_is_a_taken_username(org, login):
    from grids import services

    b_grid = Grid.objects.get(code=f"{org.village_b1.code}001")
    services.create_grid_worker(
        data=services.NewWorker("worker_b", "乙", "13800000000", "full_time", org.village_b1, [b_grid]),
        by=org["county_officer"],
    )
    content = workbook([], [["worker_b", "改名", "13800138000", "专职", f"{org.village_a1.code}001"]])
    response = upload(login(org["township_officer"]), content)
    assert "用户名 worker_b 已被其他账号使用" in response.context["check"].errors[0].reason
    assert User.objects.get(username="worker_b").full_name == "乙"


def test_a_missing_column_is_reported_on_row_1(org, login):
    content = workbook(
        [["990101001001003", "x", "990101001001", "", 1, 1]], [], grid_header=GRID_HEADER[:2] + GRID_HEADER[3:]
    )
    response = upload(login(org["township_officer"]), content)
    error = response.context["check"].errors[0]
    assert (error.sheet, error.row) == ("网格", 1)
    assert "表头缺少列：所属村（社区）区划代码" in error.reason
    assert not Grid.objects.filter(code="990101001001003").exists()


def test_a_missing_sheet_is_reported(org, login):
    wb = Workbook()
    wb.active.title = "Sheet1"
    out = BytesIO()
    wb.save(out)
    response = upload(login(org["township_officer"]), out.getvalue())
    reasons = [e.reason for e in response.context["check"].errors]
    assert any("没有名为“网格”的工作表" in r for r in reasons)
    assert any("没有名为“网格员”的工作表" in r for r in reasons)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("网格.xls", b"\xd0\xcf\x11\xe0 old excel", "只能上传 .xlsx 格式的 Excel 文件"),
        ("网格.csv", b"a,b\n1,2\n", "只能上传 .xlsx 格式的 Excel 文件"),
        ("网格.xlsx", b"this is not a zip file", "无法读取该文件"),
        ("网格.xlsx", b"PK\x03\x04" + b"\x00" * 100, "无法读取该文件"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(org, login, name, content, message):
    response = upload(login(org["township_officer"]), content, name)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors["file"])
    assert message in response.content.decode()


def test_a_file_over_5_mb_is_refused(org, login, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    response = upload(login(org["township_officer"]), b"PK" + b"\x00" * (5 * 1024 * 1024 + 1))
    assert "文件不能超过 5 MB" in response.context["form"].errors["file"][0]


def test_no_file_is_asked_for(org, login):
    response = login(org["township_officer"]).post("/grids/import/", {})
    assert "请选择要上传的文件" in response.context["form"].errors["file"][0]


def test_template_opens_and_explains_every_column(org, login):
    response = login(org["township_officer"]).get("/grids/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["网格", "网格员", "填写说明", "村（社区）代码"]
    grids, workers = wb["网格"], wb["网格员"]
    assert [c.value for c in grids[1]][:6] == GRID_HEADER
    assert [c.value for c in workers[1]][:5] == WORKER_HEADER
    assert all(c.font.bold for c in grids[1]) and all(c.font.bold for c in workers[1])
    assert grids["A2"].value == f"{org.village_a1.code}001"  # an example row
    notes = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    for header in GRID_HEADER + WORKER_HEADER:
        assert header in notes
    codes = [row[2] for row in wb["村（社区）代码"].iter_rows(min_row=2, values_only=True)]
    assert codes == [org.village_a1.code, org.village_a2.code]  # only the township's villages


def test_the_template_filled_in_imports_and_its_example_rows_are_skipped(org, login):
    client = login(org["township_officer"])
    wb = load_workbook(BytesIO(b"".join(client.get("/grids/import/template.xlsx").streaming_content)))
    a2 = org.village_a2.code
    wb["网格"].append([f"{a2}005", "二村第五网格", a2, "综合网格", 30, 90])
    wb["网格员"].append(["sunli", "孙丽", "13600136000", "专职", f"{a2}005"])
    out = BytesIO()
    wb.save(out)
    response = upload(client, out.getvalue())
    result = response.context["result"]
    assert (result.grids_created, result.grids_updated, result.workers_created) == (1, 0, 1)
    assert response.context["check"].skipped == [("网格", 2), ("网格员", 2)]
    assert not Grid.objects.filter(code=f"{org.village_a1.code}001", name="第一网格").exists()
    assert User.objects.get(username="sunli").grids.get().code == f"{a2}005"


def test_the_unfilled_template_imports_nothing(org, login):
    client = login(org["township_officer"])
    content = b"".join(client.get("/grids/import/template.xlsx").streaming_content)
    response = upload(client, content)
    assert "文件中没有要导入的数据" in response.context["form"].errors["file"][0]


def test_optional_columns_may_be_left_out_and_the_page_language_does_not_matter(org, login):
    client = login(org["township_officer"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    a1 = org.village_a1.code
    content = workbook(
        [[f"{a1}009", "精简列网格", a1]],
        [["qianjin", "钱进", "13500135000", f"{a1}009"]],
        grid_header=GRID_HEADER[:3],
        worker_header=["用户名", "姓名", "手机号", "负责网格编码"],
    )
    response = upload(client, content)
    assert response.context["result"].grids_created == 1
    grid = Grid.objects.get(code=f"{a1}009")
    assert (grid.kind, grid.households, grid.population) == ("comprehensive", 0, 0)
    assert User.objects.get(username="qianjin").grid_worker.employment == "full_time"
