"""Password rules for 等保2.0 三级: at least 8 characters mixing three of four character classes, no
well-known pattern, none of the last five passwords again."""

from __future__ import annotations

import re
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


# Words every password-guessing list starts with (lower case, after the decoration is stripped).
WEAK_WORDS = frozenset(
    {
        "admin", "administrator", "password", "passwd", "pass", "pwd", "root", "test", "user", "guest",
        "welcome", "login", "system", "super", "master", "manager", "iloveyou", "letmein", "hello",
        "china", "zhongguo", "woaini", "zongzhi", "zhongxin", "gov", "zhengfu",
    }
)  # fmt: skip
# Keyboard rows and columns, the alphabet and the digits: any run of 3+ along them, either way.
RUNS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qazwsxedcrfvtgbyhnujmikolp", "abcdefghijklmnopqrstuvwxyz")
DIGIT_RUNS = ("1234567890", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "3": "e", "5": "s", "$": "s", "7": "t", "!": "i"})
COUNTY_SUFFIXES = ("自治县", "县", "区", "市", "旗")


def pattern_core(password: str) -> str:
    """What is left of a password once the usual decoration is taken off: leading and trailing
    digits and symbols (Admin@123, 2026Shifan!), then look-alike characters (P@ssw0rd)."""
    core = password.lower().strip("0123456789" + string.punctuation + " ")
    return core.translate(LEET)


def is_run(text: str, runs: tuple[str, ...] = RUNS) -> bool:
    return len(text) >= 3 and any(text in run or text in run[::-1] for run in runs)


def county_names() -> set[str]:
    """The site's county in Chinese and pinyin, with and without 县: 示范县, 示范, shifanxian, shifan."""
    from pypinyin import lazy_pinyin

    from grids.models import Region

    names: set[str] = set()
    for name in Region.objects.filter(level=Region.Level.COUNTY).values_list("name", flat=True):
        forms = {name}
        for suffix in COUNTY_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                forms.add(name.removesuffix(suffix))
                break
        for form in forms:
            names.update({form, "".join(lazy_pinyin(form)).lower()})
    return names


class KnownPatternValidator:
    """Refuses what guessing tries first: Admin@123, Password123!, Qwerty123!, keyboard runs
    (1qaz2wsx), and the county's own name with a year (示范县2026, Shifan@2026)."""

    def validate(self, password: str, user=None) -> None:
        core = pattern_core(password)
        bare = "".join(c for c in password.lower() if c.isalnum())
        if (
            not core
            or core in WEAK_WORDS
            or is_run(core)
            or len(set(core)) == 1
            or (len(bare) >= 6 and is_run(bare, RUNS + DIGIT_RUNS))
            or core in county_names()
        ):
            raise ValidationError(
                _("密码使用了常见的弱口令模式（如 Admin@123、键盘连续字符、本县名称加年份），请换一个。"),
                code="password_known_pattern",
            )

    def get_help_text(self) -> str:
        return _("不能使用常见弱口令模式，如 Admin@123、Qwerty123!、本县名称加年份。")


class PasswordHistoryValidator:
    """None of the last `keep` passwords again. Keeps the history itself: Django calls
    password_changed() after every save that set a password, whichever form or command set it.
    Only hashes are kept."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def validate(self, password: str, user=None) -> None:
        from django.contrib.auth.hashers import check_password

        from governance.models import PasswordHistory

        if user is None or user.pk is None:
            return
        recent = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.keep])
        if user.password:
            recent.append(user.password)  # the current one, also for accounts older than the history
        if any(check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.keep}, code="password_reused"
            )

    def password_changed(self, password: str, user) -> None:
        from governance.models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.keep :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return _("不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.keep}


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


# China's country code as people write it before a number: +86, 0086, or 86 before a mobile number.
_COUNTRY_CODE = re.compile(r"^(?:\+86|0086|86(?=1[3-9]\d{9}$))")


def normalise_phone(raw: str) -> str:
    """Digits as stored and searched: full-width digits made half-width, spaces, hyphens, dots and
    brackets dropped, and the country code (+86, 0086, 86) removed — a landline written after it
    gets its trunk 0 back (+86 10 1234 5678 → 01012345678)."""
    phone = re.sub(r"[\s\-.()（）]", "", raw.translate(_FULLWIDTH).replace("＋", "+"))
    national = _COUNTRY_CODE.sub("", phone)
    if national != phone and national and not national.startswith("0") and not re.fullmatch(r"1\d{10}", national):
        national = "0" + national  # an area code after +86 drops its 0 (北京 10, 深圳 755)
    return national


def validate_phone(raw: str) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…) or a landline with area code."""
    phone = normalise_phone(raw)
    if re.fullmatch(r"1[3-9]\d{9}", phone) or re.fullmatch(r"0\d{2,3}\d{7,8}", phone):
        return phone
    raise ValidationError(_("请输入11位手机号码，或带区号的固定电话。"), code="phone")
