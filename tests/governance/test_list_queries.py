"""List pages run a fixed number of queries whatever the data size."""

import pytest

from governance.models import AuditEvent, Unit
from grids.models import Grid, Region


def grow(org, n):
    for i in range(n):
        code = f"990101001{100 + i:03d}"
        village = Region.objects.create(code=code, name=f"新村{i}", level="village", kind="village", parent=org.town_a)
        Grid.objects.create(code=f"{code}001", name="g", village=village)
        Unit.objects.create(code=f"U{i}", name=f"单位{i}", kind=Unit.Kind.VILLAGE, region=village)
        AuditEvent.objects.create(action=AuditEvent.Action.EXPORT, username=f"u{i}")


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("township_officer", "/regions/"),
        ("township_officer", "/regions/990101001001/"),
        ("county_officer", "/units/"),
        ("auditor", "/audit/"),
        ("township_officer", "/"),
    ],
)
def test_list_query_count_does_not_grow(org, login, django_assert_max_num_queries, persona, path):
    client = login(org[persona])
    with django_assert_max_num_queries(12) as small:
        assert client.get(path).status_code == 200
    grow(org, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200
