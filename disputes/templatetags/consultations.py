"""网上咨询 on other pages: the overdue questions on the supervision list."""

from __future__ import annotations

from django import template

from disputes.supervision import OverdueConsultations, overdue_consultations

register = template.Library()


@register.simple_tag
def overdue_consultation_list(user) -> OverdueConsultations:
    return overdue_consultations(user)
