"""Forms of the public pages (码上办). Every field is bounded; a phone is proved by SMS code."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from governance.validators import validate_phone


class PhoneField(forms.CharField):
    """A mainland mobile number (an SMS code must reach it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("手机号码"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        phone = validate_phone(value)
        if not phone.startswith("1"):
            raise ValidationError(_("请填写能接收短信的11位手机号码。"), code="mobile")
        return phone


class SmsCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("短信验证码"))
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"})


class CitizenForm(forms.Form):
    """Large controls for a phone: every input gets Bootstrap's large classes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            css = "form-select form-select-lg" if isinstance(widget, forms.Select) else "form-control form-control-lg"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class PhoneProofForm(CitizenForm):
    """A phone and the SMS code sent to it; the view checks the code (governance/phone_codes.py)
    when the form is sent, and sends one when the send-code button is pressed."""

    phone = PhoneField()
    sms_code = SmsCodeField(required=False)


class SendCodeForm(forms.Form):
    """Ask for an SMS code (the send-code button of every public form, disputes/citizen_views.py)."""

    phone = PhoneField()
    purpose = forms.CharField(max_length=20)
    altcha = forms.CharField(required=False, max_length=2000)


class FollowForm(PhoneProofForm):
    """查询进度: the case's query code and an applicant's phone, proved by SMS code."""

    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        help_text=_("受理回执或短信上的 8 位查询码，如 K7M4-Q9XP。"),
    )
    field_order = ["code", "phone", "sms_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})

    def clean_code(self) -> str:
        from disputes.citizen import normalise_code

        raw = self.cleaned_data["code"]
        if not raw and not self.fields["code"].required:
            return ""
        code = normalise_code(raw)
        if not code:
            raise ValidationError(_("查询码是 8 位字母和数字，请核对后重新填写。"), code="code")
        return code


class RateForm(CitizenForm):
    """评价 a closed case: 满意 / 基本满意 / 不满意, with a reason (required for 不满意, by the
    service: disputes.services.evaluate_case)."""

    satisfaction = forms.ChoiceField(label=_("您对办理结果是否满意？"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("意见或不满意的原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选择“不满意”时请写明原因，中心将核实后决定是否重新办理。"),
    )

    def __init__(self, *args, **kwargs):
        from disputes.models import Satisfaction

        super().__init__(*args, **kwargs)
        self.fields["satisfaction"].choices = Satisfaction.choices


class CitizenNoteForm(CitizenForm):
    """群众补充: a note and/or one photo for an open case (checked by the service)."""

    note = forms.CharField(
        label=_("补充情况"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(label=_("照片"), required=False, help_text=_("JPG 或 PNG 格式的照片一张。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png"
