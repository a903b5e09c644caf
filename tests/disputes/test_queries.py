"""List, my-work and detail pages run a fixed number of queries whatever the number of cases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import Case, Status
from tests.disputes.conftest import intake


def fill(org, n: int) -> None:
    """n cases spread over the states the lists show, with parties, events and co-units."""
    due = timezone.localdate() + timedelta(days=5)
    for i in range(n):
        case = intake(org, channel="online" if i % 4 == 0 else "visit")
        if case.status == Status.REGISTERED and i % 2:
            case = services.dispatch_case(
                case=case,
                by=org["township_officer"],
                lead_unit=org.police_a,
                co_units=[org.mediation_a],
                due=due,
                version=case.version,
            )
            if i % 3 == 0:
                services.sign_case(case=case, by=org["police"], version=case.version)


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("township_officer", "/cases/"),
        ("township_officer", "/cases/?q=张三&status=dispatched&overdue=on"),
        ("county_officer", "/cases/work/"),
        ("police", "/cases/work/"),
        ("leader", "/cases/work/"),
        ("mediator", "/cases/"),
        ("county_officer", "/exports/"),
    ],
)
def test_list_pages_do_not_grow_with_cases(org, login, django_assert_max_num_queries, persona, path):
    fill(org, 20)
    client = login(org[persona])
    with django_assert_max_num_queries(40) as small:
        assert client.get(path).status_code == 200
    fill(org, 180)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200


def test_detail_page_does_not_grow_with_history(org, login, django_assert_max_num_queries, make_case):
    case = make_case(Status.IN_PROGRESS)
    client = login(org["police"])
    with django_assert_max_num_queries(40) as small:
        assert client.get(f"/cases/{case.number}/").status_code == 200
    for n in range(30):
        services.add_progress(case=case, by=org["police"], note=f"第{n}次联系当事人")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"/cases/{case.number}/").status_code == 200


def test_home_counts_each_list_in_one_query(org, login, make_case, django_assert_max_num_queries):
    from disputes.worklists import work_counts, worklists_for

    client = login(org["township_officer"])
    make_case(Status.SUBMITTED)
    with django_assert_max_num_queries(20) as few:
        client.get("/")
    for status in (Status.SUBMITTED, Status.REGISTERED, Status.PENDING_REVIEW, Status.CLOSED):
        make_case(status)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/").content.decode()
    assert 'data-testid="count-to_accept"' in body
    police = login(org["police"]).get("/").content.decode()
    assert 'data-testid="count-to_sign"' in police and 'data-testid="count-to_accept"' not in police
    counts = {spec.key: n for spec, n in work_counts(org["township_officer"])}
    assert counts == {wl.key: wl.total for wl in worklists_for(org["township_officer"])}
    assert (counts["to_accept"], counts["to_dispatch"], counts["to_review"], counts["to_evaluate"]) == (2, 1, 1, 1)
    police = {spec.key: n for spec, n in work_counts(org["police"])}
    assert (police["to_handle"], police["to_sign"]) == (0, 0)


@pytest.mark.parametrize("persona", ["county_officer", "township_officer", "police", "leader"])
def test_my_work_reads_every_list_in_three_queries(org, make_case, persona, django_assert_max_num_queries):
    """However many lists a person has (a county officer who also handles has eight): their counts,
    their first rows' ids and those rows, each in one query; each list still in its own order."""
    from disputes.worklists import ROWS_PER_LIST, _specs, worklists_for

    for status in (Status.SUBMITTED, Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.CLOSED):
        make_case(status)
        make_case(status)
    late = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=late.pk).update(handle_due=timezone.localdate() - timedelta(days=2))  # the leader's list
    user = org[persona]
    user.refresh_from_db()
    _specs(user)  # the person's unit, region and roles, read once per request before the lists
    with django_assert_max_num_queries(3):
        worklists = worklists_for(user)
    for worklist, spec in zip(worklists, _specs(user), strict=True):
        expected = list(
            Case.objects.filter(spec.condition).order_by(*spec.order).values_list("pk", flat=True)[:ROWS_PER_LIST]
        )
        assert [case.pk for case in worklist.cases] == expected, (persona, worklist.key)
        assert worklist.total == Case.objects.filter(spec.condition).count()
    assert any(worklist.cases for worklist in worklists), persona


def test_the_filter_bar_reads_each_select_in_one_query(org, login, make_case):
    """Django reads a model select's options through a server-side cursor on PostgreSQL (DECLARE,
    FETCH, CLOSE: three round trips each); the case list's selects are read in one query each and
    still offer every unit and township of the jurisdiction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from disputes.forms import dispatch_targets

    make_case(Status.IN_PROGRESS)
    client = login(org["county_officer"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/cases/?status=in_progress&lead_unit={org.police_a.pk}")
    assert response.status_code == 200
    assert not [q["sql"][:80] for q in captured.captured_queries if q["sql"].startswith("DECLARE")]
    page = response.content.decode()
    units = list(dispatch_targets(org["county_officer"]))
    assert units and all(f'<option value="{unit.pk}"' in page for unit in units)
    assert f'<option value="{org.police_a.pk}" selected>' in page
    assert f'<option value="{org.town_a.pk}"' in page and f'<option value="{org.town_b.pk}"' in page
