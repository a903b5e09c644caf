from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.forms import ChineseErrorsMixin
from disputes.models import Category


class ZeroReportForm(ChineseErrorsMixin, forms.Form):
    date = forms.DateField(label=_("报告日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    is_zero = forms.BooleanField(
        label=_("零报告：今日排查未发现矛盾纠纷"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "zero-check"}),  # big enough for a thumb
    )
    disputes_found = forms.IntegerField(label=_("排查发现纠纷（件）"), min_value=0, max_value=999, initial=0)
    disputes_resolved = forms.IntegerField(label=_("已化解纠纷（件）"), min_value=0, max_value=999, initial=0)
    key_persons = forms.IntegerField(label=_("关注重点人员（人）"), min_value=0, max_value=999, initial=0)
    note = forms.CharField(
        label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ReportItemForm(ChineseErrorsMixin, forms.Form):
    """One dispute row of the report. The rows are optional (no red mark on a blank one); a row
    begun (a category chosen) needs its 简况."""

    summary = forms.CharField(label=_("纠纷简况"), max_length=500, required=False)
    category = forms.ModelChoiceField(label=_("类别"), queryset=Category.objects.filter(is_active=True), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("category") and not data.get("summary", "").strip():
            self.add_error("summary", _("请填写纠纷简况，或把这一行的类别清空。"))
        return data


ReportItemFormSet = forms.formset_factory(ReportItemForm, extra=2, max_num=20, validate_max=True)
