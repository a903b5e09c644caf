from governance.models import Unit
from governance.scoping import jurisdiction, region_q
from grids.models import Grid, Region


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_township_scope_holds_exactly_its_villages_and_grids(org):
    user = org["township_officer"]
    assert jurisdiction(user) == org.town_a
    assert codes(Region.objects.visible_to(user)) == {"990101001000", "990101001001", "990101001002"}
    assert codes(Grid.objects.visible_to(user)) == {
        "990101001001001",
        "990101001001002",
        "990101001002001",
        "990101001002002",
    }


def test_county_scope_holds_everything(org):
    user = org["county_officer"]
    assert codes(Region.objects.visible_to(user)) == set(Region.objects.values_list("code", flat=True))
    assert Grid.objects.visible_to(user).count() == Grid.objects.count() == 6


def test_outsider_sees_nothing_of_the_other_township(org):
    user = org["outsider"]
    assert codes(Region.objects.visible_to(user)) == {"990101002000", "990101002001"}
    assert not Grid.objects.visible_to(user).filter(village__parent=org.town_a).exists()


def test_grid_worker_sees_only_own_grid(org):
    user = org["grid_worker"]
    assert codes(Grid.objects.visible_to(user)) == {"990101001001001"}
    assert codes(Region.objects.visible_to(user)) == {"990101001001"}


def test_administrators_see_no_business_data(org):
    for persona in ("sysadmin", "security_admin", "auditor"):
        user = org[persona]
        assert jurisdiction(user) is None
        assert not Region.objects.visible_to(user).exists()
        assert not Grid.objects.visible_to(user).exists()


def test_region_q_filters_related_rows_in_the_query(org):
    units = Unit.objects.filter(region_q(org["township_officer"], "region"))
    assert set(units.values_list("code", flat=True)) == {"A-CENTER", "A-LEAD", "A-POLICE", "A-MED", "A1-VC"}
    assert not Unit.objects.filter(region_q(org["sysadmin"], "region")).exists()


def test_scoped_list_is_one_query_whatever_the_size(org, django_assert_num_queries):
    user = type(org["township_officer"]).objects.select_related("unit__region").get(username="township_officer")
    user.role_codes  # noqa: B018 - loaded once per request in practice
    with django_assert_num_queries(1):
        list(Grid.objects.visible_to(user))
    for n in range(3, 40):
        Grid.objects.create(code=f"990101001001{n:03d}", name=f"g{n}", village=org.village_a1)
    with django_assert_num_queries(1):
        assert len(list(Grid.objects.visible_to(user))) == 41
