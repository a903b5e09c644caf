from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

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
