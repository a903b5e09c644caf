"""{% late_report_tables request.user as late %}: the tables not filed by their deadline in the
person's jurisdiction, for the supervision list (督办清单)."""

from __future__ import annotations

from django import template

from governance.report_tables import LateTable, late_tables
from governance.scoping import region_prefix

register = template.Library()


@register.simple_tag
def late_report_tables(user) -> list[LateTable]:
    prefix = region_prefix(user)
    return [] if prefix is None else late_tables(prefix)
