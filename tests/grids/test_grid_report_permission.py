"""网格上报 only by the grid worker who covers the grid (issue 18): a worker of another grid, a
worker taken off the grid since the patrol, and a clerk are all refused, and no case is made."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes.models import Case
from disputes.services import TransitionRefused, submit_grid_issue
from governance.models import Role
from grids.models import Grid, PatrolLog
from grids.patrols import record_patrol
from tests.factories import make_user

COVERED = "990101001001001"  # 甲镇一村第1网格, the persona grid worker's
NEIGHBOUR = "990101001001002"  # 甲镇一村第2网格
REFUSED = "只能上报本人负责网格内的矛盾纠纷"


def grid(code: str = COVERED) -> Grid:
    return Grid.objects.get(code=code)


def test_the_worker_of_the_grid_reports_to_the_township_center(org):
    case = submit_grid_issue(by=org["grid_worker"], grid=grid(), summary="两户因宅基地边界争吵")
    assert (case.grid, case.intake_unit, case.registered_by) == (grid(), org.center_a, org["grid_worker"])


def test_a_worker_of_another_grid_is_refused(org):
    neighbour = make_user("grid_worker_2", Role.GRID_WORKER, org["grid_worker"].unit)
    grid(NEIGHBOUR).workers.add(neighbour)
    with pytest.raises(TransitionRefused, match=REFUSED):
        submit_grid_issue(by=neighbour, grid=grid(), summary="邻网格的纠纷")
    with pytest.raises(ValidationError, match="只能填写本人负责网格的巡查日志"):
        record_patrol(
            by=neighbour, grid=grid(), date=timezone.localdate(), checked="走访", findings="纠纷", report=True
        )
    assert not Case.objects.exists() and not PatrolLog.objects.exists()


def test_a_worker_taken_off_the_grid_can_no_longer_report_his_log(org, login):
    log = record_patrol(
        by=org["grid_worker"], grid=grid(), date=timezone.localdate(), checked="走访农户", findings="两户争吵"
    )
    grid().workers.remove(org["grid_worker"])  # the grid was handed to another worker
    response = login(org["grid_worker"]).post(f"/grids/patrols/{log.pk}/report/", follow=True)
    assert REFUSED in response.content.decode()
    log.refresh_from_db()
    assert log.case is None and not Case.objects.exists()


@pytest.mark.parametrize("persona", ["township_officer", "county_officer", "police", "leader"])
def test_a_clerk_or_handler_does_not_report_from_a_grid(org, persona):
    with pytest.raises(TransitionRefused, match=REFUSED):
        submit_grid_issue(by=org[persona], grid=grid(), summary="代为上报")
    assert not Case.objects.exists()


def test_a_person_listed_on_the_grid_reports_only_while_a_grid_worker(org):
    """Someone still listed on a grid after leaving the job (now a township clerk) is refused:
    it is the role 网格员 together with the grid that allows it."""
    clerk = make_user("former_worker", Role.TOWNSHIP_STAFF, org.center_a)
    grid().workers.add(clerk)
    with pytest.raises(TransitionRefused, match=REFUSED):
        submit_grid_issue(by=clerk, grid=grid(), summary="原网格员上报")
    assert not Case.objects.exists()


def test_a_clerk_cannot_open_the_patrol_pages(org, login):
    client = login(org["township_officer"])
    assert client.get("/grids/patrols/new/").status_code == 403
