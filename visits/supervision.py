"""The visit issues the leaders' supervision list (督办清单) chases: assigned issues past their
deadline in the person's jurisdiction, with the leader responsible for each (首访负责制)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from governance.models import User
from visits.models import VisitIssue

SECTION_ROWS = 50  # the most urgent; the rest on the issue list (?show=overdue)


@dataclass
class OverdueIssues:
    issues: list[VisitIssue]
    total: int
    today: date


def overdue_issues(user: User, today: date | None = None) -> OverdueIssues:
    """Two queries whatever the number of issues."""
    today = today or timezone.localdate()
    issues = (
        VisitIssue.objects.visible_to(user)
        .overdue(today)
        .select_related("visit", "village__parent", "owner_unit", "leader", "category")
        .order_by("due", "pk")
    )
    return OverdueIssues(list(issues[:SECTION_ROWS]), issues.count(), today)
