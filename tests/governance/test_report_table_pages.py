"""The report tables' pages: who may read and file, each township only its own, bad input named in
a message with nothing saved, the county's missing list, print and .xlsx with the same layout, and
a fixed number of queries."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from governance.models import ReportFiling, ReportVersion
from tests.factories import PERSONAS
from tests.governance.conftest import last_month

READERS = {"county_officer", "township_officer", "leader", "township_leader", "outsider"}


def url(suffix: str = "") -> str:
    return f"/reports/tables/disputes-survey/month/{last_month():%Y-%m}/{suffix}"


FILLED = {"preparer": "张三", "signer": "李四", "campaigns.township": "2", "remark": "本月开展矛盾纠纷集中排查两次"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_tables_are_for_the_centers_and_leaders(county_stats, login, persona):
    client = login(county_stats[persona])
    for path in ("/reports/tables/", url(), url("print/"), url("export.xlsx")):
        response = client.get(path)
        assert response.status_code == (200 if persona in READERS else 403), path


def test_a_township_clerk_fills_and_submits_and_the_county_sees_it(county_stats, login):
    org = county_stats
    clerk = login(org["township_officer"])
    page = clerk.get(url()).content.decode()
    assert 'name="campaigns.township"' in page and "甲镇" in page
    assert 'name="campaigns.county"' not in page  # the 县 column is the county's own
    response = clerk.post(url("submit/"), FILLED, follow=True)
    assert "已上报" in response.content.decode()
    version = ReportVersion.objects.get()
    assert version.cells["campaigns.subtotal"]["v"] == "2" and version.filing.region == org.town_a
    page = clerk.get(url()).content.decode()
    assert 'data-testid="frozen"' in page and 'name="campaigns.township"' not in page.split("versions")[0]

    county = login(org["county_officer"])
    page = county.get(url()).content.decode()
    assert 'name="campaigns.county"' in page
    assert 'data-testid="missing"' in page and "乙镇" in page.split('data-testid="missing"')[1].split("</div>")[0]
    assert "甲镇" not in page.split('data-testid="missing"')[1].split("</div>")[0]
    # Each township's table is one click away: 甲镇's filed one with who prepared it, 乙镇's not yet.
    townships = page.split('data-testid="township-tables"')[1].split("</section>")[0]
    row_a, row_b = townships.split("<tr><td>甲镇</td>")[1], townships.split("<tr><td>乙镇</td>")[1]
    assert "已上报" in row_a.split("</tr>")[0] and "张三" in row_a.split("</tr>")[0]
    assert f'href="?of={org.town_a.code}"' in row_a.split("</tr>")[0]
    assert "逾期未报" in row_b.split("</tr>")[0] or "未上报" in row_b.split("</tr>")[0]
    frozen = county.get(url() + f"?of={org.town_a.code}").content.decode()
    assert 'data-testid="frozen"' in frozen and "甲镇" in frozen


def test_a_township_cannot_read_or_file_another_townships_table(county_stats, login):
    org = county_stats
    clerk = login(org["township_officer"])
    assert clerk.get(url() + f"?of={org.town_b.code}").status_code == 404
    assert clerk.post(url("submit/") + f"?of={org.town_b.code}", FILLED).status_code == 404
    assert not ReportFiling.objects.exists()


def test_a_leader_reads_but_cannot_submit(county_stats, login):
    leader = login(county_stats["township_leader"])
    assert leader.get(url()).status_code == 200
    assert leader.post(url("submit/"), FILLED).status_code == 403
    assert not ReportFiling.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({**FILLED, "campaigns.township": "两次"}, "应填写不小于 0 的数字"),
        ({**FILLED, "signer": ""}, "请填写签发人"),
    ],
)
def test_bad_input_is_named_and_nothing_is_saved(county_stats, login, data, message):
    clerk = login(county_stats["township_officer"])
    response = clerk.post(url("submit/"), data, follow=True)
    assert message in response.content.decode()
    assert not ReportFiling.objects.exists()


def test_a_period_in_the_future_or_malformed_is_a_message_not_an_error(county_stats, login):
    clerk = login(county_stats["township_officer"])
    for period in ("2999-01", "2026-13", "abc"):
        response = clerk.get(f"/reports/tables/disputes-survey/month/{period}/", follow=True)
        assert response.status_code == 200
        assert "尚未结束" in response.content.decode() or "无法识别" in response.content.decode()
        response = clerk.post(f"/reports/tables/disputes-survey/month/{period}/submit/", FILLED, follow=True)
        assert response.status_code == 200
    assert clerk.get("/reports/tables/no-such-form/month/2026-01/").status_code == 404
    assert not ReportFiling.objects.exists()


def test_a_second_submission_is_refused_with_a_message(county_stats, login):
    clerk = login(county_stats["township_officer"])
    clerk.post(url("submit/"), FILLED)
    response = clerk.post(url("submit/"), FILLED, follow=True)
    assert "不能重复上报" in response.content.decode()
    assert ReportVersion.objects.count() == 1


def test_regenerating_needs_a_reason_and_keeps_the_old_version(county_stats, login):
    clerk = login(county_stats["township_officer"])
    clerk.post(url("submit/"), FILLED)
    response = clerk.post(url("regenerate/"), {**FILLED, "reason": ""}, follow=True)
    assert "请填写重新生成的原因" in response.content.decode()
    assert ReportVersion.objects.count() == 1
    clerk.post(url("regenerate/"), {**FILLED, "reason": "补录漏报案件"})
    page = clerk.get(url()).content.decode()
    assert "已更正" in page and "补录漏报案件" in page
    for odd in ("1", "abc", "99999999999"):  # an old version, or nonsense: the latest, never an error
        assert clerk.get(url() + f"?v={odd}").status_code == 200
    assert "第 1 版" in clerk.get(url() + "?v=1").content.decode()
    assert list(ReportVersion.objects.values_list("number", flat=True).order_by("number")) == [1, 2]


def test_print_and_workbook_carry_the_merged_headers_and_signatures(county_stats, login):
    clerk = login(county_stats["township_officer"])
    clerk.post(url("submit/"), FILLED)
    page = clerk.get(url("print/")).content.decode()
    assert "填报单位（盖章）" in page and "签发人：李四" in page and "制表人：张三" in page
    assert "本月开展矛盾纠纷集中排查两次" in page  # 备注
    assert 'colspan="3"' in page  # 办理层级 over 县 / 乡镇街道 / 村居
    book = load_workbook(BytesIO(clerk.get(url("export.xlsx")).content))
    sheet = book.active
    assert "填报单位（盖章）" in sheet["A2"].value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "C3:E3" in merged  # 办理层级
    assert sheet["C3"].value == "办理层级" and sheet["F3"].value == "小计"
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert any(isinstance(v, str) and "签发人：李四" in v for v in values)
    assert any(isinstance(v, str) and "本月开展矛盾纠纷集中排查两次" in v for v in values)


@pytest.mark.parametrize("persona", ["township_officer", "county_officer"])
def test_the_table_page_runs_a_fixed_number_of_queries(county_stats, login, persona, django_assert_max_num_queries):
    client = login(county_stats[persona])
    with django_assert_max_num_queries(16):
        assert client.get(url()).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/reports/tables/").status_code == 200
