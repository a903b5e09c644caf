"""Form widgets that render in Python what Django renders through a template per option.

A `<select>` of 90 units costs Django's template-based widget rendering about 10 ms on this
machine (one template render per option); the case list's filter bar has six of them on every
page view (issue 13). `QuickSelect` writes the same markup with `format_html`."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class FetchedChoices(forms.models.ModelChoiceIterator):
    """A model select's options read in one query. Django reads them through `iterator()`, which on
    PostgreSQL is a server-side cursor: DECLARE … WITH HOLD, FETCH and CLOSE, three round trips per
    select for a few hundred rows at most."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


def fetch_choices_at_once(form: forms.BaseForm) -> None:
    """Every model select of the form reads its options with `FetchedChoices` (call after setting
    the fields' querysets)."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            field.iterator = FetchedChoices
            field.widget.choices = field.choices


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
