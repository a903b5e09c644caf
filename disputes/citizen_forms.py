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
