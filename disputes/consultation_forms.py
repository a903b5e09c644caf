"""Forms of 网上咨询: the citizen's question (public pages) and the center's answer (staff pages).
Every field is bounded; the rules are in disputes/consultations.py."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from disputes.citizen_forms import CitizenForm, PhoneProofForm
from disputes.consultations import ANSWER_MAX, QUESTION_MAX
from grids.models import Region

NAME_MAX = 40


def _no_control_characters(value: str) -> str:
    """A NUL or another control character (other than line breaks and tabs) is refused: PostgreSQL
    cannot store a NUL, and nothing a person types holds one."""
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise ValidationError(_("内容含有无法识别的字符，请重新输入。"), code="control")
    return value


class PlaceField(forms.ChoiceField):
    """Where the question is about: a township or one of its villages, grouped by township;
    blank: the county center answers."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("所在地"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("不清楚属地的可不选，由县综治中心答复。"))
        super().__init__(**kwargs)

    def load(self) -> None:
        regions = Region.objects.filter(level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]).order_by("code")
        groups: dict[int, tuple[str, list]] = {}
        for pk, name, level, parent_id in regions.values_list("pk", "name", "level", "parent_id"):
            if level == Region.Level.TOWNSHIP:
                groups[pk] = (name, [(str(pk), _("%(t)s（镇街本级）") % {"t": name})])
            elif parent_id in groups:
                groups[parent_id][1].append((str(pk), name))
        self.choices = [("", _("不确定（由县综治中心答复）")), *groups.values()]

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return Region.objects.filter(pk=value, level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]).first()


class QuestionForm(PhoneProofForm):
    """我要咨询: who asks, from which phone (SMS code), where, what; the notice acknowledged; and a
    field no person fills in (a honeypot, hidden off-screen: a script that fills it is refused)."""

    name = forms.CharField(label=_("姓名"), max_length=NAME_MAX, validators=[_no_control_characters])
    place = PlaceField()
    question = forms.CharField(
        label=_("咨询的问题"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[_no_control_characters],
        help_text=_("请简要说明想咨询的问题，不超过 %(n)d 字。") % {"n": QUESTION_MAX},
    )
    consent = forms.BooleanField(
        label=_("我已阅读并同意上述个人信息处理告知"),
        error_messages={"required": _("请阅读并勾选同意个人信息处理告知。")},
    )
    website = forms.CharField(required=False, max_length=200, label=_("网址"))
    altcha = forms.CharField(required=False, max_length=2000)

    field_order = ["name", "phone", "sms_code", "place", "question", "consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].load()
        self.fields["sms_code"].required = True
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_question(self) -> str:
        return self.cleaned_data["question"].strip()


class PhoneCheckForm(PhoneProofForm):
    """Open an answer: the phone the question was asked from, proved again by SMS code."""

    altcha = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sms_code"].required = True


class CodeForm(CitizenForm):
    code = forms.CharField(label=_("查询码"), max_length=20)


# --- Staff ------------------------------------------------------------------------------------


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复内容"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
        validators=[_no_control_characters],
    )


class TurnForm(forms.Form):
    """转为纠纷登记: the township, when the question named none (asked of the county)."""

    township = forms.ModelChoiceField(
        label=_("纠纷所在镇（街道）"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Region.objects.visible_to(user).filter(level=Region.Level.TOWNSHIP)


class ConsultationFilterForm(forms.Form):
    class Show:
        WAITING = "waiting"
        ANSWERED = "answered"
        OVERDUE = "overdue"
        ALL = "all"

    show = forms.ChoiceField(
        required=False,
        choices=[
            (Show.WAITING, _("待答复")),
            (Show.OVERDUE, _("超期")),
            (Show.ANSWERED, _("已答复")),
            (Show.ALL, _("全部")),
        ],
    )
