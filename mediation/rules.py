"""Who may take which mediation step. Services check these; pages use them to offer the step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from disputes.models import HANDLING_STATUSES, Status
from governance.models import Role

if TYPE_CHECKING:
    from disputes.models import Case
    from governance.models import User
    from mediation.models import Organisation


def is_org_mediator(case: Case, user: User) -> bool:
    """A mediator of the organisation the case was dispatched to (its lead unit)."""
    return (
        user.is_authenticated
        and user.has_role(Role.MEDIATOR)
        and case.lead_unit_id is not None
        and user.unit_id == case.lead_unit_id
    )


def may_assign(case: Case, user: User) -> bool:
    """The organisation names its mediators while the case is dispatched to it or in hand."""
    return case.status in HANDLING_STATUSES and is_org_mediator(case, user)


def may_mediate(case: Case, user: User) -> bool:
    """Sessions, agreements, follow-ups: the organisation's mediators once the case is signed for.
    A mediator named from another organisation (an expert) takes part through a grant."""
    if case.status not in (Status.IN_PROGRESS, Status.PENDING_REVIEW, Status.CLOSED, Status.EVALUATED):
        return False
    if is_org_mediator(case, user):
        return True
    return (
        user.is_authenticated
        and user.has_role(Role.MEDIATOR)
        and case.assignments.filter(mediator__user=user, withdrawn_at__isnull=True).exists()
    )


def may_draft_agreement(case: Case, user: User, *, has_draft: bool, has_final: bool) -> bool:
    """One draft at a time, and none once an agreement is in force (a correction makes a new
    version of that one instead)."""
    return case.status == Status.IN_PROGRESS and not has_draft and not has_final and may_mediate(case, user)


def may_end_unsettled(case: Case, user: User, *, has_mediation: bool, has_final: bool) -> bool:
    """调解不成 ends a mediation that was begun and reached no agreement."""
    return case.status == Status.IN_PROGRESS and has_mediation and not has_final and may_mediate(case, user)


def may_record_session(case: Case, user: User) -> bool:
    return case.status == Status.IN_PROGRESS and may_mediate(case, user)


def may_set_subsidy_rates(user: User) -> bool:
    """The rate table is the justice bureau's; the county center enters it on its behalf."""
    from governance.models import Unit

    if not user.is_authenticated or user.unit_id is None:
        return False
    if user.has_role(Role.COUNTY_STAFF):
        return True
    unit = user.unit
    return user.has_role(Role.HANDLER) and unit.sector == Unit.Sector.JUSTICE and unit.parent_id is None


def may_manage_roster(org: Organisation, user: User) -> bool:
    """调解员名册: the center of the jurisdiction the organisation serves keeps its roster — the
    county center for every organisation, a township center for those in its township."""
    from governance.scoping import region_prefix

    if not user.is_authenticated or not user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        return False
    prefix = region_prefix(user)
    return prefix is not None and org.region.code.startswith(prefix)


def may_read_thread(case: Case, user: User) -> bool:
    """网上调解: the case's thread is read by the organisation's mediators, a mediator named on the
    case, and the center staff who see the case (the case itself is scoped by the caller)."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF) or is_org_mediator(case, user):
        return True
    return (
        user.has_role(Role.MEDIATOR)
        and case.assignments.filter(mediator__user=user, withdrawn_at__isnull=True).exists()
    )


def may_talk_online(case: Case, user: User) -> bool:
    """Messages, invitations and the switch to online mediation: the case's mediators while the
    mediation is under way."""
    return case.status == Status.IN_PROGRESS and may_mediate(case, user)
