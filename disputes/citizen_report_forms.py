"""The citizen's report form (码上办 · 我要反映). Every field is bounded; what a report may hold
(places, plain categories, photos) is decided in disputes/citizen_intake.py."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from disputes.citizen_forms import PhoneProofForm
from disputes.citizen_intake import PLAIN_CATEGORIES, check_photos
from disputes.forms import MultipleFileField
from disputes.models import CaseCode
from governance.validators import validate_phone
from grids.models import Region

SUMMARY_MAX = 2000


class ReportForm(PhoneProofForm):
    name = forms.CharField(label=_("您的姓名"), max_length=40)
    place = forms.ChoiceField(label=_("纠纷发生地"))
    # The poster the citizen came from (its region code): a county poster's reports go to the county center.
    origin = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("是什么方面的事"),
        choices=[("", _("请选择")), *((word, label) for word, label, _code in PLAIN_CATEGORIES)],
    )
    summary = forms.CharField(
        label=_("发生了什么事"),
        min_length=10,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    many_people = forms.BooleanField(label=_("涉及 5 人以上（多户或一群人）"), required=False)
    urgent = forms.BooleanField(label=_("情况紧急，可能发生打架、伤人等冲突"), required=False)
    other_name = forms.CharField(label=_("对方姓名或单位名称"), max_length=80, required=False)
    other_phone = forms.CharField(label=_("对方电话"), max_length=20, required=False)
    other_address = forms.CharField(label=_("对方住址"), max_length=200, required=False)
    photos = MultipleFileField(label=_("现场照片"), required=False)
    mediation = forms.ChoiceField(
        label=_("您希望怎样调解"),
        choices=[
            (CaseCode.Mediation.ONLINE, _("网上调解：在手机上和调解员、对方沟通")),
            (CaseCode.Mediation.IN_PERSON, _("到场调解：到调解室面对面调解")),
        ],
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(label=_("我已阅读并同意《个人信息告知书》"))
    # The honeypot: hidden from people by CSS (citizen-hp); a script that fills every field fills it.
    website = forms.CharField(required=False, max_length=200, label=_("网址"))

    def __init__(self, *args, places: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {p.code: p for p in places}
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for place in places:
            if place.level == Region.Level.TOWNSHIP:
                groups.append((place.name, [(place.code, _("%(t)s（不清楚具体村、社区）") % {"t": place.name})]))
            elif groups:
                groups[-1][1].append((place.code, place.name))
        self.fields["place"].choices = [("", _("请选择镇（街道）和村（社区）")), *groups]
        self.fields["photos"].help_text = _("选填，最多 %(n)d 张，每张不超过 %(mb)d MB，JPG 或 PNG。") % {
            "n": settings.CITIZEN_PHOTOS_PER_REPORT,
            "mb": settings.CITIZEN_PHOTO_MAX_BYTES // 1048576,
        }
        self.fields["summary"].help_text = _(
            "请说清楚什么时间、在哪里、和谁、因为什么事、您希望怎么解决（%(n)d 字以内）。"
        ) % {"n": SUMMARY_MAX}
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        for field in self.fields.values():
            field.error_messages["required"] = _("此项为必填项。")
        self.fields["consent"].error_messages["required"] = _("请阅读并勾选同意《个人信息告知书》后再提交。")
        for name in ("place", "category", "mediation"):
            self.fields[name].error_messages["invalid_choice"] = _("所选项不存在，请重新选择。")

    def full_clean(self) -> None:
        """Fields in error are drawn red and read out as invalid."""
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"

    def clean_place(self) -> Region:
        return self.places[self.cleaned_data["place"]]

    def clean_other_phone(self) -> str:
        value = self.cleaned_data["other_phone"]
        return validate_phone(value) if value else ""

    def clean_photos(self) -> list:
        photos = self.cleaned_data["photos"]
        check_photos(photos)
        return photos

    def clean_origin(self) -> str:
        origin = self.cleaned_data["origin"]
        return origin if origin.isdigit() else ""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("sms_code") and "sms_code" not in self.errors:
            self.add_error("sms_code", _("请填写短信验证码（点“获取验证码”后发到您手机上的 6 位数字）。"))
        return cleaned
