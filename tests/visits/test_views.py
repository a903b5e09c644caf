"""Every visits page for every persona: allowed, 403, or 404 for a guessed id out of scope; list
pages run a fixed number of queries whatever the data size."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import Category
from tests.factories import PERSONAS
from tests.visits.conftest import held, issue, plan
from visits import services
from visits.models import Visit, VisitIssue

REGIONAL = {"county_officer", "township_officer", "leader", "township_leader", "outsider"}
PLANNERS = {"county_officer", "township_officer", "outsider"}
ISSUE_READERS = REGIONAL | {"police", "mediator"}


@pytest.fixture
def world(org):
    visit = held(org)
    item = issue(org, visit, services.Ending.ASSIGN)
    return visit, item


def expected(persona: str, allowed: set[str], in_scope: set[str] | None = None) -> int:
    if persona not in allowed:
        return 403
    if in_scope is not None and persona not in in_scope:
        return 404
    return 200


IN_A = {"county_officer", "township_officer", "leader", "township_leader"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_by_role(org, login, world, persona):
    visit, item = world
    client = login(org[persona])
    pages = {
        "/visits/": expected(persona, REGIONAL),
        "/visits/new/": expected(persona, PLANNERS),
        "/visits/coverage/": expected(persona, REGIONAL),
        "/visits/coverage.xlsx": expected(persona, REGIONAL),
        f"/visits/{visit.pk}/": expected(persona, REGIONAL, IN_A),
        f"/visits/{visit.pk}/brief/": expected(persona, REGIONAL, IN_A),
        "/visits/issues/": expected(persona, ISSUE_READERS),
        # The police station owns the issue; the mediator and the outsider do not see it.
        f"/visits/issues/{item.pk}/": expected(persona, ISSUE_READERS, IN_A | {"police"}),
    }
    got = {path: client.get(path).status_code for path in pages}
    assert got == pages


@pytest.mark.parametrize("persona", PERSONAS)
def test_steps_by_role(org, login, world, persona):
    _visit, item = world
    planned = plan(org, date=timezone.localdate() + timedelta(days=5))
    client = login(org[persona])
    cancel = client.post(f"/visits/{planned.pk}/cancel/", {"cancel-reason": "改期"})
    close = client.post(f"/visits/issues/{item.pk}/close/", {"close-answer": "已修复"})
    planned.refresh_from_db()
    item.refresh_from_db()
    if persona in {"county_officer", "township_officer"}:
        assert cancel.status_code == 302 and planned.status == Visit.Status.CANCELLED
    elif persona in REGIONAL - PLANNERS or persona == "outsider":
        # Leaders may read, not cancel (a message, state unchanged); the outsider gets a 404.
        assert cancel.status_code == (404 if persona == "outsider" else 302)
        assert planned.status == Visit.Status.PLANNED
    else:
        assert cancel.status_code == 403 and planned.status == Visit.Status.PLANNED
    if persona == "police":
        assert close.status_code == 302 and item.status == VisitIssue.Status.CLOSED
    else:
        assert item.status == VisitIssue.Status.ASSIGNED
        assert close.status_code in {302, 403, 404}
        if persona in {"outsider", "mediator"}:
            assert close.status_code == 404


def test_a_guessed_visit_of_another_township_is_a_404(org, login):
    other = held(org, village=org.village_b1, by=org["county_officer"], leaders=[org["leader"]])
    client = login(org["township_officer"])
    assert client.get(f"/visits/{other.pk}/").status_code == 404
    assert client.post(f"/visits/{other.pk}/issues/", {}).status_code == 404
    assert client.get(f"/visits/{other.pk + 1000}/").status_code == 404


def test_the_leader_sees_their_visits_on_the_home_page_and_calendar(org, login):
    visit = plan(org, date=timezone.localdate() + timedelta(days=2), leaders=[org["township_leader"]])
    client = login(org["township_leader"])
    home = client.get("/").content.decode()
    assert "我的近期夜访、接访安排" in home and f"/visits/{visit.pk}/brief/" in home
    calendar = client.get("/visits/?view=week").content.decode()
    assert "我的近期安排" in calendar


def test_the_calendar_shows_week_and_month(org, login):
    day = timezone.localdate() + timedelta(days=1)
    visit = plan(org, date=day)
    client = login(org["county_officer"])
    for view in ("week", "month"):
        page = client.get(f"/visits/?view={view}&day={day}").content.decode()
        assert f'data-testid="visit-{visit.pk}"' in page
    assert client.get("/visits/?day=not-a-date").status_code == 200


def test_recording_and_issues_through_the_pages(org, login):
    visit = plan(org)
    client = login(org["township_leader"])
    bad = client.post(f"/visits/{visit.pk}/record/", {"record-summary": ""})
    assert bad.status_code == 400 and "此项为必填项" in bad.content.decode()
    ok = client.post(f"/visits/{visit.pk}/record/", {"record-summary": "座谈", "record-households_visited": "5"})
    assert ok.status_code == 302
    form = {
        "issue-summary": "",
        "issue-category": "1",
        "issue-village": org.village_a1.pk,
        "issue-leader": org["township_leader"].pk,
        "issue-ending": "assign",
        "issue-owner_unit": org.police_a.pk,
        "issue-due": str(timezone.localdate() - timedelta(days=1)),
    }
    page = client.post(f"/visits/{visit.pk}/issues/", form)
    assert page.status_code == 400
    text = page.content.decode()
    assert "此项为必填项" in text and "办结期限不能早于今天" in text
    form.update({"issue-summary": "路灯坏了", "issue-due": str(timezone.localdate() + timedelta(days=3))})
    form["issue-category"] = Category.objects.get(code="neighbourhood").pk
    assert client.post(f"/visits/{visit.pk}/issues/", form).status_code == 302
    assert VisitIssue.objects.get().status == VisitIssue.Status.ASSIGNED


def test_the_supervision_list_shows_overdue_visit_issues(org, login, world):
    _visit, item = world
    VisitIssue.objects.filter(pk=item.pk).update(due=timezone.localdate() - timedelta(days=2))
    page = login(org["leader"]).get("/cases/supervision/").content.decode()
    assert "夜访问题逾期未办结" in page and f"/visits/issues/{item.pk}/" in page
    outsider = login(org["outsider"]).get("/cases/supervision/").content.decode()
    assert f"/visits/issues/{item.pk}/" not in outsider


def grow(org, n: int) -> None:
    today = timezone.localdate()
    start = Visit.objects.count()
    for i in range(start, start + n):
        visit = held(org, days_ago=i + 1, village=org.village_a1 if i % 2 else org.village_a2, leaders=[org["leader"]])
        issue(org, visit, services.Ending.ASSIGN, leader=org["leader"], summary=f"问题{i}")
        issue(org, visit, services.Ending.RESOLVE, leader=org["leader"], summary=f"答复{i}")
    VisitIssue.objects.filter(status="assigned").update(due=today - timedelta(days=1))


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("township_officer", "/visits/"),
        ("township_officer", "/visits/?view=week"),
        ("leader", "/visits/"),
        ("township_officer", "/visits/issues/?show=all"),
        ("police", "/visits/issues/?show=unit"),
        ("county_officer", "/visits/coverage/"),
        ("county_officer", "/visits/coverage.xlsx"),
        ("leader", "/cases/supervision/"),
        ("leader", "/"),
    ],
)
def test_lists_do_not_grow_with_data(org, login, django_assert_max_num_queries, persona, path):
    grow(org, 2)
    client = login(org[persona])
    with django_assert_max_num_queries(40) as small:
        assert client.get(path).status_code == 200
    grow(org, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200


def test_the_visit_and_brief_pages_do_not_grow(org, login, django_assert_max_num_queries):
    visit = held(org, leaders=[org["leader"]])
    for i in range(2):
        issue(org, visit, services.Ending.ASSIGN, leader=org["leader"], summary=f"问题{i}")
    client = login(org["leader"])
    for path in (f"/visits/{visit.pk}/", f"/visits/{visit.pk}/brief/"):
        with django_assert_max_num_queries(40) as small:
            assert client.get(path).status_code == 200
        for i in range(10):
            issue(org, visit, services.Ending.CASE, leader=org["leader"], summary=f"案件{i}{path}")
            held(org, days_ago=1 + Visit.objects.count(), leaders=[org["leader"]])
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(path).status_code == 200


def test_a_county_reception_issue_is_visible_to_the_township_it_concerns(org, login):
    reception = held(
        org, kind="reception", center=org.county_center, village=None, by=org["county_officer"], leaders=[org["leader"]]
    )
    item = services.raise_issue(
        visit=reception,
        by=org["county_officer"],
        village=org.village_a2,
        category=Category.objects.get(code="neighbourhood"),
        summary="征地补偿款分配不均",
        leader=org["leader"],
        ending=services.Ending.ASSIGN,
        owner_unit=org.police_a,
    )
    township = login(org["township_officer"])
    assert township.get(f"/visits/issues/{item.pk}/").status_code == 200
    assert township.get(f"/visits/{reception.pk}/").status_code == 404  # the county's own reception day
    assert login(org["outsider"]).get(f"/visits/issues/{item.pk}/").status_code == 404
