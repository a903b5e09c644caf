"""Grid and grid-worker management: who may open which page, creating and editing grids and grid
workers within one's jurisdiction, and list pages with a fixed number of queries."""

import json

import pytest
from django.core.exceptions import ValidationError

from governance.models import Role, Unit, User
from grids import services
from grids.forms import validate_boundary
from grids.models import Grid, GridWorker, Region
from tests.factories import PERSONAS

GRID_ROLES = {"county_officer", "township_officer", "outsider"}
SEES_A = {"county_officer", "township_officer"}  # 甲镇
SEES_B = {"county_officer", "outsider"}  # 乙镇

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[116.40, 39.90], [116.41, 39.90], [116.41, 39.91], [116.40, 39.91], [116.40, 39.90]]],
}


def expect(allowed: set[str], hidden: set[str] = frozenset()) -> dict[str, int]:
    return {p: 200 if p in allowed else 404 if p in hidden else 403 for p in PERSONAS}


@pytest.fixture
def worker_b(org):
    """A grid worker of 乙镇一村 (no village committee unit there: the township center)."""
    grid = Grid.objects.get(code=f"{org.village_b1.code}001")
    user, _password = services.create_grid_worker(
        data=services.NewWorker("worker_b", "乙镇网格员", "13900000002", "full_time", org.village_b1, [grid]),
        by=org["county_officer"],
    )
    return user


def test_every_grid_page_answers_every_role(org, login, worker_b):
    a_grid, b_grid = f"{org.village_a1.code}001", f"{org.village_b1.code}001"
    table = {
        "/grids/": expect(GRID_ROLES),
        "/grids/new/": expect(GRID_ROLES),
        f"/grids/g/{a_grid}/edit/": expect(SEES_A, GRID_ROLES - SEES_A),
        f"/grids/g/{b_grid}/edit/": expect(SEES_B, GRID_ROLES - SEES_B),
        "/grids/g/990101001001999/edit/": expect(set(), GRID_ROLES),
        "/grids/workers/": expect(GRID_ROLES),
        "/grids/workers/new/": expect(GRID_ROLES),
        f"/grids/workers/{org['grid_worker'].pk}/edit/": expect(SEES_A, GRID_ROLES - SEES_A),
        f"/grids/workers/{worker_b.pk}/edit/": expect(SEES_B, GRID_ROLES - SEES_B),
        # Not a grid worker at all: nobody edits the police officer here.
        f"/grids/workers/{org['police'].pk}/edit/": expect(set(), GRID_ROLES),
        "/grids/import/": expect(GRID_ROLES),
        "/grids/import/template.xlsx": expect(GRID_ROLES),
    }
    for persona in PERSONAS:
        client = login(org[persona])
        for path, expected in table.items():
            response = client.get(path)
            assert response.status_code == expected[persona], (persona, path, response.status_code)


def test_posting_to_another_townships_grid_is_not_found(org, login):
    client = login(org["township_officer"])
    grid = Grid.objects.get(code=f"{org.village_b1.code}001")
    response = client.post(f"/grids/g/{grid.code}/edit/", {"name": "改名"})
    assert response.status_code == 404
    grid.refresh_from_db()
    assert grid.name == "乙镇一村第1网格"


def test_grid_list_shows_only_the_jurisdiction_with_worker_counts(org, login):
    body = login(org["township_officer"]).get("/grids/").content.decode()
    assert "甲镇一村第1网格" in body and "甲镇二村第2网格" in body
    assert "乙镇一村" not in body
    assert "grid_worker" in body  # the worker of 甲镇一村第1网格 is listed by name


def test_grid_list_filters(org, login):
    client = login(org["county_officer"])
    body = client.get("/grids/", {"township": org.town_b.pk}).content.decode()
    assert "乙镇一村第1网格" in body and "甲镇一村第1网格" not in body
    body = client.get("/grids/", {"village": org.village_a2.pk}).content.decode()
    assert "甲镇二村第1网格" in body and "甲镇一村第1网格" not in body
    body = client.get("/grids/", {"q": f"{org.village_a1.code}002"}).content.decode()
    assert "甲镇一村第2网格" in body and "甲镇一村第1网格" not in body
    body = client.get("/grids/", {"q": "二村第2"}).content.decode()
    assert "甲镇二村第2网格" in body and "甲镇二村第1网格" not in body


