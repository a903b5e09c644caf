"""The center's side of 码上办: 网上待受理 in 我的待办, and 网上受理统计 (the monthly count of online
submissions by outcome) for the person's jurisdiction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import Party, Status
from tests.disputes.conftest import advance, intake

pytestmark = pytest.mark.django_db


def _online(org, **extra):
    return intake(org, channel="online", **extra)


def _online_in_b(org):
    data = services.IntakeData(
        channel="online",
        township=org.town_b,
        village=org.village_b1,
        summary="乙镇网上反映",
        parties=[services.PartyData(role=Party.Role.APPLICANT, name="王五", phone="13700137000")],
    )
    return services.intake_case(by=org["outsider"], data=data)


@pytest.fixture
def submissions(org):
    """甲镇: two waiting, one rejected, one closed and rated 满意, one rated 不满意, one accepted
    last year; 乙镇: one waiting; a hotline submission (not online)."""
    clerk = org["township_officer"]
    waiting = [_online(org), _online(org)]
    rejected = services.reject_case(case=_online(org), by=clerk, reason="in_court", route="法院", version=None)
    rated = []
    for satisfaction in ("satisfied", "dissatisfied"):
        case = _online(org)
        case = services.accept_case(
            case=case, by=clerk, category=case.category, risk_level=case.risk_level, version=None
        )
        case = advance(org, case, Status.CLOSED)
        rated.append(services.evaluate_case(case=case, by=None, satisfaction=satisfaction, note="原因"))
    last_year = _online(org, received_at=timezone.now() - timedelta(days=400))
    services.accept_case(
        case=last_year, by=clerk, category=last_year.category, risk_level=last_year.risk_level, version=None
    )
    other_town = _online_in_b(org)
    hotline = intake(org, channel="hotline_12345")
    return {"waiting": waiting, "rejected": rejected, "rated": rated, "other": other_town, "hotline": hotline}


def _section(html: str, key: str) -> str:
    return html.split(f'data-testid="worklist-{key}"')[1].split("</section>")[0]


def test_my_work_lists_the_online_submissions_waiting_in_the_persons_scope(org, login, submissions):
    html = login(org["township_officer"]).get("/cases/work/").content.decode()
    section = _section(html, "to_accept_online")
    assert "网上待受理" in section and "共 2 件" in section
    for case in submissions["waiting"]:
        assert case.number in section
    assert submissions["other"].number not in section and submissions["hotline"].number not in section
    assert submissions["hotline"].number in _section(html, "to_accept")
    county = login(org["county_officer"]).get("/cases/work/").content.decode()
    assert submissions["other"].number in _section(county, "to_accept_online")
    police = login(org["police"]).get("/cases/work/").content.decode()
    assert 'data-testid="worklist-to_accept_online"' not in police


def test_the_monthly_count_by_outcome_for_the_persons_scope(org, login, submissions, django_assert_max_num_queries):
    month = timezone.localdate().month
    township = login(org["township_officer"])
    with django_assert_max_num_queries(12):
        page = township.get("/cases/online/")
    assert page.status_code == 200
    months, total = page.context["months"], page.context["total"]
    row = months[month - 1]
    assert (row.received, row.accepted, row.rejected, row.waiting, row.closed) == (5, 2, 1, 2, 2)
    assert (row.satisfied, row.basically, row.dissatisfied) == (1, 0, 1)
    assert total.received == 5  # the hotline case is not online, 乙镇's not in scope, last year's not this year
    county = login(org["county_officer"]).get("/cases/online/")
    assert county.context["total"].received == 6 and county.context["total"].waiting == 3
    last_year = township.get(f"/cases/online/?year={timezone.localdate().year - 1}")
    assert last_year.context["total"].received == 1 and last_year.context["total"].accepted == 1
    html = page.content.decode()
    assert 'data-testid="online-total"' in html and "网上受理统计" in html


def test_the_count_page_takes_a_bad_year_with_a_message(org, login):
    township = login(org["township_officer"])
    for bad in ("1999", "abc", "9" * 50, "<script>"):
        page = township.get("/cases/online/", {"year": bad})
        assert page.status_code == 200 and "年份无效" in page.content.decode()
        assert page.context["year"] == timezone.localdate().year


@pytest.mark.parametrize(
    "persona,allowed",
    [
        ("county_officer", True),
        ("township_officer", True),
        ("leader", True),
        ("township_leader", True),
        ("outsider", True),
        ("police", False),
        ("mediator", False),
        ("grid_worker", False),
        ("sysadmin", False),
        ("security_admin", False),
        ("auditor", False),
    ],
)
def test_the_count_page_is_for_center_staff_and_leaders(org, login, persona, allowed):
    page = login(org[persona]).get("/cases/online/")
    assert page.status_code == (200 if allowed else 403)
    menu = login(org[persona]).get("/").content.decode() if allowed else ""
    if allowed:
        assert 'href="/cases/online/"' in menu
