"""Guards of the case workflow: who may take a step (permissions) and what a case must hold
before it (conditions). Referenced by the transitions declared on `Case`; nowhere else decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.models import Role

if TYPE_CHECKING:
    from disputes.models import Case
    from governance.models import User
    from grids.models import Grid, Region

# Staff of a unit that handles cases dispatched to it (a center may itself be the lead unit).
HANDLING_ROLES = (Role.HANDLER, Role.MEDIATOR, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF)


def _region_prefix(user: User) -> str | None:
    from governance.scoping import region_prefix

    return region_prefix(user)


def is_case_center(case: Case, user: User) -> bool:
    """Center staff whose jurisdiction holds the case: the county center for every case, a
    township center for its own township's."""
    if not user.is_authenticated or not user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        return False
    prefix = _region_prefix(user)
    return prefix is not None and case.township.code.startswith(prefix)


def may_take_in(user: User, township: Region) -> bool:
    """统一受理 at a center: county staff for any township, township staff for their own."""
    if not user.is_authenticated or not user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        return False
    prefix = _region_prefix(user)  # None without a unit
    return prefix is not None and township.code.startswith(prefix)


def may_report_from_grid(user: User, grid: Grid) -> bool:
    """网格上报: the grid worker who covers the grid."""
    return user.is_authenticated and user.has_role(Role.GRID_WORKER) and grid.workers.filter(pk=user.pk).exists()


def is_lead_unit_staff(case: Case, user: User) -> bool:
    return (
        user.is_authenticated
        and case.lead_unit_id is not None
        and user.unit_id == case.lead_unit_id
        and user.has_role(*HANDLING_ROLES)
    )


def is_handling_staff(case: Case, user: User) -> bool:
    """Lead or co-handling unit: may add materials (progress: `may_add_progress`)."""
    return is_lead_unit_staff(case, user) or is_co_unit_staff(case, user)


def is_co_unit_staff(case: Case, user: User) -> bool:
    """Staff of a co-handling unit (联合调处)."""
    return (
        user.is_authenticated
        and user.unit_id is not None
        and user.has_role(*HANDLING_ROLES)
        and any(unit.pk == user.unit_id for unit in case.co_units.all())
    )


def may_add_progress(case: Case, user: User) -> bool:
    """办理进展: the lead unit once it has signed for the case; a co-handling unit while the case is
    being handled, from its dispatch (it does not sign, so it need not wait for the lead unit)."""
    from disputes.models import HANDLING_STATUSES, Status

    if is_lead_unit_staff(case, user):
        return case.status == Status.IN_PROGRESS
    return case.status in HANDLING_STATUSES and is_co_unit_staff(case, user)


def may_add_materials(case: Case, user: User) -> bool:
    return is_case_center(case, user) or is_handling_staff(case, user)


def is_classified(case: Case) -> bool:
    """A case is dispatched only once it has a category and a risk level."""
    return case.category_id is not None and case.risk_level_id is not None


def is_settled_at_desk(case: Case) -> bool:
    """当场化解: only a walk-in or a call (SETTLE_CHANNELS) that has not been handed to a unit."""
    from disputes.models import SETTLE_CHANNELS

    return case.channel in SETTLE_CHANNELS and case.lead_unit_id is None


def is_not_visited(case: Case) -> bool:
    """One return visit per closure: a reopen clears it for the next."""
    return case.visited_at is None


def is_visited(case: Case) -> bool:
    """A case is archived only after its return visit (回访) is recorded."""
    return case.visited_at is not None


def is_not_dissatisfied(case: Case) -> bool:
    """A dissatisfied citizen's case is reopened, not archived."""
    from disputes.models import Satisfaction

    return case.satisfaction != Satisfaction.DISSATISFIED


def may_request_extension(case: Case, user: User) -> bool:
    """延期申请: the lead unit, while the case is being handled and no request is waiting."""
    from disputes.models import HANDLING_STATUSES, ExtensionRequest

    return (
        case.status in HANDLING_STATUSES
        and case.handle_due is not None
        and is_lead_unit_staff(case, user)
        and not any(e.decision == ExtensionRequest.Decision.PENDING for e in case.extensions.all())
    )


def may_reveal_personal_data(case: Case, user: User) -> bool:
    """Full ID and phone numbers: only the center that holds the case, and every reveal is logged."""
    return is_case_center(case, user)


def may_supervise(case: Case, user: User) -> bool:
    """挂牌督办: a leader whose jurisdiction holds the case, while it is open."""
    from disputes.models import OPEN_STATUSES

    if not user.is_authenticated or not user.has_role(Role.LEADER) or case.status not in OPEN_STATUSES:
        return False
    prefix = _region_prefix(user)
    return prefix is not None and case.township.code.startswith(prefix)


def may_answer_supervision(case: Case, user: User) -> bool:
    """The lead unit answers; a case not (yet) dispatched is answered by its center."""
    return is_lead_unit_staff(case, user) if case.lead_unit_id else is_case_center(case, user)


def is_in_progress(case: Case) -> bool:
    """The handling clock can be paused only once the unit has signed for the case."""
    from disputes.models import Status

    return case.status == Status.IN_PROGRESS


def may_resume_clock(case: Case, user: User) -> bool:
    """The lead unit resumes when the materials or the appraisal arrive; the center may too."""
    return is_lead_unit_staff(case, user) or is_case_center(case, user)


# --- 重点人员 (key persons) -------------------------------------------------------------------
# The register and the key-person badge are for the centers and leaders of the jurisdiction, who
# follow those persons up (the roles of the menu entry "key_persons", governance/navigation.py);
# handlers, mediators and grid workers working a case see neither.


def may_view_key_persons(user: User) -> bool:
    from governance.navigation import NAV_BY_KEY

    return user.is_authenticated and bool(user.role_codes & NAV_BY_KEY["key_persons"].roles)


def keeps_key_persons(user: User) -> bool:
    """Who marks and removes marks at all: center staff (each case: `may_mark_key_person`)."""
    return user.is_authenticated and user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)


def may_mark_key_person(case: Case, user: User) -> bool:
    """Marking or removing a mark: center staff of the case's jurisdiction (`is_case_center` is
    center staff only, so `keeps_key_persons` holds too)."""
    return is_case_center(case, user)
