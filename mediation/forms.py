"""Forms validate and clean what a mediator typed; mediation/services.py applies the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.citizen_forms import CitizenForm, PhoneProofForm, SmsCodeField
from disputes.forms import ChineseErrorsMixin, style_widgets
from disputes.models import Case, Category, Route
from governance.submissions import SubmissionTokenField
from grids.models import Region
from mediation.models import Difficulty, FollowUp, Mediator, Membership, Session
from mediation.services import FAILURE_ROUTES

DATE = {"type": "date"}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


class MediatorChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Mediator) -> str:
        return _("%(name)s（%(emp)s，在办 %(n)d 件）") % {
            "name": obj.name,
            "emp": obj.get_employment_display(),
            "n": getattr(obj, "workload", 0),
        }


class AssignForm(ChineseErrorsMixin, forms.Form):
    mediators = MediatorChoice(label=_("调解员"), queryset=Mediator.objects.none(), widget=forms.CheckboxSelectMultiple)
    lead = forms.ModelChoiceField(
        label=_("主持调解"), queryset=Mediator.objects.none(), required=False, empty_label=_("（第一位所选调解员）")
    )
    difficulty = forms.ChoiceField(
        label=_("难易程度（决定一案一补标准）"), choices=Difficulty.choices, initial=Difficulty.ORDINARY
    )

    def __init__(self, *args, choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = choices
        self.fields["lead"].queryset = choices

    def clean(self):
        data = super().clean()
        chosen = list(data.get("mediators") or [])
        if chosen and not data.get("lead"):
            data["lead"] = chosen[0]
        return data


class RecuseForm(ChineseErrorsMixin, forms.Form):
    party = forms.CharField(label=_("申请回避的当事人"), max_length=80)
    reason = forms.CharField(label=_("回避理由"), max_length=200)


class ExtendForm(ChineseErrorsMixin, forms.Form):
    until = forms.DateField(label=_("延长至"), widget=date_input())
    both_agree = forms.BooleanField(label=_("双方当事人均同意延长调解期限"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class SessionForm(ChineseErrorsMixin, forms.Form):
    held_at = forms.DateTimeField(
        label=_("调解时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    place = forms.CharField(label=_("调解地点"), max_length=120)
    mediators = forms.CharField(label=_("调解员"), max_length=200)
    participants = forms.CharField(
        label=_("参加人员"), max_length=300, help_text=_("当事人、代理人、见证人、邀请参与的人员等")
    )
    rights_notified = forms.BooleanField(label=_("调解前已向当事人送达并告知《权利义务告知书》"), required=False)
    submission = SubmissionTokenField()
    process = forms.CharField(
        label=_("调解经过"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, required=False
    )
    result = forms.ChoiceField(label=_("调解结果"), choices=Session.Result.choices, widget=forms.RadioSelect)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.parties = list(case.parties.all())
        for party in self.parties:
            self.fields[f"statement_{party.pk}"] = forms.CharField(
                label=_("%(role)s %(name)s 陈述") % {"role": party.get_role_display(), "name": party.name},
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=4000,
                required=False,
            )
        style_widgets(self)
        if not self.is_bound:
            self.initial["held_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def statements(self) -> list[tuple[str, str]]:
        return [(p.name, self.cleaned_data.get(f"statement_{p.pk}", "")) for p in self.parties]

    def statement_fields(self):
        return [self[f"statement_{p.pk}"] for p in self.parties]


class AgreementForm(ChineseErrorsMixin, forms.Form):
    facts = forms.CharField(label=_("纠纷主要事实"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    issues = forms.CharField(label=_("争议事项"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    responsibility = forms.CharField(label=_("各方责任"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    terms = forms.CharField(
        label=_("经调解，双方自愿达成如下协议"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    performance_manner = forms.CharField(label=_("履行方式"), max_length=200)
    performance_place = forms.CharField(label=_("履行地点"), max_length=200)
    mediator_names = forms.CharField(label=_("人民调解员"), max_length=120)


class ObligationForm(ChineseErrorsMixin, forms.Form):
    obligor = forms.CharField(label=_("履行义务人"), max_length=80, required=False)
    content = forms.CharField(label=_("履行内容"), max_length=300, required=False)
    due_on = forms.DateField(label=_("履行期限"), widget=date_input(), required=False)

    def clean(self):
        data = super().clean()
        filled = [bool(data.get(n)) for n in ("obligor", "content", "due_on")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("履行义务须同时填写义务人、内容和期限。"))
        return data


class BaseObligationFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data.get("content")]


def obligation_formset(extra: int) -> type[BaseObligationFormSet]:
    return forms.formset_factory(ObligationForm, formset=BaseObligationFormSet, extra=extra, max_num=20)


class FinalizeForm(ChineseErrorsMixin, forms.Form):
    signed_on = forms.DateField(label=_("签订日期"), widget=date_input())
    confirm = forms.BooleanField(label=_("各方当事人已签名（盖章或按指印），调解员已签名，并加盖调委会印章"))


class CorrectForm(ChineseErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class FollowUpForm(ChineseErrorsMixin, forms.Form):
    result = forms.ChoiceField(label=_("履行情况"), choices=FollowUp.Result.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("回访情况"), max_length=300, required=False)


class ConfirmationForm(ChineseErrorsMixin, forms.Form):
    court = forms.CharField(label=_("受理法院"), max_length=80)
    applied_on = forms.DateField(label=_("申请日期"), widget=date_input())


class DecisionForm(ChineseErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("法院裁定"),
        choices=[("confirmed", _("裁定确认有效")), ("rejected", _("裁定驳回申请"))],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label=_("裁定日期"), widget=date_input())
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class FailForm(ChineseErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("调解不成的原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    routes = forms.MultipleChoiceField(
        label=_("已告知当事人的解决途径"),
        choices=[(r.value, r.label) for r in Route if r in FAILURE_ROUTES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class RateForm(ChineseErrorsMixin, forms.Form):
    difficulty = forms.ChoiceField(label=_("难易程度"), choices=Difficulty.choices)
    category = forms.ModelChoiceField(
        label=_("纠纷类别"), queryset=Category.objects.filter(is_active=True), required=False, empty_label=_("所有类别")
    )
    amount = forms.DecimalField(label=_("补贴标准（元/件）"), max_digits=8, decimal_places=2, min_value=0)
    valid_from = forms.DateField(label=_("执行日期"), widget=date_input())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].error_messages["min_value"] = _("补贴标准不能为负数。")


class ExpertFilterForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("擅长类别"), queryset=Category.objects.filter(is_active=True), required=False, empty_label=_("全部类别")
    )
    region = forms.ModelChoiceField(
        label=_("服务区域"), queryset=Region.objects.none(), required=False, empty_label=_("全部区域")
    )
    background = forms.ChoiceField(
        label=_("人员来源"), choices=[("", _("全部来源")), *Mediator.Background.choices], required=False
    )
    q = forms.CharField(label=_("姓名"), required=False)

    def __init__(self, *args, regions, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        style_widgets(self, small=True)


class MediatorForm(ChineseErrorsMixin, forms.Form):
    """调解员名册: one mediator as the organisation lists them."""

    name = forms.CharField(label=_("姓名"), max_length=40)
    role = forms.ChoiceField(
        label=_("在本组织的职务"), choices=Membership.Role.choices, initial=Membership.Role.MEDIATOR
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    employment = forms.ChoiceField(label=_("专兼职"), choices=Mediator.Employment.choices)
    background = forms.ChoiceField(label=_("人员来源"), choices=Mediator.Background.choices)
    specialties = forms.ModelMultipleChoiceField(
        label=_("擅长纠纷类别"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    certificate_no = forms.CharField(label=_("调解员证号"), max_length=40, required=False)
    is_active = forms.BooleanField(label=_("在岗"), required=False, initial=True)
    submission = SubmissionTokenField()

    def clean_phone(self) -> str:
        from governance.validators import validate_phone

        phone = self.cleaned_data["phone"].strip()
        return validate_phone(phone) if phone else ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class TrainingForm(ChineseErrorsMixin, forms.Form):
    date = forms.DateField(label=_("培训日期"), widget=date_input())
    title = forms.CharField(label=_("培训内容"), max_length=120)
    organiser = forms.CharField(label=_("主办单位"), max_length=80, required=False)
    hours = forms.IntegerField(label=_("学时"), min_value=0, max_value=500, required=False)
    certificate = forms.CharField(label=_("证书名称及编号"), max_length=120, required=False)
    submission = SubmissionTokenField()

    def clean_hours(self) -> int:
        return self.cleaned_data["hours"] or 0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


# --- 网上调解 (mediation/online.py holds the rules: length, photo kind and size) ---------------------


def _message_fields(form: forms.Form) -> None:
    from django.conf import settings

    form.fields["text"].widget.attrs.update({"maxlength": settings.MEDIATION_MESSAGE_MAX_CHARS, "rows": 3})
    form.fields["photo"].widget.attrs.update({"accept": "image/jpeg,image/png"})


class MessageForm(ChineseErrorsMixin, forms.Form):
    text = forms.CharField(label=_("消息"), required=False, widget=forms.Textarea)
    photo = forms.FileField(label=_("照片（JPG、PNG）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _message_fields(self)
        style_widgets(self)


class InviteForm(ChineseErrorsMixin, forms.Form):
    party = forms.ModelChoiceField(label=_("当事人"), queryset=None, empty_label=None)

    def __init__(self, *args, case: Case, **kwargs):
        from disputes.models import Party

        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(case=case).order_by("role", "id")
        self.fields["party"].label_from_instance = lambda p: f"{p.get_role_display()}：{p.name} {p.phone_masked}"
        style_widgets(self)


# The party's side (public pages under /m/mediation/, mediation/citizen_views.py).


class JoinForm(PhoneProofForm):
    """The phone the invitation went to and the SMS code sent to it."""


class PartyMessageForm(CitizenForm):
    text = forms.CharField(label=_("我要说"), required=False, widget=forms.Textarea)
    photo = forms.FileField(label=_("照片（JPG、PNG）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _message_fields(self)


class ConfirmForm(CitizenForm):
    agreement = forms.IntegerField(widget=forms.HiddenInput)
    sms_code = SmsCodeField(required=False)
