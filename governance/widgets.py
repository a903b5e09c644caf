"""Form widgets that render in Python what Django renders through a template per option.

A `<select>` of 90 units costs Django's template-based widget rendering about 10 ms on this
machine (one template render per option); the case list's filter bar has six of them on every
page view (issue 13). `QuickSelect` writes the same markup with `format_html`."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class QuickSelect(forms.Select):
    """A single `<select>`, written directly: same attributes, options, selection and escaping."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "", '<option value="{}"{}>{}</option>', ((o["value"], flatatt(o["attrs"]), o["label"]) for o in options)
            )
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, rendered) if group else rendered)
        attrs = dict(widget["attrs"])
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(attrs), SafeString("".join(parts))
        )
