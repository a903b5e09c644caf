"""The three endings of an issue and the closure of an assigned one: each happens, and each is
refused when its guard fails, with nothing half-saved."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes.models import Case, Channel, Party, Status
from disputes.services import TransitionRefused
from governance.models import Notification
from governance.workdays import add_working_days
from tests.visits.conftest import issue, plan
from visits import services
from visits.models import Visit, VisitIssue

E = services.Ending


def test_a_visit_is_recorded_on_its_day(org):
    visit = plan(org)
    visit = services.record_visit(
        visit=visit,
        by=org["township_leader"],
        households_visited=8,
        people_received=12,
        people_met="老党员",
        summary="座谈",
    )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.RECORDED and visit.recorded_by == org["township_leader"]
    assert visit.households_visited == 8


def test_a_visit_is_not_recorded_ahead_of_time(org):
    visit = plan(org, date=timezone.localdate() + timedelta(days=1))
    with pytest.raises(TransitionRefused, match="尚未开始"):
        services.record_visit(
            visit=visit, by=org["township_leader"], households_visited=1, people_received=1, people_met="", summary="x"
        )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED


def test_only_its_leaders_or_the_center_record_a_visit(org):
    visit = plan(org)
    with pytest.raises(TransitionRefused, match="无权"):
        services.record_visit(
            visit=visit, by=org["leader"], households_visited=1, people_received=1, people_met="", summary="x"
        )


def test_issues_wait_for_the_visit_record(org):
    visit = plan(org)
    with pytest.raises(TransitionRefused, match="请先填写走访记录"):
        issue(org, visit)
    assert not VisitIssue.objects.exists()


def test_resolved_on_the_spot(org, recorded_visit):
    item = issue(org, recorded_visit, E.RESOLVE)
    item.refresh_from_db()
    assert item.status == VisitIssue.Status.RESOLVED and item.resolution == "当场协调电工维修"
    assert item.closed_on_time
    with pytest.raises(TransitionRefused, match="当前状态"):
        services.resolve_issue(issue=item, by=org["township_officer"], resolution="再次")


def test_resolving_needs_what_was_done(org, recorded_visit):
    with pytest.raises(ValidationError):
        issue(org, recorded_visit, E.RESOLVE, resolution=" ")
    assert not VisitIssue.objects.exists()


def test_assigned_with_seven_working_days_by_default(org, recorded_visit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = issue(org, recorded_visit, E.ASSIGN)
    item.refresh_from_db()
    assert item.status == VisitIssue.Status.ASSIGNED
    assert item.due == add_working_days(timezone.localdate(), 7)
    assert Notification.objects.filter(unit=org.police_a, title__startswith="夜访交办").exists()


def test_an_assignment_needs_an_owner_and_a_deadline_not_past(org, recorded_visit):
    with pytest.raises(ValidationError) as error:
        issue(org, recorded_visit, E.ASSIGN, due=timezone.localdate() - timedelta(days=1))
    assert "办结期限不能早于今天" in error.value.message_dict["due"][0]
    with pytest.raises(ValidationError) as error:
        issue(org, recorded_visit, E.ASSIGN, owner_unit=None)
    assert "owner_unit" in error.value.message_dict
    assert not VisitIssue.objects.exists()


def test_an_assigned_issue_cannot_be_resolved_on_the_spot_afterwards(org, recorded_visit):
    item = issue(org, recorded_visit, E.ASSIGN)
    with pytest.raises(TransitionRefused):
        services.resolve_issue(issue=item, by=org["township_officer"], resolution="x")


def test_the_owner_unit_closes_an_assigned_issue_and_the_leader_is_told(
    org, recorded_visit, django_capture_on_commit_callbacks
):
    item = issue(org, recorded_visit, E.ASSIGN)
    with pytest.raises(TransitionRefused, match="无权"):
        services.close_issue(issue=item, by=org["mediator"], answer="已修好")
    with pytest.raises(ValidationError):
        services.close_issue(issue=item, by=org["police"], answer="  ")
    with django_capture_on_commit_callbacks(execute=True):
        item = services.close_issue(issue=item, by=org["police"], answer="已联系供电所修复路灯", version=item.version)
    item.refresh_from_db()
    assert item.status == VisitIssue.Status.CLOSED and item.answered_by == org["police"]
    assert item.closed_on_time
    assert org["township_leader"].notifications.filter(title__contains="已办结").exists()
    with pytest.raises(TransitionRefused):
        services.close_issue(issue=item, by=org["police"], answer="again")


def test_a_stale_form_is_refused(org, recorded_visit):
    item = issue(org, recorded_visit, E.ASSIGN)
    with pytest.raises(TransitionRefused, match="已被他人处理"):
        services.close_issue(issue=item, by=org["police"], answer="x", version=item.version - 1)


def test_turned_into_a_case_in_one_step_with_the_visit_linked(org, recorded_visit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = issue(org, recorded_visit, E.CASE, summary="两户因宅基地边界争执", phone="13800138000")
    item.refresh_from_db()
    case = item.case
    assert item.status == VisitIssue.Status.CASE
    assert case.channel == Channel.NIGHT_VISIT and case.status == Status.SUBMITTED
    assert case.intake_unit == org.center_a and case.village == org.village_a1
    assert case.visit_issue == item
    party = case.parties.get()
    assert party.role == Party.Role.APPLICANT and party.name == "王大爷" and party.phone_masked == "138****8000"
    assert Notification.objects.filter(unit=org.center_a, title__contains=case.number).exists()
    with pytest.raises(TransitionRefused):
        services.convert_issue(issue=item, by=org["township_officer"])


def test_a_case_needs_the_citizens_name_and_nothing_is_half_saved(org, recorded_visit):
    with pytest.raises(ValidationError) as error:
        issue(org, recorded_visit, E.CASE, raised_by_name="")
    assert "raised_by_name" in error.value.message_dict
    assert not VisitIssue.objects.exists() and not Case.objects.exists()


def test_an_assigned_issue_may_become_a_case_later(org, recorded_visit):
    item = issue(org, recorded_visit, E.ASSIGN)
    item = services.convert_issue(issue=item, by=org["township_leader"])
    assert item.status == VisitIssue.Status.CASE and item.case.channel == Channel.NIGHT_VISIT


def test_a_closed_issue_cannot_become_a_case(org, recorded_visit):
    item = services.close_issue(issue=issue(org, recorded_visit, E.ASSIGN), by=org["police"], answer="已办")
    with pytest.raises(TransitionRefused):
        services.convert_issue(issue=item, by=org["township_officer"])
    assert not Case.objects.exists()


def test_the_responsible_leader_must_be_on_the_visit(org, recorded_visit):
    with pytest.raises(ValidationError) as error:
        issue(org, recorded_visit, leader=org["leader"])
    assert "leader" in error.value.message_dict


def test_an_issue_of_another_village_is_refused(org, recorded_visit):
    with pytest.raises(ValidationError) as error:
        issue(org, recorded_visit, village=org.village_b1)
    assert "village" in error.value.message_dict


def test_a_reception_day_issue_becomes_a_walk_in_case(org):
    from tests.visits.conftest import held

    visit = held(org, kind="reception", center=org.center_a, village=None)
    item = issue(org, visit, E.CASE, village=org.village_a2)
    assert item.case.channel == Channel.VISIT and item.case.status == Status.REGISTERED
    assert item.case.village == org.village_a2


def test_the_case_page_links_back_to_the_visit(org, login, recorded_visit):
    item = issue(org, recorded_visit, E.CASE)
    client = login(org["township_officer"])
    page = client.get(f"/cases/{item.case.number}/").content.decode()
    assert f'href="/visits/{recorded_visit.pk}/"' in page and "来自平安夜访" in page
