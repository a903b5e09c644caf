from django import template

from disputes.deadlines import handling_clock

register = template.Library()


@register.filter
def clock(case):
    """{% with c=case|clock %}: the case's standing against its handling deadline, or None."""
    return handling_clock(case)
