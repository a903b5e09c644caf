"""The browser tab's title: the page's own title, a separator, the site's name (issue 15)."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

SEPARATOR = " - "


@register.filter(needs_autoescape=True)
def with_site_title(page_title: str, site_title: str, autoescape: bool = True) -> SafeString:
    """`{% filter with_site_title:site_title %}{% block title %}{% endblock %}{% endfilter %}`:
    "案件台账 - 县综治中心…", or the site's name alone for a page without a title."""
    escape = conditional_escape if autoescape else str
    # The block's output is already escaped; its line breaks and indentation are not part of a title.
    page_title = " ".join(str(page_title).split())
    site = escape(site_title)
    return mark_safe(f"{page_title}{SEPARATOR}{site}" if page_title else site)