def grid_post(village: Region, **changes) -> dict:
    data = {
        "village": village.pk,
        "code": f"{village.code}003",
        "name": "第三网格",
        "kind": "comprehensive",
        "households": "120",
        "population": "380",
        "is_active": "on",
        "boundary": "",
    }
    data.update(changes)
    return data


def test_township_officer_creates_a_grid_with_a_boundary(org, login):
    officer = org["township_officer"]
    response = login(officer).post("/grids/new/", grid_post(org.village_a1, boundary=json.dumps(SQUARE)))
    assert response.status_code == 302
    grid = Grid.objects.get(code=f"{org.village_a1.code}003")
    assert (grid.name, grid.village, grid.households, grid.population) == ("第三网格", org.village_a1, 120, 380)
    assert grid.boundary == SQUARE
    assert grid.history.latest().history_user == officer


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "990101001002003"}, "code", "网格编码应为所属村（社区）的12位区划代码 990101001001 加3位序号"),
        ({"code": "99010100100103"}, "code", "网格编码应为所属村（社区）的12位区划代码"),
        ({"code": "990101001001000"}, "code", "不能是 000"),
        ({"code": "990101001001001"}, "code", "该网格编码已被其他网格使用"),
        ({"households": "-1"}, "households", "不能小于 0"),
        ({"population": "很多"}, "population", "请输入数字"),
        ({"name": ""}, "name", "此项为必填项"),
        ({"boundary": "{type: Polygon}"}, "boundary", "边界不是有效的 JSON：第 1 行第 2 列附近"),
        ({"boundary": '{"type": "Point", "coordinates": [116.4, 39.9]}'}, "boundary", "边界应为 GeoJSON 的 Polygon"),
        (
            {
                "boundary": '{"type": "Polygon", "coordinates": [[[116.4, 39.9], [116.5, 39.9], [116.5, 40.0], [116.4, 40]]]}'
            },
            "boundary",
            "第 1 个环没有闭合",
        ),
        (
            {
                "boundary": '{"type": "Polygon", "coordinates": [[[39.9, 116.4], [39.9, 116.5], [40, 116.5], [39.9, 116.4]]]}'
            },
            "boundary",
            "不在我国经纬度范围内",
        ),
    ],
)
def test_bad_grid_input_is_explained_and_nothing_is_saved(org, login, changes, field, message):
    before = Grid.objects.count()
    response = login(org["township_officer"]).post("/grids/new/", grid_post(org.village_a1, **changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert "网格未保存：请按红字提示修改后重新提交。" in response.content.decode()
    assert Grid.objects.count() == before


def test_a_village_outside_the_jurisdiction_cannot_be_chosen(org, login):
    response = login(org["township_officer"]).post(
        "/grids/new/", grid_post(org.village_b1, code=f"{org.village_b1.code}003")
    )
    assert response.status_code == 200
    assert "所选项不存在或不可用" in response.context["form"].errors["village"][0]
    assert not Grid.objects.filter(code=f"{org.village_b1.code}003").exists()
    assert "乙镇一村" not in response.content.decode()


def test_editing_a_grid_saves_changes_and_history(org, login):
    officer = org["township_officer"]
    grid = Grid.objects.get(code=f"{org.village_a1.code}002")
    data = grid_post(
        org.village_a1, code=grid.code, name="一村东片网格", kind="special", households="75", population="0"
    )
    data.pop("is_active")
    response = login(officer).post(f"/grids/g/{grid.code}/edit/", data)
    assert response.status_code == 302
    grid.refresh_from_db()
    assert (grid.name, grid.kind, grid.households, grid.population, grid.is_active) == (
        "一村东片网格",
        "special",
        75,
        0,
        False,
    )
    assert grid.history.latest().history_user == officer


def test_edit_form_shows_the_stored_boundary_as_json(org, login):
    grid = Grid.objects.get(code=f"{org.village_a1.code}002")
    grid.boundary = SQUARE
    grid.save()
    body = login(org["township_officer"]).get(f"/grids/g/{grid.code}/edit/").content.decode()
    assert "&quot;Polygon&quot;" in body


def test_boundary_validation_accepts_multipolygons_and_features():
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], SQUARE["coordinates"]]}
    assert validate_boundary(multi) == multi
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": SQUARE}
    assert validate_boundary({"type": "FeatureCollection", "features": [feature]}) == SQUARE
    with pytest.raises(ValidationError, match="至少需要4个点"):
        validate_boundary({"type": "Polygon", "coordinates": [[[116.4, 39.9], [116.5, 39.9], [116.4, 39.9]]]})
    with pytest.raises(ValidationError, match="两个数字"):
        validate_boundary(
            {"type": "Polygon", "coordinates": [[[116.4, "39.9"], [116.5, 39.9], [116.5, 40], [116.4, 39.9]]]}
        )


