"""Jurisdiction follows the region code, so a code must sit under its parent's (GB/T 2260)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from grids.models import Grid, Region

ADD = "/admin/grids/region/add/"


def region_post(org, **changes) -> dict:
    data = {"code": "990101001009", "name": "新村", "level": "village", "kind": "village", "parent": org.town_a.pk}
    return {**data, **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {"code": "990101002009"},  # 乙镇's prefix under 甲镇
        {"code": "990101001000"},  # a township's shape for a village
        {"level": "township", "kind": "town", "code": "990101003000"},  # a township under a township
        {"code": "990102001009"},  # another county
    ],
)
def test_admin_refuses_a_region_not_coded_under_its_parent(org, login, changes):
    client = login(org["sysadmin"])
    response = client.post(ADD, region_post(org, **changes))
    assert response.status_code == 200
    assert "区划" in response.context["adminform"].form.errors.as_text()
    assert not Region.objects.filter(name="新村").exists()


def test_admin_accepts_a_village_under_its_township(org, login):
    client = login(org["sysadmin"])
    response = client.post(ADD, region_post(org))
    assert response.status_code == 302
    assert Region.objects.get(code="990101001009").parent == org.town_a


def test_clean_names_the_parents_prefix(org):
    village = Region(code="990101002009", name="新村", level="village", kind="village", parent=org.town_a)
    with pytest.raises(ValidationError) as raised:
        village.full_clean()
    assert "990101001" in str(raised.value.message_dict["code"])


def test_the_database_refuses_a_village_of_the_wrong_shape(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="990101001000", name="坏村", level="village", kind="village", parent=org.town_a)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the cross-row check is a PostgreSQL trigger")
def test_the_database_refuses_a_village_under_another_township(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="990101002009", name="坏村", level="village", kind="village", parent=org.town_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grid.objects.create(code="990101002001009", name="坏网格", village=org.village_a1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.filter(pk=org.village_a1.pk).update(code="990101001099")  # strands its grids


def test_admin_refuses_a_grid_not_coded_under_its_village(org, login):
    client = login(org["sysadmin"])
    data = {"code": "990101002001007", "name": "坏网格", "village": org.village_a1.pk, "kind": "comprehensive"}
    data |= {"households": 0, "population": 0, "is_active": "on"}
    response = client.post("/admin/grids/grid/add/", data)
    assert response.status_code == 200
    assert "990101001001" in response.context["adminform"].form.errors.as_text()
    assert not Grid.objects.filter(code="990101002001007").exists()
