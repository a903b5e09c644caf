from django import template

register = template.Library()


@register.filter
def days_left(mediation) -> int:
    """Days to the Art. 36 deadline (negative once past it)."""
    return mediation.days_left()


@register.filter
def absolute(value: int) -> int:
    return abs(value)
