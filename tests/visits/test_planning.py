"""Planning rules: no visit in the past, a leader booked once an evening, places in jurisdiction."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import Role, Unit
from tests.factories import make_user
from tests.visits.conftest import plan
from visits import services
from visits.models import Kind, Visit, VisitLeader


def test_a_township_plans_a_visit_and_the_leaders_are_told(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        visit = plan(
            org, date=timezone.localdate() + timedelta(days=3), leaders=[org["township_leader"], org["leader"]]
        )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED
    assert visit.region == org.village_a1 and visit.organiser == org.center_a
    assert set(visit.leaders.values_list("username", flat=True)) == {"township_leader", "leader"}
    assert org["leader"].notifications.filter(title__contains="平安夜访安排").exists()
    assert visit.history.count() == 1


def test_a_visit_in_the_past_is_refused(org):
    with pytest.raises(ValidationError) as error:
        plan(org, date=timezone.localdate() - timedelta(days=1))
    assert "不能安排已过去的日期" in str(error.value.message_dict["date"])
    assert not Visit.objects.exists()


def test_a_leader_is_not_booked_twice_the_same_evening(org):
    day = timezone.localdate() + timedelta(days=2)
    plan(org, date=day)
    with pytest.raises(ValidationError) as error:
        plan(org, date=day, village=org.village_a2)
    assert "同一天不能重复安排" in error.value.message_dict["leaders"][0]
    assert "甲镇一村" in error.value.message_dict["leaders"][0]
    assert Visit.objects.count() == 1


def test_the_database_refuses_a_double_booking_the_check_missed(org, monkeypatch):
    """Two clerks at the same moment: both pass the check, the unique constraint stops the second."""
    day = timezone.localdate() + timedelta(days=2)
    plan(org, date=day)
    monkeypatch.setattr(services, "_booked", lambda *args: "")
    with pytest.raises(ValidationError) as error:
        plan(org, date=day, village=org.village_a2)
    assert "leaders" in error.value.message_dict
    assert Visit.objects.count() == 1 and VisitLeader.objects.count() == 1


def test_a_cancelled_visit_frees_the_evening(org):
    day = timezone.localdate() + timedelta(days=2)
    visit = plan(org, date=day)
    services.cancel_visit(visit=visit, by=org["township_officer"], reason="防汛值班")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED
    again = plan(org, date=day, village=org.village_a2)
    assert again.status == Visit.Status.PLANNED


def test_a_reception_day_and_a_night_visit_may_share_a_day(org):
    day = timezone.localdate() + timedelta(days=2)
    plan(org, date=day)
    reception = plan(org, date=day, kind=Kind.RECEPTION, center=org.center_a, village=None)
    assert reception.region == org.town_a and reception.village is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("outside_village", "village"),
        ("other_township_leader", "leaders"),
        ("not_a_leader", "leaders"),
        ("grid_worker_elsewhere", "grid_worker"),
        ("no_leaders", "leaders"),
    ],
)
def test_places_and_people_must_fit(org, change, field):
    kwargs = {"date": timezone.localdate() + timedelta(days=1)}
    if change == "outside_village":
        kwargs["village"] = org.village_b1
    elif change == "other_township_leader":
        lead_b = Unit.objects.create(code="B-LEAD", name="乙镇党委政府", kind=Unit.Kind.LEADERSHIP, region=org.town_b)
        kwargs["leaders"] = [make_user("leader_b", Role.LEADER, lead_b)]
    elif change == "not_a_leader":
        kwargs["leaders"] = [org["police"]]
    elif change == "grid_worker_elsewhere":
        kwargs["village"], kwargs["grid_worker"] = org.village_a2, org["grid_worker"]
    elif change == "no_leaders":
        with pytest.raises(ValidationError) as error:
            services.plan_visit(
                by=org["township_officer"],
                kind=Kind.NIGHT_VISIT,
                date=kwargs["date"],
                village=org.village_a1,
                leaders=[],
            )
        assert field in error.value.message_dict
        return
    with pytest.raises(ValidationError) as error:
        plan(org, **kwargs)
    assert field in error.value.message_dict
    assert not Visit.objects.exists()


def test_the_county_plans_in_any_township(org):
    visit = plan(org, by=org["county_officer"], village=org.village_b1, leaders=[org["leader"]])
    assert visit.organiser == org.county_center


def test_the_plan_form_shows_chinese_errors(org, login):
    client = login(org["township_officer"])
    plan(org, date=timezone.localdate() + timedelta(days=1))
    data = {
        "kind": "night_visit",
        "date": str(timezone.localdate() + timedelta(days=1)),
        "start_time": "19:30",
        "village": org.village_a2.pk,
        "leaders": [org["township_leader"].pk],
    }
    response = client.post("/visits/new/", data)
    assert response.status_code == 200
    assert "同一天不能重复安排" in response.content.decode()
    response = client.post("/visits/new/", {**data, "date": str(timezone.localdate() - timedelta(days=1))})
    assert "不能安排已过去的日期" in response.content.decode()
    response = client.post("/visits/new/", {**data, "village": "999999"})
    assert "所选项不存在或不可用" in response.content.decode()
    assert Visit.objects.count() == 1
    response = client.post("/visits/new/", {**data, "date": str(timezone.localdate() + timedelta(days=4))})
    assert response.status_code == 302
    assert Visit.objects.count() == 2
