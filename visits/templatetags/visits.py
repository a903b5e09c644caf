"""Fragments other apps' pages show: the visit behind a case, the overdue visit issues on the
supervision list, a leader's next visits on the home page. Each is one or two queries."""

from __future__ import annotations

from django import template
from django.utils import timezone

from governance.models import Role
from visits.models import Visit
from visits.supervision import overdue_issues

register = template.Library()

UPCOMING_ROWS = 5


@register.simple_tag
def visit_origin(case, user) -> dict | None:
    """The visit issue a case was turned from, and whether this person may open the visit. The case
    page reads the issue, its visit and leader with the case (disputes.views.scoped_case); the
    only query left here is the visit's scope, for a case that was turned from one."""
    issue = getattr(case, "visit_issue", None)  # None: no issue (RelatedObjectDoesNotExist is an AttributeError)
    if issue is None:
        return None
    return {"issue": issue, "may_open": Visit.objects.visible_to(user).filter(pk=issue.visit_id).exists()}


@register.simple_tag
def overdue_visit_issues(user):
    return overdue_issues(user)


@register.simple_tag
def upcoming_visits(user) -> list[Visit]:
    if not user.is_authenticated or not user.has_role(Role.LEADER):
        return []
    return list(
        Visit.objects.filter(
            leader_rows__leader=user,
            leader_rows__is_active=True,
            status=Visit.Status.PLANNED,
            date__gte=timezone.localdate(),
        )
        .select_related("village__parent", "center")
        .order_by("date", "start_time")[:UPCOMING_ROWS]
    )
