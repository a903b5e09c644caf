"""The lists drawn part by part (issue 13) show every person exactly the cases the old single rule
showed, in the same order: the old rule is kept here as the oracle."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from guardian.shortcuts import assign_perm

from disputes import listing
from disputes.filters import LIST_ORDER
from disputes.listing import ScopedCases
from disputes.models import (
    HANDLING_STATUSES,
    Case,
    CaseUserObjectPermission,
    Category,
    ExtensionRequest,
    Status,
)
from disputes.performance import overdue_ledger
from disputes.rules import HANDLING_ROLES
from disputes.supervision import SECTION_ROWS, supervision_sections
from disputes.worklists import _specs, work_counts, worklists_for
from governance.models import REGIONAL_ROLES, Role
from governance.scoping import region_prefix, region_q
from tests.factories import PERSONAS


def old_visible(user):
    """Case.objects.visible_to before issue 13: one OR through a join on the township's code."""
    if not user.is_authenticated:
        return Case.objects.none()
    condition = Q(pk__in=[])
    if user.has_role(*REGIONAL_ROLES):
        prefix = region_prefix(user)
        if prefix is not None:
            condition |= Q(township__code__startswith=prefix)
    if user.unit_id is not None and user.has_role(*HANDLING_ROLES):
        co_handled = Case.co_units.through.objects.filter(unit_id=user.unit_id).values("case_id")
        condition |= Q(lead_unit_id=user.unit_id) | Q(pk__in=co_handled)
    granted = CaseUserObjectPermission.objects.filter(user=user, permission__codename="view_case")
    return Case.objects.filter(condition | Q(pk__in=granted.values("content_object_id")))


def old_specs(user):
    """The "my work" lists before issue 13, key → condition."""
    specs = {}
    if user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        center = region_q(user, "township")
        specs["to_accept_online"] = center & Q(status=Status.SUBMITTED, channel="online")  # issue 16
        for key, status in (
            ("to_accept", Status.SUBMITTED),
            ("to_dispatch", Status.REGISTERED),
            ("to_review", Status.PENDING_REVIEW),
        ):
            specs[key] = center & Q(status=status)
        # Issue 15: pending extension requests, and the return visit before the archive.
        specs["to_extend"] = center & Q(extensions__decision="pending")
        specs["to_evaluate"] = center & Q(status=Status.CLOSED)
        specs["to_visit"] = center & Q(status=Status.EVALUATED, visited_at=None)
        specs["to_archive"] = center & Q(status=Status.EVALUATED, visited_at__isnull=False)
    if user.unit_id is not None and user.has_role(*HANDLING_ROLES):
        co = Case.co_units.through.objects.filter(case_id=OuterRef("pk"), unit_id=user.unit_id)
        specs["to_sign"] = Q(lead_unit_id=user.unit_id, status=Status.DISPATCHED)
        specs["to_handle"] = Q(lead_unit_id=user.unit_id, status=Status.IN_PROGRESS)
        specs["co_handling"] = Q(Exists(co), status__in=HANDLING_STATUSES)
    if user.has_role(Role.LEADER):
        specs["overdue"] = Q(pk__in=old_visible(user).overdue().values("pk"))
    return specs


def old_ledger(user, month, today):
    from disputes.performance import month_bounds

    start, end = month_bounds(month)
    return (
        old_visible(user)
        .filter(handle_due__lt=min(end, today), lead_unit__isnull=False)
        .filter(
            Q(reported_at__isnull=True) | (Q(reported_at__date__gt=F("handle_due")) & Q(reported_at__date__gte=start))
        )
        .order_by("handle_due", "number")
    )


@pytest.fixture
def spread(org, make_case):
    """Cases in both townships, in every state, led by different units, co-handled, granted to
    one person by name, overdue and not, reported late this month and earlier, received on
    different days (two on the same instant, so the id breaks the tie)."""
    now = timezone.now()
    today = timezone.localdate()
    statuses = [
        Status.SUBMITTED,
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.PENDING_REVIEW,
        Status.CLOSED,
        Status.EVALUATED,
        Status.REJECTED,
    ]
    cases = [make_case(status) for status in statuses for _ in range(2)]
    other = Category.objects.exclude(code="neighbourhood").first()
    for i, case in enumerate(cases):
        changes = {"received_at": now - timedelta(days=i % 7, hours=i)}
        if i % 3 == 0:
            changes["township"] = org.town_b
            changes["village"] = org.village_b1
        if i % 4 == 1:
            changes["category"] = other
        if case.status in HANDLING_STATUSES and i % 2 == 0:
            changes["handle_due"] = today - timedelta(days=3 + i)  # overdue
        if i in (10, 11):  # closed: reported late, this month and long ago
            changes["handle_due"] = today - timedelta(days=40)
            changes["reported_at"] = now - timedelta(days=(1 if i == 10 else 35))
        if i == 5:
            changes["lead_unit"] = org.mediation_a
        Case.objects.filter(pk=case.pk).update(**changes)
    Case.objects.filter(pk=cases[4].pk).update(received_at=now - timedelta(days=4, hours=4))
    Case.objects.filter(pk=cases[3].pk).update(received_at=now - timedelta(days=4, hours=4))
    cases[6].co_units.add(org.police_a, org.mediation_a)  # a case of 乙镇 co-handled by 甲镇's units
    cases[9].co_units.add(org.center_a)
    assign_perm("disputes.view_case", org["mediator"], cases[12])  # a named mediator, 乙镇
    assign_perm("disputes.view_case", org["township_officer"], cases[15])
    # A pending extension request in each township (待审批延期), and one case visited (待归档).
    for case in (cases[6], cases[7]):
        ExtensionRequest.objects.create(case=case, requested_by=org["police"], days=5, reason="鉴定未出", old_due=today)
    Case.objects.filter(pk=cases[13].pk).update(visited_at=now)
    return cases


