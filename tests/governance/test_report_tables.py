"""Report tables (统计报表): computed on a hand-built county from the daily statistics, frozen on
submission, corrected by 重新生成, consolidated by the county; bad input refused with nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import DailyStat, ReportFiling, ReportForm, ReportVersion
from governance.report_data import MEDIATION, SURVEY
from governance.report_tables import live_table, parse_period, regenerate_table, submit_table
from tests.governance.conftest import A1, TOWN_A, last_month


def survey() -> ReportForm:
    return ReportForm.objects.get(code=SURVEY)


def period():
    return parse_period(survey(), "month", f"{last_month():%Y-%m}")


def test_a_township_table_counts_its_cases_by_the_level_that_handled_them(county_stats):
    table = live_table(survey(), period(), county_stats.town_a)
    v = {key: cell.value for key, cell in table.cells.items()}
    assert v["land_contract-found.village"] == "5"
    assert v["land_contract-found.township"] in ("0", None)
    assert v["labour-found.township"] == "3"
    assert v["total-found.county"] is None  # the 县 column is the county's own
    assert v["total-found.subtotal"] == "8"  # 5 + 3: the county-handled 2 are the county's
    assert v["total-handled.subtotal"] == "6"
    assert v["handle-rate.subtotal"] == "75"  # 6 / 8
    assert v["success.village"] == "3"
    assert v["success-rate.subtotal"] == "66.7"  # 4 / 6
    assert v["people-50.township"] == "1" and v["major.subtotal"] == "1"
    expected_year = 8 + (6 if last_month().month > 1 else 0)
    assert v["total-found.year"] == str(expected_year)
    # Every computed cell links to the case list with exactly what it summed.
    url = table.cells["land_contract-found.village"].url
    assert url.startswith("/cases/?") and "stat=received" in url and f"in={TOWN_A}" in url
    assert "d_level=village" in url and "d_category=land_contract" in url


def submit(org, persona: str, region, **typed) -> ReportFiling:
    return submit_table(
        form=survey(), period=period(), region=region, user=org[persona], data=typed, preparer="张三", signer="李四"
    )


def test_a_submitted_table_is_frozen_and_regenerating_it_records_who_and_why(county_stats):
    org = county_stats
    filing = submit(org, "township_officer", org.town_a, **{"campaigns.township": "2", "campaigns.village": "3"})
    first = filing.versions.get()
    assert first.cells["total-found.subtotal"]["v"] == "8"
    assert first.cells["campaigns.subtotal"]["v"] == "5"
    assert (first.preparer, first.signer, first.submitted_by) == ("张三", "李四", org["township_officer"])
    assert first.definition_version and first.layout["rows"]
    # A case reopened and re-classified: the day is filled again and counts one more.
    DailyStat.objects.filter(region_code=A1, metric="received", level="village", category="land_contract").update(
        value=6
    )
    first.refresh_from_db()
    assert first.cells["total-found.subtotal"]["v"] == "8"
    assert live_table(survey(), period(), org.town_a).cells["total-found.subtotal"].value == "9"

    second = regenerate_table(
        filing=filing, user=org["township_officer"], data={}, preparer="张三", signer="李四", reason="一案重新定性"
    )
    filing.refresh_from_db()
    assert filing.corrected and second.number == 2
    assert (second.reason, second.submitted_by) == ("一案重新定性", org["township_officer"])
    assert second.cells["total-found.subtotal"]["v"] == "9"
    assert ReportVersion.objects.filter(filing=filing).count() == 2  # the old one kept


def test_the_county_table_is_its_townships_tables_plus_its_own_cases(county_stats):
    org = county_stats
    submit(org, "township_officer", org.town_a, **{"campaigns.township": "2"})
    submit(org, "outsider", org.town_b, **{"campaigns.village": "4"})
    a, b = (ReportVersion.objects.get(filing__region=r).cells for r in (org.town_a, org.town_b))
    county = live_table(survey(), period(), org.county, {"campaigns.county": "1"})
    for key, cell in county.cells.items():
        column = key.rsplit(".", 1)[1]
        if column in ("township", "village") and not key.endswith("rate." + column):
            expected = sum(int(float(t[key]["v"] or 0)) for t in (a, b))
            assert int(float(cell.value or 0)) == expected, key
    assert county.cells["total-found.county"].value == "2"  # its own: handled at county level
    assert county.cells["total-found.subtotal"].value == "17"  # 8 (甲镇) + 7 (乙镇) + 2 (county)
    assert county.cells["campaigns.subtotal"].value == "7"  # 2 + 4 + 1
    assert county.cells["handle-rate.subtotal"].value == str(round(6 * 100 / 17, 1))


@pytest.mark.parametrize(
    "typed, message",
    [
        ({"campaigns.township": "三"}, "应填写不小于 0 的数字"),
        ({"campaigns.township": "-1"}, "应填写不小于 0 的数字"),
        ({"campaigns.township": "NaN"}, "应填写不小于 0 的数字"),
    ],
)
def test_a_typed_cell_that_is_not_a_non_negative_number_is_refused(county_stats, typed, message):
    with pytest.raises(ValidationError) as refused:
        submit(county_stats, "township_officer", county_stats.town_a, **typed)
    assert message in " ".join(refused.value.messages)
    assert not ReportFiling.objects.exists()


def test_a_second_submission_of_the_same_period_is_refused(county_stats):
    org = county_stats
    submit(org, "township_officer", org.town_a)
    with pytest.raises(ValidationError) as refused:
        submit(org, "township_officer", org.town_a)
    assert "已上报，不能重复上报" in refused.value.messages[0]
    assert ReportVersion.objects.count() == 1


def test_a_period_not_yet_over_is_refused(org):
    this_month = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        parse_period(survey(), "month", f"{this_month:%Y-%m}")
    assert "尚未结束" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        parse_period(survey(), "month", "2026-13")
    with pytest.raises(ValidationError):
        parse_period(ReportForm.objects.get(code=MEDIATION), "quarter", "2026-q1")


def test_one_township_cannot_file_for_another(county_stats):
    with pytest.raises(ValidationError):
        submit(county_stats, "township_officer", county_stats.town_b)
    assert not ReportFiling.objects.exists()


def test_the_mediation_table_computes_what_the_records_give(county_stats):
    form = ReportForm.objects.get(code=MEDIATION)
    table = live_table(form, parse_period(form, "month", f"{last_month():%Y-%m}"), county_stats.town_a)
    assert table.cells["total.accepted"].value == "8"
    assert table.cells["total.success"].value == "4"
    assert table.cells["labour-type.rate"].value == "50"  # 1 of 2
    assert table.cells["own-motion.accepted"].typed and table.cells["total.amount"].typed
