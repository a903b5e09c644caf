"""Who sees what: the jurisdiction helpers every list uses.

A person's jurisdiction is the region of their unit (county ⊃ township ⊃ village). Lists filter
by the region code prefix in the query itself, so scoping is one indexed condition whatever the
data size; nothing is ever filtered object by object in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from governance.models import BUSINESS_ROLES

if TYPE_CHECKING:
    from governance.models import User
    from grids.models import Region

__all__ = ["BUSINESS_ROLES", "jurisdiction", "region_prefix", "region_q"]


def jurisdiction(user: User) -> Region | None:
    """The region whose subtree this person works in, or None (anonymous, admins, no unit)."""
    if not user.is_authenticated or not user.role_codes & BUSINESS_ROLES or user.unit_id is None:
        return None
    return user.unit.region


def region_prefix(user: User) -> str | None:
    region = jurisdiction(user)
    return None if region is None else region.prefix


def region_q(user: User, field: str) -> Q:
    """A filter on `<field>__code__startswith` for the user's jurisdiction; matches nothing
    when the user has none. `field` names a ForeignKey to grids.Region."""
    prefix = region_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__code__startswith": prefix})
