"""The ranges of governance/bounds.py, as people meet them: a clear Chinese message, never a 500."""

import pytest

from disputes.models import Case
from tests.disputes.test_intake import form_data


@pytest.mark.parametrize(
    ("received_at", "message"),
    [("0001-01-01T00:00", "日期应在 1900 年至 2100 年之间"), ("1999-12-31T08:00", "收到时间不能早于 2000-01-01")],
)
def test_a_receipt_date_before_the_system_started_is_explained(org, login, received_at, message):
    response = login(org["township_officer"]).post("/cases/new/", form_data(org, received_at=received_at))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "path", ["/cases/performance/?month=9999-12", "/grids/board/league/?month=0001-01", "/visits/?day=9999-12-31"]
)
def test_a_month_or_day_out_of_range_shows_the_current_one_with_a_message(org, login, path):
    response = login(org["county_officer"]).get(path)
    assert response.status_code == 200
    assert "超出可查询的范围（1900 年至 2100 年）" in response.content.decode()