# --- Grid workers ----------------------------------------------------------------------------


def worker_post(org, **changes) -> dict:
    data = {
        "username": "liwei",
        "full_name": "李伟",
        "phone": "138 0013 8000",
        "employment": "part_time",
        "village": org.village_a1.pk,
        "grids": [
            Grid.objects.get(code=f"{org.village_a1.code}001").pk,
            Grid.objects.get(code=f"{org.village_a1.code}002").pk,
        ],
    }
    data.update(changes)
    return data


def test_creating_a_worker_makes_an_account_with_a_one_time_password(org, login):
    officer = org["township_officer"]
    response = login(officer).post("/grids/workers/new/", worker_post(org))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    user = User.objects.get(username="liwei")
    assert user.check_password(password)
    assert user.must_change_password
    assert user.has_role(Role.GRID_WORKER)
    assert user.unit.code == "A1-VC"
    assert (user.full_name, user.phone) == ("李伟", "13800138000")
    profile = user.grid_worker
    assert (profile.employment, profile.phone, profile.is_active) == ("part_time", "13800138000", True)
    assert sorted(user.grids.values_list("code", flat=True)) == [
        f"{org.village_a1.code}001",
        f"{org.village_a1.code}002",
    ]
    assert profile.history.latest().history_user == officer
    grid = Grid.objects.get(code=f"{org.village_a1.code}002")
    assert grid.history.latest().history_user == officer


def test_a_worker_of_a_village_without_a_committee_belongs_to_the_township_center(org, login):
    grid = Grid.objects.get(code=f"{org.village_a2.code}001")
    login(org["township_officer"]).post(
        "/grids/workers/new/", worker_post(org, village=org.village_a2.pk, grids=[grid.pk])
    )
    assert User.objects.get(username="liwei").unit == org.center_a


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "请输入11位手机号码"),
        ({"username": "police"}, "username", "用户名 police 已被使用"),
        ({"username": "Police"}, "username", "已被使用"),
        ({"username": "li wei"}, "username", "用户名只能包含字母、数字"),
        ({"grids": []}, "grids", "请至少选择一个负责网格"),
        ({"full_name": ""}, "full_name", "此项为必填项"),
    ],
)
def test_bad_worker_input_is_explained_and_nothing_is_saved(org, login, changes, field, message):
    users = User.objects.count()
    response = login(org["township_officer"]).post("/grids/workers/new/", worker_post(org, **changes))
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert User.objects.count() == users
    assert not GridWorker.objects.exists()


def test_a_grid_outside_the_jurisdiction_cannot_be_assigned(org, login):
    b_grid = Grid.objects.get(code=f"{org.village_b1.code}001")
    response = login(org["township_officer"]).post("/grids/workers/new/", worker_post(org, grids=[b_grid.pk]))
    assert "所选项不存在或不可用" in response.context["form"].errors["grids"][0]
    assert not User.objects.filter(username="liwei").exists()


def test_service_refuses_a_grid_outside_the_jurisdiction(org):
    from django.core.exceptions import PermissionDenied

    b_grid = Grid.objects.get(code=f"{org.village_b1.code}001")
    with pytest.raises(PermissionDenied):
        services.create_grid_worker(
            data=services.NewWorker("x1", "某人", "13800000000", "full_time", org.village_a1, [b_grid]),
            by=org["township_officer"],
        )
    assert not User.objects.filter(username="x1").exists()


