"""The overdue meeting decisions on the supervision list: two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import template
from django.utils import timezone

from disputes.models import MeetingDecision

register = template.Library()
SECTION_ROWS = 100


@dataclass
class OverdueDecisions:
    decisions: list[MeetingDecision]
    total: int
    today: date


@register.simple_tag
def overdue_decisions(user) -> OverdueDecisions:
    today = timezone.localdate()
    decisions = (
        MeetingDecision.objects.visible_to(user)
        .overdue(today)
        .select_related("meeting", "owner_unit")
        .order_by("due", "pk")
    )
    return OverdueDecisions(list(decisions[:SECTION_ROWS]), decisions.count(), today)
