"""Guards of the visit workflow: who may take a step and what must hold before it. Referenced by
the transitions declared in `visits/models.py` and by the services; nowhere else decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from governance.models import Role

if TYPE_CHECKING:
    from governance.models import User
    from grids.models import Region
    from visits.models import Visit, VisitIssue

PLANNING_ROLES = (Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)
# Owner units answer through their staff: departments, mediation organisations, the centers.
HANDLING_ROLES = (Role.HANDLER, Role.MEDIATOR, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF)


def _covers(user: User, region: Region) -> bool:
    from governance.scoping import region_prefix

    prefix = region_prefix(user)
    return prefix is not None and region.code.startswith(prefix)


def may_plan(user: User, region: Region) -> bool:
    """County center staff schedule anywhere in the county, a township center in its township."""
    return user.is_authenticated and user.has_role(*PLANNING_ROLES) and _covers(user, region)


def may_plan_visit(visit: Visit, user: User) -> bool:
    return may_plan(user, visit.region)


def is_visit_leader(visit: Visit, user: User) -> bool:
    return visit.leader_rows.filter(leader_id=user.pk, is_active=True).exists()


def may_record_visit(visit: Visit, user: User) -> bool:
    """The leaders on the visit, or the center staff who plan visits there."""
    return user.is_authenticated and (
        may_plan(user, visit.region) or (user.has_role(Role.LEADER) and is_visit_leader(visit, user))
    )


def may_add_issue(visit: Visit, user: User) -> bool:
    """Issues are registered on a visit once its record is in, by those who may record it."""
    from visits.models import Visit

    return visit.status == Visit.Status.RECORDED and may_record_visit(visit, user)


def has_begun(visit: Visit) -> bool:
    """A visit is recorded on its day or afterwards, never ahead of time."""
    return visit.date <= timezone.localdate()


def may_record_issue(issue: VisitIssue, user: User) -> bool:
    return may_record_visit(issue.visit, user)


def has_owner_and_due(issue: VisitIssue) -> bool:
    return issue.owner_unit_id is not None and issue.due is not None


def is_owner_unit_staff(issue: VisitIssue, user: User) -> bool:
    return (
        user.is_authenticated
        and issue.owner_unit_id is not None
        and user.unit_id == issue.owner_unit_id
        and user.has_role(*HANDLING_ROLES)
    )