def test_editing_a_worker_changes_grids_and_deactivates_the_account(org, login):
    officer = org["township_officer"]
    worker = org["grid_worker"]
    new_grid = Grid.objects.get(code=f"{org.village_a2.code}001")
    response = login(officer).post(
        f"/grids/workers/{worker.pk}/edit/",
        {"full_name": "王网格", "phone": "13911112222", "employment": "part_time", "grids": [new_grid.pk]},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_active
    assert (worker.full_name, worker.phone) == ("王网格", "13911112222")
    profile = GridWorker.objects.get(user=worker)
    assert (profile.employment, profile.phone, profile.is_active) == ("part_time", "13911112222", False)
    assert list(worker.grids.values_list("code", flat=True)) == [new_grid.code]
    assert worker.history.latest().history_user == officer


def test_editing_a_worker_reactivates_and_validates_the_phone(org, login):
    client = login(org["township_officer"])
    worker = org["grid_worker"]
    worker.is_active = False
    worker.save()
    response = client.post(
        f"/grids/workers/{worker.pk}/edit/", {"full_name": "王网格", "phone": "abc", "employment": "full_time"}
    )
    assert "请输入11位手机号码" in response.context["form"].errors["phone"][0]
    worker.refresh_from_db()
    assert not worker.is_active and worker.full_name == "grid_worker"
    grid = Grid.objects.get(code=f"{org.village_a1.code}001")
    response = client.post(
        f"/grids/workers/{worker.pk}/edit/",
        {
            "full_name": "王网格",
            "phone": "13911112222",
            "employment": "full_time",
            "is_active": "on",
            "grids": [grid.pk],
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.is_active


def test_a_township_edit_keeps_grids_of_other_townships(org, login):
    worker = org["grid_worker"]
    b_grid = Grid.objects.get(code=f"{org.village_b1.code}001")
    b_grid.workers.add(worker)  # assigned by the county
    a_grid = Grid.objects.get(code=f"{org.village_a1.code}002")
    login(org["township_officer"]).post(
        f"/grids/workers/{worker.pk}/edit/",
        {"full_name": "x", "phone": "13911112222", "employment": "full_time", "is_active": "on", "grids": [a_grid.pk]},
    )
    assert sorted(worker.grids.values_list("code", flat=True)) == sorted([a_grid.code, b_grid.code])


def test_worker_list_shows_only_the_jurisdictions_workers(org, login, worker_b):
    body = login(org["township_officer"]).get("/grids/workers/").content.decode()
    assert "grid_worker" in body and "worker_b" not in body
    body = login(org["county_officer"]).get("/grids/workers/", {"q": "乙镇"}).content.decode()
    assert "worker_b" in body and "grid_worker" not in body


# --- Query counts ----------------------------------------------------------------------------


def grow(org, n: int) -> None:
    by = org["county_officer"]
    for i in range(n):
        code = f"990101001{100 + i:03d}"
        village = Region.objects.create(code=code, name=f"新村{i}", level="village", kind="village", parent=org.town_a)
        Unit.objects.create(code=f"VC{i}", name=f"新村{i}村委会", kind=Unit.Kind.VILLAGE, region=village)
        grids = [Grid.objects.create(code=f"{code}{k:03d}", name=f"新村{i}网格{k}", village=village) for k in (1, 2)]
        services.create_grid_worker(
            data=services.NewWorker(f"w{i}", f"网格员{i}", "13800000000", "full_time", village, grids), by=by
        )


@pytest.mark.parametrize("persona", ["township_officer", "county_officer"])
@pytest.mark.parametrize(
    "path",
    ["/grids/", "/grids/?township={town_a}&q=网格", "/grids/workers/", "/grids/workers/new/", "/grids/new/"],
)
def test_grid_pages_run_a_fixed_number_of_queries(org, login, django_assert_max_num_queries, persona, path):
    client = login(org[persona])
    path = path.format(town_a=org.town_a.pk)
    with django_assert_max_num_queries(15) as small:
        assert client.get(path).status_code == 200
    grow(org, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200
