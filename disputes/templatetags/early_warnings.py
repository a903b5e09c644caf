"""The open warnings block the dashboard, a leader's home and the supervision list show."""

from __future__ import annotations

from django import template

from disputes.warnings import OpenWarnings, open_warnings

register = template.Library()


@register.simple_tag
def open_warning_block(user, limit: int = 5) -> OpenWarnings:
    return open_warnings(user, limit)
