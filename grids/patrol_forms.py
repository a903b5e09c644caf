"""Forms of the patrol log; they parse what a grid worker typed, grids/patrols.py applies the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from disputes.forms import ChineseErrorsMixin
from disputes.models import Category
from governance.models import User
from grids.models import Grid
from grids.patrols import BACKFILL_DAYS, earliest_patrol_date, patrol_errors


class PatrolForm(ChineseErrorsMixin, forms.Form):
    date = forms.DateField(
        label=_("巡查日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    grid = forms.ModelChoiceField(label=_("巡查网格"), queryset=Grid.objects.none(), empty_label=_("请选择网格"))
    checked = forms.CharField(
        label=_("巡查内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：走访农户、排查矛盾纠纷、检查安全隐患")}),
    )
    findings = forms.CharField(
        label=_("发现情况"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("发现的矛盾纠纷或问题；没有发现可不填")}),
    )
    report = forms.BooleanField(label=_("发现矛盾纠纷，立即上报"), required=False)
    category = forms.ModelChoiceField(
        label=_("纠纷类别"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("不确定（由综治中心确定）"),
    )
    people_involved = forms.IntegerField(
        label=_("涉及人数"),
        min_value=1,
        max_value=100000,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": _("不清楚可不填"), "inputmode": "numeric"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():  # thumbs on a phone: large inputs
            widget = field.widget
            if not isinstance(widget, forms.CheckboxInput):
                size = "form-select-lg" if isinstance(widget, forms.Select) else "form-control-lg"
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {size}".strip()
        today = timezone.localdate()
        self.fields["date"].initial = today
        self.fields["date"].help_text = _("默认今天；漏填的可补填最近 %(n)d 天（%(earliest)s起）。") % {
            "n": BACKFILL_DAYS,
            "earliest": date_format(earliest_patrol_date(today), "MONTH_DAY_FORMAT"),
        }
        self.fields["date"].widget.attrs.update(min=earliest_patrol_date(today).isoformat(), max=today.isoformat())
        grids = Grid.objects.visible_to(user).filter(is_active=True)
        self.fields["grid"].queryset = grids
        self.fields["grid"].error_messages["invalid_choice"] = _("只能填写本人负责网格的巡查日志。")
        covered = list(grids[:2])
        self.has_grids = bool(covered)
        if len(covered) == 1:
            # Most workers cover one grid: chosen already, one tap less on a phone.
            self.fields["grid"].initial = covered[0].pk
            self.fields["grid"].empty_label = None

    def clean(self) -> dict:
        # Every mistake at once, in the service's own words, rather than one per submission.
        data = super().clean()
        errors = patrol_errors(
            by=self.user,
            grid=data.get("grid"),
            day=data.get("date"),
            checked=data.get("checked", ""),
            findings=data.get("findings", ""),
            report=bool(data.get("report")),
        )
        for field, message in errors.items():
            if field not in self.errors:  # "required" already said it
                self.add_error(field, message)
        return data


class PatrolReportForm(ChineseErrorsMixin, forms.Form):
    """上报 from the list: the category is optional, the center classifies on acceptance."""

    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True), required=False)