FILTERS = {
    "all": lambda cases: cases,
    "in progress": lambda cases: cases.filter(status=Status.IN_PROGRESS),
    "overdue": lambda cases: cases.overdue(),
    "乙镇": lambda cases: cases.filter(township__code__startswith="990101002"),
    "another category": lambda cases: cases.exclude(category__code="neighbourhood"),
}


@pytest.fixture(params=["one query", "a query per part"])
def union_path(request, monkeypatch):
    """Both ways the parts are put together: one UNION ALL of limited parts (PostgreSQL), and a
    query per part merged in Python (SQLite, the embedded default, refuses limits in a UNION)."""
    if request.param == "a query per part":
        monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)
    return request.param


def ordered_ids(queryset, order):
    return list(queryset.order_by(*order).values_list("pk", flat=True))


@pytest.mark.parametrize("name", list(FILTERS))
def test_every_persona_sees_the_same_cases_in_the_same_order(org, spread, name, union_path):
    narrow = FILTERS[name]
    for persona in PERSONAS:
        user = org[persona]
        expected = ordered_ids(narrow(old_visible(user)), LIST_ORDER)
        assert ordered_ids(narrow(Case.objects.visible_to(user)), LIST_ORDER) == expected, persona
        scoped = ScopedCases(user, narrow, LIST_ORDER, cap=None)
        assert scoped.ids(0, 100) == expected, persona
        assert scoped.ids(2, 3) == expected[2:5], persona
        assert scoped.count() == len(expected), persona
        assert [c.pk for c in scoped.rows(1, 4, lambda cases: cases.select_related("township"))] == expected[1:5]


def test_the_scoping_is_not_empty_for_anyone_it_should_show_something(org, spread):
    """The oracle itself sees something for each business persona (else the comparison proves little)."""
    seen = {p: old_visible(org[p]).count() for p in PERSONAS}
    for persona in (
        "county_officer",
        "township_officer",
        "police",
        "mediator",
        "leader",
        "township_leader",
        "outsider",
    ):
        assert seen[persona] > 0, persona
    assert seen["county_officer"] == len(spread)
    assert 0 < seen["outsider"] < seen["county_officer"]


def test_a_capped_count_says_more_and_pages_stop_at_the_cap(org, spread, login, monkeypatch):
    visible = old_visible(org["county_officer"]).count()
    assert ScopedCases(org["county_officer"], FILTERS["all"], LIST_ORDER, cap=3).count() == 4
    assert ScopedCases(org["county_officer"], FILTERS["all"], LIST_ORDER, cap=visible).count() == visible
    monkeypatch.setattr(listing, "LIST_CAP", 5)
    client = login(org["county_officer"])
    page = client.get("/cases/").content.decode()
    assert 'data-testid="list-capped"' in page
    assert "超过 5 条" in page
    assert "第 1/1 页" in page  # 5 listed, 20 a page
    # A list under the cap is counted exactly, as before.
    page = client.get("/cases/?status=rejected").content.decode()
    assert 'data-testid="list-capped"' not in page
    assert "共 2 条" in page


def test_my_work_and_the_home_counts_hold_the_same_cases(org, spread, union_path):
    for persona in PERSONAS:
        user = org[persona]
        old = old_specs(user)
        lists = worklists_for(user)
        assert [w.key for w in lists] == list(old), persona
        orders = {spec.key: spec.order for spec in _specs(user)}  # each list in its deadline's order
        for worklist in lists:
            expected = Case.objects.filter(old[worklist.key])
            assert worklist.total == expected.count(), (persona, worklist.key)
            rows = [c.pk for c in worklist.cases]
            assert rows == ordered_ids(expected, orders[worklist.key])[:20], (persona, worklist.key)
        counts = {spec.key: n for spec, n in work_counts(user)}
        assert counts == {key: Case.objects.filter(q).count() for key, q in old.items()}, persona


def test_the_supervision_sections_and_the_ledger_hold_the_same_cases(org, spread, union_path):
    today = timezone.localdate()
    for persona in ("county_officer", "township_officer", "leader", "township_leader", "outsider"):
        user = org[persona]
        _listed, sections = supervision_sections(user)
        overdue = next(s for s in sections if s.key == "overdue")
        expected = old_visible(user).overdue(today).annotate(last=Max("events__at")).order_by("handle_due", "id")
        first = list(expected[:SECTION_ROWS])
        assert [c.pk for c in overdue.cases] == [c.pk for c in first], persona
        assert [c.last_event_at for c in overdue.cases] == [c.last for c in first], persona
        assert overdue.total == expected.count()
        for month in (today.replace(day=1), (today.replace(day=1) - timedelta(days=1)).replace(day=1)):
            new = list(overdue_ledger(user, month, today=today).values_list("pk", flat=True))
            assert new == list(old_ledger(user, month, today).values_list("pk", flat=True)), (persona, month)
    assert overdue_ledger(org["county_officer"], today.replace(day=1), today=today).exists()


@pytest.mark.parametrize("role", ["township_staff", "county_staff", "leader", "handler"])
def test_a_person_with_a_role_but_no_unit_gets_empty_lists_not_an_error(org, spread, login, role):
    """An account made before its unit was chosen: each part of its scope matches nothing, and
    every list and count says so (the home's counts once raised EmptyResultSet: a 500)."""
    from tests.factories import make_user

    person = make_user(f"no_unit_{role}", role, None)
    assert all(n == 0 for _spec, n in work_counts(person))
    client = login(person)
    for path in ("/", "/cases/", "/cases/work/", "/cases/supervision/"):
        assert client.get(path).status_code in (200, 403), path
