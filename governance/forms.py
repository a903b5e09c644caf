from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _


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
