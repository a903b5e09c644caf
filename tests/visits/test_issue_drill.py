"""夜访交办 (/visits/issues/) as the list behind the visit-issue numbers (visits/stats.py,
issue_records): the issues the statistics counted, so the list's count equals the number; scoped
like the list; a malformed drill is refused in Chinese; a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import DailyStat
from governance.stats import counted_metrics, drill_targets, fill_day
from tests.factories import PERSONAS
from tests.visits.conftest import held, issue
from visits import services


def total(metric: str, prefix: str = "") -> int:
    return sum(DailyStat.objects.filter(metric=metric, region_code__startswith=prefix).values_list("value", flat=True))


@pytest.fixture
def issues(org):
    """A visit to 甲镇一村 two days ago: one issue resolved on the spot, one assigned to the police."""
    visit = held(org, days_ago=2)
    issue(org, visit, ending=services.Ending.RESOLVE)
    issue(org, visit, ending=services.Ending.ASSIGN, summary="邻里因排水沟堵塞争执")
    today = timezone.localdate()
    for n in range(3):
        fill_day(today - timedelta(days=n))
    return org


def drill(client, metric: str, prefix: str, extra: str = ""):
    today = timezone.localdate()
    return client.get(f"/visits/issues/?stat={metric}&from={today - timedelta(days=6)}&to={today}&in={prefix}{extra}")


def test_each_issue_number_lists_its_issues(issues, login):
    org = issues
    assert drill_targets()["visit_issues_raised"] == "visits-issues"
    assert "night_visits" not in drill_targets() and "night_visits" in counted_metrics()
    client = login(org["county_officer"])
    assert (total("visit_issues_raised"), total("visit_issues_closed")) == (2, 1)
    for metric in ("visit_issues_raised", "visit_issues_closed"):
        for prefix in (org.county.prefix, org.town_a.prefix, org.town_b.prefix, org.village_a1.code):
            response = drill(client, metric, prefix)
            assert response.status_code == 200
            assert response.context["records"] == total(metric, prefix), (metric, prefix)
            assert response.context["page"].paginator.count == total(metric, prefix)
    body = drill(client, "visit_issues_raised", org.county.prefix).content.decode()
    assert 'data-testid="drill-banner"' in body and "邻里因排水沟堵塞争执" in body
    assert drill(client, "visit_issues_raised", "990101", "&d_category=neighbourhood").context["records"] == 2
    assert drill(client, "visit_issues_raised", "990101", "&d_category=labour").context["records"] == 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_the_drill_and_what_they_see(issues, login, persona):
    org = issues
    response = drill(login(org[persona]), "visit_issues_raised", org.town_a.prefix)
    if persona in {"county_officer", "township_officer", "leader", "township_leader"}:
        assert response.status_code == 200 and response.context["records"] == 2
    elif persona in {"police", "mediator"}:  # the list shows them only what their unit owns
        assert response.status_code == 200
        assert response.context["records"] == {"police": 1, "mediator": 0}[persona]
    elif persona == "outsider":
        assert response.status_code == 200
        assert "超出您的工作范围" in response.content.decode()
        assert response.context["page"].paginator.count == 0
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("stat=received&from={d}&to={d}&in=990101001", "不是夜访交办问题的统计指标"),
        ("stat=night_visits&from={d}&to={d}&in=990101001", "不是夜访交办问题的统计指标"),
        ("stat=visit_issues_raised&from=x&to={d}&in=990101001", "日期格式不对"),
        ("stat=visit_issues_raised&from={d}&to=1999-01-01&in=990101001", "晚于截止日期"),
        ("stat=visit_issues_raised&from={d}&to={d}&in=990101002", "超出您的工作范围"),
    ],
)
def test_a_malformed_drill_is_refused_in_chinese(issues, login, query, message):
    today = timezone.localdate().isoformat()
    response = login(issues["township_officer"]).get("/visits/issues/?" + query.format(d=today))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["page"].paginator.count == 0


@pytest.mark.parametrize("more", [0, 6])
def test_the_drill_takes_a_fixed_number_of_queries(issues, login, django_assert_max_num_queries, more):
    org = issues
    for n in range(more):
        issue(org, held(org, days_ago=3 + n), summary=f"问题{n}")
    client = login(org["county_officer"])
    with django_assert_max_num_queries(16):
        assert drill(client, "visit_issues_raised", org.county.prefix).status_code == 200
