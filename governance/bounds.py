"""What the application accepts from people: the range of dates, months, numbers and text lengths
in forms and query parameters. Every form (through `bound_form_fields`) and every page that reads a
date or month from its address (through `query_date` / `query_month`) asks here, so an odd value
gets a Chinese message instead of an overflow deep in date arithmetic."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Every date a person types or a page is asked for lies in these years; date arithmetic (a month
# later, 30 working days later) then never leaves Python's date range (year 1 to 9999).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# Free text without its own limit (search boxes, notes) stops here; the request body limit is larger.
MAX_TEXT_LENGTH = 10_000
# Whole numbers typed into a form without their own limits (PostgreSQL integer range).
MAX_NUMBER = 2_147_483_647


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def validate_sane_date(value: date | datetime | None) -> None:
    if value is not None and not EARLIEST_DATE <= _as_date(value) <= LATEST_DATE:
        raise ValidationError(
            _("日期应在 %(start)d 年至 %(end)d 年之间。") % {"start": EARLIEST_DATE.year, "end": LATEST_DATE.year},
            code="date_out_of_range",
        )


def command_moment(value: str | None) -> datetime | None:
    """A management command's `--at` (YYYY-MM-DD[THH:MM], Asia/Shanghai when no offset), within
    the sane dates; None: now. Refused with a CommandError in Chinese."""
    from django.core.management.base import CommandError

    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        validate_sane_date(moment)
    except (ValueError, ValidationError) as exc:
        raise CommandError("时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM，且在 1900 年至 2100 年之间") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def validate_received_date(value: date | datetime) -> None:
    """A case's receipt date is not before the system's start (settings.EARLIEST_RECEIVED_DATE)."""
    start = settings.EARLIEST_RECEIVED_DATE
    if _as_date(value) < start:
        raise ValidationError(
            _("收到时间不能早于 %(date)s（本系统启用前的案件不予补录）。") % {"date": start.isoformat()},
            code="before_system_start",
        )


def bound_form_fields(form: forms.BaseForm) -> None:
    """Give every date, number and text field of `form` the bounds above, unless it has tighter ones."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField | forms.DateTimeField):
            field.validators.append(validate_sane_date)
        elif isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField | forms.FloatField):
            if field.max_value is None:
                field.max_value = MAX_NUMBER
                field.validators.append(MaxValueValidator(MAX_NUMBER))
            if field.min_value is None:
                field.min_value = -MAX_NUMBER
                field.validators.append(MinValueValidator(-MAX_NUMBER))
        elif type(field) is forms.CharField and field.max_length is None:  # not UUID/JSON: those parse to objects
            field.max_length = MAX_TEXT_LENGTH
            field.validators.append(MaxLengthValidator(MAX_TEXT_LENGTH))
            field.widget.attrs.setdefault("maxlength", str(MAX_TEXT_LENGTH))


def _out_of_range(request: HttpRequest, label: str) -> None:
    messages.warning(
        request,
        _("%(label)s超出可查询的范围（%(start)d 年至 %(end)d 年），已显示当前%(label)s。")
        % {"label": label, "start": EARLIEST_DATE.year, "end": LATEST_DATE.year},
    )


def query_date(request: HttpRequest, name: str, default: date | None = None) -> date:
    """`?<name>=YYYY-MM-DD`, or `default` (today) when absent, malformed or out of range (with a message)."""
    default = default or timezone.localdate()
    raw = request.GET.get(name, "")
    try:
        value = date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        _out_of_range(request, str(DATE_LABEL))
        return default
    return value


def query_month(request: HttpRequest, name: str = "month") -> date:
    """The first day of `?month=YYYY-MM`, or of this month when absent, malformed or out of range."""
    this_month = timezone.localdate().replace(day=1)
    raw = request.GET.get(name, "")
    try:
        value = date.fromisoformat(raw + "-01") if raw else this_month
    except ValueError:
        return this_month
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        _out_of_range(request, str(MONTH_LABEL))
        return this_month
    return value


DATE_LABEL = gettext_lazy("日期")
MONTH_LABEL = gettext_lazy("月份")
