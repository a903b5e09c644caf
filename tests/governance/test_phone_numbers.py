"""Phone numbers with China's country code (+86, 0086, 86, full-width ＋８６) are stored as the
national number wherever a phone is entered (issue 15 finding 9)."""

from __future__ import annotations

import pytest

from disputes.forms import PartyForm
from governance.validators import normalise_phone, validate_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0086 138 0013 8000", "13800138000"),
        ("0086-13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("＋８６　１３８００１３８０００", "13800138000"),
        ("+86 10 1234 5678", "01012345678"),
        ("0086 755 8888 8888", "075588888888"),
        ("(0755) 8888-8888", "075588888888"),
        ("13800138000", "13800138000"),
    ],
)
def test_the_country_code_is_dropped(typed, stored):
    assert validate_phone(typed) == stored
    assert normalise_phone(typed) == stored  # the search's blind index finds it too


def test_a_party_phone_with_0086_is_taken(db):
    form = PartyForm({"role": "applicant", "kind": "person", "name": "张三", "phone": "0086 13800138000"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "13800138000"


def test_a_grid_worker_phone_with_0086_is_taken(org, login):
    from grids.forms import validate_phone as grid_validate

    assert grid_validate("0086 13900139000") == "13900139000"


def test_the_sms_number_in_the_admin_is_normalised(org):
    from governance.admin import StaffChangeForm

    user = org["police"]
    form = StaffChangeForm(instance=user)
    form.cleaned_data = {"phone": "+86 139 0013 9000"}
    assert form.clean_phone() == "13900139000"
    form.cleaned_data = {"phone": "0086 123"}
    with pytest.raises(Exception, match="11位手机号码"):
        form.clean_phone()
