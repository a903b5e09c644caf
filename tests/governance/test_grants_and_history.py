import pytest
from guardian.shortcuts import assign_perm, get_objects_for_user

from governance.models import Unit


def test_guardian_object_grant_reaches_one_object_only(org):
    police = org["police"]
    assert not police.has_perm("governance.view_unit", org.center_b)
    assign_perm("governance.view_unit", police, org.center_b)
    police = type(police).objects.get(pk=police.pk)  # permission caches are per instance
    assert police.has_perm("governance.view_unit", org.center_b)
    assert not police.has_perm("governance.view_unit", org.center_a)
    assert list(get_objects_for_user(police, "governance.view_unit", klass=Unit)) == [org.center_b]


def test_changes_to_units_keep_history_with_author(org, login):
    unit = org.police_a
    unit.phone = "0851-1234567"
    unit._history_user = org["sysadmin"]
    unit.save(update_fields=["phone"])
    records = list(unit.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert records[-1].phone == "0851-1234567"
    assert records[-1].history_user == org["sysadmin"]


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        ("auditor", "/admin/governance/auditevent/", 200),
        ("sysadmin", "/admin/governance/auditevent/", 403),
        ("security_admin", "/admin/governance/user/", 200),
        ("auditor", "/admin/governance/user/", 403),
        ("sysadmin", "/admin/governance/unit/", 200),
        ("sysadmin", "/admin/grids/region/", 200),
        ("security_admin", "/admin/axes/accessattempt/", 200),
        ("sysadmin", "/admin/governance/user/", 403),
    ],
)
def test_three_administrators_are_separated_in_the_admin(org, login, persona, path, status):
    assert login(org[persona]).get(path).status_code == status


def test_admin_edit_records_the_editor_in_history(org, login):
    client = login(org["sysadmin"])
    unit = org.police_a
    response = client.post(
        f"/admin/governance/unit/{unit.pk}/change/",
        {
            "code": unit.code,
            "name": "甲镇派出所（新）",
            "kind": unit.kind,
            "sector": unit.sector,
            "region": unit.region_id,
            "phone": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = unit.history.latest()
    assert latest.name == "甲镇派出所（新）"
    assert latest.history_user == org["sysadmin"]
