from django import template

from disputes.deadlines import standing

register = template.Library()


@register.filter
def clock(case):
    """{% with c=case|clock %}: the clock running for the case (签收, 办理, 审核 or 回访) and where
    it stands, or None when none runs."""
    return standing(case)
