"""Password rules for 等保2.0 三级: at least 8 characters mixing three of four character classes."""

from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("upper", lambda c: c in string.ascii_uppercase),
    ("lower", lambda c: c in string.ascii_lowercase),
    ("digit", lambda c: c in string.digits),
    ("symbol", lambda c: not c.isalnum() and not c.isspace()),
)


def character_classes(password: str) -> int:
    return sum(1 for _name, test in CLASSES if any(test(c) for c in password))


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须至少包含大写字母、小写字母、数字、符号中的 %(n)d 类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码须至少包含大写字母、小写字母、数字、符号中的 %(n)d 类。") % {"n": self.min_classes}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the message in our catalogue (Django 5.2's Chinese catalogue lacks it)."""

    def get_error_message(self) -> str:
        return _("密码长度太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}


# --- Citizens' identifiers ------------------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ－　", "0123456789XX- ")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_id_number(raw: str) -> str:
    """Full-width digits and a lower-case x are common in pasted numbers."""
    return raw.translate(_FULLWIDTH).replace(" ", "").upper()


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(raw: str) -> str:
    """A resident ID number per GB 11643-1999; returns it normalised or raises ValidationError."""
    from datetime import date

    number = normalise_id_number(raw)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号码应为18位：前17位为数字，最后一位为数字或X。"), code="id_format")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期不存在，请核对。"), code="id_birth") from None
    if birth.year < 1900 or birth > date.today():
        raise ValidationError(_("身份证号码中的出生日期不合理，请核对。"), code="id_birth")
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对是否输错。"), code="id_check_digit")
    return number


def normalise_phone(raw: str) -> str:
    return raw.translate(_FULLWIDTH).replace(" ", "").replace("-", "")


def validate_phone(raw: str) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…) or a landline with area code."""
    import re

    phone = normalise_phone(raw)
    if phone.startswith("+86"):
        phone = phone[3:]
    if re.fullmatch(r"1[3-9]\d{9}", phone) or re.fullmatch(r"0\d{2,3}\d{7,8}", phone):
        return phone
    raise ValidationError(_("请输入11位手机号码，或带区号的固定电话。"), code="phone")
