from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from governance.models import CalendarYear

# Long enough for any passphrase, short enough that hashing it is cheap.
MAX_PASSWORD_LENGTH = 1024


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错 5 次，账号将被锁定 30 分钟。"),
        "inactive": _("该账号已停用，请联系安全管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].error_messages["required"] = _("请输入用户名。")
        self.fields["password"].error_messages["required"] = _("请输入密码。")
        # AuthenticationForm sets max_length on the username field after it is built, so nothing
        # checks it: an overlong name would reach authenticate() and django-axes' 255-character column.
        self.fields["username"].validators.append(
            MaxLengthValidator(self.fields["username"].max_length or 150, _("用户名过长。"))
        )
        self.fields["password"].validators.append(MaxLengthValidator(MAX_PASSWORD_LENGTH, _("密码过长。")))


class OwnPasswordChangeForm(PasswordChangeForm):
    error_messages = {
        "password_incorrect": _("原密码不正确，请重新输入。"),
        "password_mismatch": _("两次输入的新密码不一致。"),
        "password_unchanged": _("新密码不能与原密码相同。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("原密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("确认新密码")
        for field in self.fields.values():
            field.error_messages["required"] = _("此项为必填项。")

    def clean_new_password1(self) -> str:
        new = self.cleaned_data.get("new_password1", "")
        if new and self.user.check_password(new):
            raise forms.ValidationError(self.error_messages["password_unchanged"], code="password_unchanged")
        return new


# The holidays a State Council notice lays out, in its order: (field prefix, name stored, label).
NOTICE_HOLIDAYS = (
    ("new_year", "元旦", _("元旦")),
    ("spring", "春节", _("春节")),
    ("qingming", "清明节", _("清明节")),
    ("labour", "劳动节", _("劳动节")),
    ("dragon_boat", "端午节", _("端午节")),
    ("mid_autumn", "中秋节", _("中秋节")),
    ("national", "国庆节", _("国庆节")),
)
_DATE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class OfficialScheduleForm(forms.ModelForm):
    """A year's 放假安排 as the State Council's notice gives it: per holiday the days off (first and
    last) and the weekend days worked instead (调休). A holiday the notice merges into another
    (中秋节 within 国庆节) is left blank and its days go in the other's range."""

    class Meta:
        model = CalendarYear
        fields = ["year", "source"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].min_value = 2000
        for prefix, _name, label in NOTICE_HOLIDAYS:
            self.fields[f"{prefix}_first"] = forms.DateField(label=_("%(h)s放假自") % {"h": label}, required=False)
            self.fields[f"{prefix}_last"] = forms.DateField(label=_("至"), required=False)
            self.fields[f"{prefix}_work"] = forms.CharField(
                label=_("调休上班日"),
                required=False,
                help_text=_("周六或周日，多个用逗号分隔，如 2027-02-14, 2027-02-20"),
            )

    @classmethod
    def holiday_fieldsets(cls) -> list[tuple[str, dict]]:
        return [
            (str(label), {"fields": [(f"{p}_first", f"{p}_last", f"{p}_work")]}) for p, _n, label in NOTICE_HOLIDAYS
        ]

    def clean(self) -> dict:
        data = super().clean()
        year = data.get("year")
        if year is None:
            return data
        earliest, latest = date(year - 1, 12, 1), date(year, 12, 31)  # 元旦's days may start in December
        ranges: list[tuple[str, date, date]] = []
        workdays: list[tuple[str, date]] = []
        for prefix, name, label in NOTICE_HOLIDAYS:
            first, last = data.get(f"{prefix}_first"), data.get(f"{prefix}_last")
            if first is None and last is None:
                if data.get(f"{prefix}_work"):
                    self.add_error(f"{prefix}_first", _("填写了调休上班日，请同时填写%(h)s的放假日期。") % {"h": label})
                continue
            if first is None or last is None:
                self.add_error(f"{prefix}_first", _("请同时填写%(h)s放假的起止日期。") % {"h": label})
                continue
            if last < first or (last - first).days > 14:
                self.add_error(f"{prefix}_last", _("%(h)s的截止日期应在起始日期之后，且不超过15天。") % {"h": label})
                continue
            if first < earliest or last > latest:
                self.add_error(f"{prefix}_first", _("%(h)s的放假日期不在%(y)d年内。") % {"h": label, "y": year})
                continue
            ranges.append((name, first, last))
            for text in _DATE_SEPARATORS.split(data.get(f"{prefix}_work", "").strip()):
                if not text:
                    continue
                try:
                    day = date.fromisoformat(text)
                except ValueError:
                    self.add_error(f"{prefix}_work", _("“%(t)s”不是日期，请按 2027-02-14 的格式填写。") % {"t": text})
                    continue
                if day.weekday() < 5 or not earliest <= day <= latest:
                    self.add_error(
                        f"{prefix}_work", _("调休上班日 %(d)s 应是%(y)d年内的周六或周日。") % {"d": day, "y": year}
                    )
                    continue
                workdays.append((name, day))
        if self.errors:
            return data
        if not ranges:
            raise forms.ValidationError(_("请至少填写一个节日的放假日期。"))
        ranges.sort(key=lambda r: r[1])
        for (name_a, _first_a, last_a), (name_b, first_b, _last_b) in itertools.pairwise(ranges):
            if first_b <= last_a:
                raise forms.ValidationError(_("%(a)s与%(b)s的放假日期重叠。") % {"a": name_a, "b": name_b})
        for _name, day in workdays:
            if any(first <= day <= last for _n, first, last in ranges):
                raise forms.ValidationError(_("调休上班日 %(d)s 落在放假期间内。") % {"d": day})
        if len({day for _n, day in workdays}) < len(workdays):
            raise forms.ValidationError(_("同一调休上班日填写了两次。"))
        data["holidays"], data["working_days"] = ranges, workdays
        return data


def _plain(value: str) -> str:
    # NFKC turns the full-width digits and letters of a Chinese input method into ASCII.
    return "".join(unicodedata.normalize("NFKC", value).split())


class OneTimeCodeForm(forms.Form):
    """The 6 digits an authenticator app shows."""

    code = forms.CharField(
        label=_("动态口令"), max_length=20, error_messages={"required": _("请输入手机上显示的 6 位数字。")}
    )

    def clean_code(self) -> str:
        code = _plain(self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(_("动态口令是 6 位数字，请对照手机重新输入。"), code="format")
        return code


class RecoveryCodeForm(forms.Form):
    """One of the recovery codes shown at enrolment (10 letters and digits, a dash in the middle)."""

    code = forms.CharField(label=_("恢复码"), max_length=40, error_messages={"required": _("请输入一个恢复码。")})

    def clean_code(self) -> str:
        code = _plain(self.cleaned_data["code"]).replace("-", "").upper()
        if not re.fullmatch(r"[A-Z0-9]{10}", code):
            raise forms.ValidationError(
                _("恢复码是 10 位字母和数字（例如 ABCDE-FGH23），请核对后重新输入。"), code="format"
            )
        return code
