"""Numbered page links for the lists (1 2 … 7 8 [9] 10 11 … 18 19): a clerk who wants the last
page of the ledger should not press 下一页 eighteen times."""

from __future__ import annotations

from django import template
from django.core.paginator import Page

register = template.Library()


@register.simple_tag
def page_links(page: Page) -> list:
    """The page numbers to show around the current one, with Paginator.ELLIPSIS for the gaps."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
