"""The deadline and status cells of every case list, written in Python.

They were the fragments `_due.html` and `_status.html`, included once per row: on the supervision
list (150 rows) and a county officer's work (160) the template machinery of the includes took more
time than the rest of the page (issue 13). The markup is the same; the fragments now call these
tags, for the pages of other apps that include them."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from disputes.deadlines import standing
from disputes.models import LimitUnit

register = template.Library()


@register.filter
def clock(case):
    """{% with c=case|clock %}: the clock running for the case (签收, 办理, 审核 or 回访) and where
    it stands, or None when none runs."""
    return standing(case)


@register.filter
def for_party(facts: dict, party):
    """{% with facts=key_party_facts|for_party:party %}: what the register says of this party."""
    return facts.get(party.pk) if facts else None


@register.simple_tag
def due_cell(case) -> SafeString:
    """The deadline, the 预估 mark, the 黄牌/红牌 badge, the countdown and the statute it follows;
    the stored handling deadline when no clock runs; a dash when there is none."""
    c = standing(case)
    if c is None:
        if case.handle_due:
            return format_html('<span class="text-nowrap">{}</span>', date_format(case.handle_due, "Y-m-d"))
        return mark_safe('<span class="text-muted">—</span>')
    due = date_format(template_localtime(c.due), "m-d H:i" if c.unit == LimitUnit.HOURS else "Y-m-d")
    parts = [format_html('<span class="text-nowrap">{}</span>', due)]
    if c.estimated:
        parts.append(
            format_html(
                '<span class="text-warning-emphasis small" data-testid="estimated" title="{}">{}</span>',
                gettext("该年度国务院放假安排尚未录入，按法定节假日预估，未计调休"),
                gettext("（预估）"),
            )
        )
    if c.level in ("yellow", "red"):
        parts.append(format_html(' <span class="badge card-{}" data-testid="card">{}</span>', c.level, c.card))
    parts.append(format_html('<br><span class="small clock-{}" data-testid="clock">{}</span>', c.state, c.label))
    if c.citation:
        parts.append(
            format_html(
                '<br><span class="citation" data-testid="citation" title="{}">{}</span>',
                gettext("法定时限依据"),
                gettext("依据%(citation)s") % {"citation": c.citation},
            )
        )
    return mark_safe("".join(parts))


@register.simple_tag
def status_badge(case) -> SafeString:
    return format_html('<span class="badge status-{}">{}</span>', case.status, case.get_status_display())
