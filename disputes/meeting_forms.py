from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import Case, EarlyWarning, Meeting
from governance.models import Unit, User


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议类型"), choices=Meeting.Kind.choices)
    date = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    chair = forms.CharField(label=_("主持人"), max_length=60)
    units = forms.ModelMultipleChoiceField(
        label=_("参会单位"), queryset=Unit.objects.none(), widget=forms.SelectMultiple(attrs={"size": 8})
    )
    case_numbers = forms.CharField(
        label=_("研判案件"),
        required=False,
        help_text=_("填写案件编号，多个以逗号或换行分隔"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    warnings = forms.ModelMultipleChoiceField(
        label=_("研判预警"),
        queryset=EarlyWarning.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("会议情况"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["units"].queryset = Unit.objects.filter(is_active=True).order_by("kind", "code")
        self.fields["warnings"].queryset = EarlyWarning.objects.visible_to(user).open().order_by("-raised_at")
        styled(self)

    def clean_case_numbers(self) -> list[Case]:
        numbers = [
            n.strip() for n in self.cleaned_data["case_numbers"].replace("，", ",").replace("\n", ",").split(",")
        ]
        numbers = list(dict.fromkeys(n for n in numbers if n))
        found = {c.number: c for c in Case.objects.visible_to(self.user).filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(_("找不到以下案件或不在您的工作范围内：%(n)s") % {"n": "、".join(missing)})
        return [found[n] for n in numbers]


def styled(form: forms.Form) -> None:
    """Bootstrap's classes on the widgets."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_unit = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        required=False,  # the service says what is missing, in one place
    )
    due = forms.DateField(label=_("办结期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units, **kwargs) -> None:
        """`units`: the units the meeting may give a decision to (disputes.meetings.owner_units)."""
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units.order_by("kind", "code")
        styled(self)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
