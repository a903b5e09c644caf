"""信息通报: drafted figures are the dashboard's, an issued report is frozen, 期号 per kind and year,
scope per role, the .docx carries the figures, bad input gets a clear message."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from governance import briefing_documents, briefings
from governance.dashboard import build
from governance.models import Briefing, DailyStat
from governance.stats import fill_day
from tests.factories import PERSONAS
from tests.governance.test_dashboard import fill, mark_filled


def last_month(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


def intake(org, clerk, summary: str, *, category: str = "neighbourhood"):
    from disputes import services as case_services
    from disputes.models import Category, Party, RiskLevel

    return case_services.intake_case(
        by=clerk,
        data=case_services.IntakeData(
            channel="visit",
            township=org.town_a,
            village=org.village_a1,
            summary=summary,
            category=Category.objects.get(code=category),
            risk_level=RiskLevel.objects.get(code="blue"),
            parties=[case_services.PartyData(role=Party.Role.APPLICANT, name="通报当事人")],
        ),
    )


def docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


# --- the figures are the dashboard's ------------------------------------------------------------------


@pytest.mark.parametrize("who, place", [("county_officer", "county"), ("township_officer", "town_a")])
def test_drafted_figures_equal_the_dashboards_for_the_same_window_and_place(org, who, place):
    today = timezone.localdate()
    fill(70, today)
    region = getattr(org, place)
    day = last_month(today)
    report = briefings.draft_briefing(by=org[who], kind=Briefing.Kind.MONTHLY, day=day, region=region)
    start, end = day.replace(day=1), day
    board, problem = build(org[who], QueryDict(f"w=custom&start={start}&end={end}&place={region.prefix}"), today=today)
    assert not problem
    shown = {c.indicator.code: c.result.display for c in board.cards}
    shown |= {c.beside.indicator.code: c.beside.display for c in board.cards if c.beside}
    drafted = {i["code"]: i["display"] for i in report.figures["indicators"]}
    assert drafted and set(drafted) <= set(shown)
    assert drafted == {code: shown[code] for code in drafted}
    days = (end - start).days + 1
    expected = 3 * days * (3 if place == "county" else 2)
    assert drafted["received"] == str(expected)
    # Hot categories: the dashboard's ring of 新受理 by category.
    ring = dict((slice_["name"], slice_["value"]) for slice_ in board.rings[0][2])
    assert {c["name"]: c["current"] for c in report.figures["categories"]} == ring


def test_places_and_units_add_up_to_the_totals(org):
    today = timezone.localdate()
    fill(40, today)
    report = briefings.draft_briefing(
        by=org["county_officer"], kind=Briefing.Kind.MONTHLY, day=last_month(today), region=org.county
    )
    received = int(next(i for i in report.figures["indicators"] if i["code"] == "received")["value"])
    assert sum(p["received"] for p in report.figures["places"]) == received
    assert [p["name"] for p in report.figures["places"]] == ["甲镇", "乙镇"]


# --- issued is frozen -----------------------------------------------------------------------------------


def test_an_issued_report_does_not_change_when_cases_change_afterwards(org):
    today = timezone.localdate()
    mark_filled(today - timedelta(days=800), today)
    clerk = org["township_officer"]
    first = intake(org, clerk, "第一件排水沟纠纷")
    fill_day(today)
    report = briefings.draft_briefing(by=clerk, kind=Briefing.Kind.DAILY, day=today, region=org.town_a)
    report = briefings.update_briefing(
        briefing=report,
        by=clerk,
        text=briefings.BriefingText(
            title=report.title,
            dynamics="开展集中排查",
            analysis="",
            next_steps="",
            report_to="县综治中心",
            copy_to="",
            typical_cases=[first.number],
        ),
    )
    report = briefings.issue_briefing(briefing=report, by=clerk)
    frozen = report.figures
    received = next(i for i in frozen["indicators"] if i["code"] == "received")
    assert received["display"] == "1"

    intake(org, clerk, "第二件排水沟纠纷")
    first.summary = "改过的摘要"
    first.save(update_fields=["summary"])
    fill_day(today)

    report.refresh_from_db()
    assert report.figures == frozen
    assert report.figures["typical"][0]["summary"] == "第一件排水沟纠纷"
    with pytest.raises(briefings.BriefingRefused, match="已签发"):
        briefings.update_briefing(
            briefing=report,
            by=clerk,
            text=briefings.BriefingText(report.title, "", "", "", "", "", []),
        )
    # A correction counts afresh and names the report it corrects.
    correction = briefings.correct_briefing(briefing=report, by=clerk)
    assert (
        correction.corrects == report
        and next(i for i in correction.figures["indicators"] if i["code"] == "received")["display"] == "2"
    )
    with pytest.raises(ValidationError, match="更正说明"):
        briefings.issue_briefing(briefing=correction, by=clerk)
    correction.correction_note = "补报一件"
    correction.save(update_fields=["correction_note"])
    correction = briefings.issue_briefing(briefing=correction, by=clerk)
    assert (report.number, correction.number) == (1, 2)
    assert "本期更正" in docx_text(briefing_documents.briefing_docx(correction))


# --- numbering ----------------------------------------------------------------------------------------


def test_numbers_run_per_kind_jurisdiction_and_year(org):
    clerk, outsider = org["township_officer"], org["outsider"]
    monday = date(2026, 11, 2)
    with time_machine.travel(timezone.make_aware(datetime.combine(date(2026, 12, 20), time(10))), tick=False):
        numbers = []
        for week in range(3):
            report = briefings.draft_briefing(
                by=clerk, kind=Briefing.Kind.WEEKLY, day=monday + timedelta(weeks=week), region=org.town_a
            )
            numbers.append(briefings.issue_briefing(briefing=report, by=clerk).number)
        month = briefings.draft_briefing(by=clerk, kind=Briefing.Kind.MONTHLY, day=monday, region=org.town_a)
        other = briefings.draft_briefing(by=outsider, kind=Briefing.Kind.WEEKLY, day=monday, region=org.town_b)
        assert numbers == [1, 2, 3]
        assert briefings.issue_briefing(briefing=month, by=clerk).number == 1
        assert briefings.issue_briefing(briefing=other, by=outsider).number == 1
    with time_machine.travel(timezone.make_aware(datetime.combine(date(2027, 1, 4), time(10))), tick=False):
        report = briefings.draft_briefing(
            by=clerk, kind=Briefing.Kind.WEEKLY, day=date(2026, 12, 28), region=org.town_a
        )
        report = briefings.issue_briefing(briefing=report, by=clerk)
        assert (report.year, report.number, report.number_label) == (2027, 1, "2027年第1期")


# --- bad input --------------------------------------------------------------------------------------------


def test_a_period_not_yet_over_is_refused_with_a_message_and_nothing_saved(org, login):
    client = login(org["township_officer"])
    today = timezone.localdate()
    response = client.post(
        "/reports/briefings/new/", {"kind": "monthly", "day": today.isoformat(), "place": org.town_a.code}
    )
    assert response.status_code == 400
    assert "尚未结束" in response.content.decode()
    future = client.post(
        "/reports/briefings/new/",
        {"kind": "daily", "day": (today + timedelta(days=3)).isoformat(), "place": org.town_a.code},
    )
    assert future.status_code == 400 and "尚未结束" in future.content.decode()
    garbage = client.post("/reports/briefings/new/", {"kind": "daily", "day": "2026-02-30", "place": org.town_a.code})
    assert garbage.status_code == 400 and "年-月-日" in garbage.content.decode()
    assert not Briefing.objects.exists()


def test_issuing_twice_gets_a_message_and_keeps_the_first_number(org, login):
    client = login(org["township_officer"])
    day = timezone.localdate() - timedelta(days=1)
    response = client.post(
        "/reports/briefings/new/", {"kind": "daily", "day": day.isoformat(), "place": org.town_a.code}
    )
    report = Briefing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/briefings/{report.pk}/"
    client.post(f"/reports/briefings/{report.pk}/issue/")
    report.refresh_from_db()
    issued_at = report.issued_at
    again = client.post(f"/reports/briefings/{report.pk}/issue/", follow=True)
    assert "不能重复签发" in again.content.decode()
    report.refresh_from_db()
    assert (report.number, report.issued_at) == (1, issued_at)
    # A second report of the same period is refused too: the issued one is corrected instead.
    second = client.post("/reports/briefings/new/", {"kind": "daily", "day": day.isoformat(), "place": org.town_a.code})
    assert second.status_code == 400 and "发起更正" in second.content.decode()
    assert Briefing.objects.count() == 1


def test_an_unknown_or_foreign_typical_case_is_refused_and_nothing_saved(org, login):
    from disputes import services as case_services
    from disputes.models import Party

    foreign = case_services.intake_case(
        by=org["outsider"],
        data=case_services.IntakeData(
            channel="visit",
            township=org.town_b,
            summary="乙镇的案件",
            parties=[case_services.PartyData(role=Party.Role.APPLICANT, name="乙某")],
        ),
    )
    clerk = org["township_officer"]
    report = briefings.draft_briefing(
        by=clerk, kind=Briefing.Kind.DAILY, day=timezone.localdate() - timedelta(days=1), region=org.town_a
    )
    response = login(clerk).post(
        f"/reports/briefings/{report.pk}/edit/",
        {"title": "新标题", "typical_cases": f"{foreign.number}\nNO-SUCH", "report_to": "", "copy_to": ""},
    )
    assert response.status_code == 400
    assert "本辖区没有编号为" in response.content.decode() and "NO-SUCH" in response.content.decode()
    report.refresh_from_db()
    assert report.title != "新标题" and report.typical_cases == []


# --- scope and pages ------------------------------------------------------------------------------------


SEES_A = {"county_officer", "township_officer", "leader", "township_leader"}
READERS = SEES_A | {"outsider"}


def test_the_list_filters_by_kind_year_and_place(org, login):
    day = timezone.localdate() - timedelta(days=1)
    town = briefings.draft_briefing(by=org["township_officer"], kind=Briefing.Kind.DAILY, day=day, region=org.town_a)
    county = briefings.draft_briefing(by=org["county_officer"], kind=Briefing.Kind.DAILY, day=day, region=org.county)
    client = login(org["county_officer"])

    def listed(**query) -> set[int]:
        page = client.get("/reports/briefings/", query).content.decode()
        return {r.pk for r in (town, county) if f'/reports/briefings/{r.pk}/"' in page}

    assert listed() == {town.pk, county.pk}
    assert listed(place=org.town_a.code) == {town.pk}
    assert listed(place=org.county.code, kind="daily") == {county.pk}
    assert listed(kind="weekly") == set()
    assert listed(year=str(day.year)) == {town.pk, county.pk} and listed(year=str(day.year - 1)) == set()
    for odd in ({"year": "99999"}, {"year": "1\x00"}, {"place": "x" * 300}, {"kind": "\x00"}):
        assert client.get("/reports/briefings/", odd).status_code in (200, 400)  # a NUL is refused upfront
    assert listed(place=org.town_b.code) == set()  # 乙镇 has none
    # A place outside the person's jurisdiction is no filter: 甲镇's clerk still sees 甲镇's only.
    page = login(org["township_officer"]).get("/reports/briefings/", {"place": org.county.code}).content.decode()
    assert f'/reports/briefings/{town.pk}/"' in page and f'/reports/briefings/{county.pk}/"' not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_sees_the_reports_of_its_jurisdiction_only(org, login, persona, django_assert_max_num_queries):
    day = timezone.localdate() - timedelta(days=1)
    mine = briefings.draft_briefing(by=org["township_officer"], kind=Briefing.Kind.DAILY, day=day, region=org.town_a)
    briefings.issue_briefing(briefing=mine, by=org["township_officer"])
    client = login(org[persona])
    with django_assert_max_num_queries(12):
        listing = client.get("/reports/briefings/")
    with django_assert_max_num_queries(12):
        detail = client.get(f"/reports/briefings/{mine.pk}/")
    docx = client.get(f"/reports/briefings/{mine.pk}/document.docx")
    if persona not in READERS:
        assert (listing.status_code, detail.status_code, docx.status_code) == (403, 403, 403)
    elif persona in SEES_A:
        assert listing.status_code == detail.status_code == docx.status_code == 200
        assert mine.title in listing.content.decode()
    else:
        assert listing.status_code == 200 and mine.title not in listing.content.decode()
        assert detail.status_code == docx.status_code == 404
    # Only center staff draft, edit and issue; a leader reads.
    posted = client.post(f"/reports/briefings/{mine.pk}/correct/")
    if persona in {"county_officer", "township_officer"}:
        assert posted.status_code == 302
    elif persona == "outsider":
        assert posted.status_code == 404
    else:
        assert posted.status_code == 403


def test_the_list_costs_the_same_at_many_reports(org, login, django_assert_max_num_queries):
    clerk = org["township_officer"]
    for days in range(1, 16):
        day = timezone.localdate() - timedelta(days=days)
        briefings.issue_briefing(
            briefing=briefings.draft_briefing(by=clerk, kind=Briefing.Kind.DAILY, day=day, region=org.town_a), by=clerk
        )
    client = login(org["county_officer"])
    with django_assert_max_num_queries(10):
        assert client.get("/reports/briefings/").status_code == 200


# --- the .docx ------------------------------------------------------------------------------------------


def test_the_docx_opens_and_carries_the_figures_and_the_red_head(org, login):
    today = timezone.localdate()
    fill(40, today)
    clerk = org["county_officer"]
    DailyStat.objects.create(day=last_month(today), region_code="990101001002", metric="zr_missed", value=2)
    report = briefings.draft_briefing(by=clerk, kind=Briefing.Kind.MONTHLY, day=last_month(today), region=org.county)
    report.dynamics, report.copy_to = "召开联席例会一次", "各镇（街道）综治中心"
    report.save(update_fields=["dynamics", "copy_to"])
    report = briefings.issue_briefing(briefing=report, by=clerk)
    response = login(clerk).get(f"/reports/briefings/{report.pk}/document.docx")
    assert response.status_code == 200
    text = docx_text(response.content)
    received = next(i for i in report.figures["indicators"] if i["code"] == "received")
    assert received["display"] in text and "新受理" in text
    for expected in (report.number_label, "编发单位：示范县综治中心", report.title, "召开联席例会一次", "甲镇二村"):
        assert expected in text
    assert "抄送：各镇（街道）综治中心" in text and "报送：" in text
    assert f"本期新受理矛盾纠纷 {received['display']} 件" in text
    assert f"签发人：{clerk}" in text


def test_overdue_and_red_cards_by_unit_are_the_dashboards_cases(org):
    """The by-unit table lists the cases the dashboard's 在办超期 and 红牌 count on the period's last
    day: its sums equal the two indicators."""
    from disputes import services as case_services

    today = timezone.localdate()
    clerk = org["township_officer"]
    late = intake(org, clerk, "逾期未办的纠纷")
    case_services.dispatch_case(
        case=late, by=clerk, lead_unit=org.mediation_a, co_units=[], due=today + timedelta(days=2), version=1
    )
    intake(org, clerk, "未分流的纠纷")  # registered, not dispatched: not overdue
    later = today + timedelta(days=60)
    with time_machine.travel(timezone.make_aware(datetime.combine(later, time(20))), tick=False):
        mark_filled(today - timedelta(days=800), later)
        fill_day(later)
        report = briefings.draft_briefing(
            by=org["county_officer"], kind=Briefing.Kind.DAILY, day=later, region=org.county
        )
    values = {i["code"]: i["value"] for i in report.figures["indicators"]}
    assert report.figures["units"] == [
        {"unit": "甲镇人民调解委员会", "received": 0, "closed": 0, "overdue": 1, "red": 1}
    ]
    assert values["overdue"] == "1" and values["red_cards"] == "1"


def test_new_cases_by_unit_add_up_to_the_new_cases_of_the_period(org, login):
    """新受理 by lead unit: a dispatched case under its unit, one not yet dispatched under 未分流;
    the column adds up to the 新受理 indicator, and the page and the Word file show it."""
    from disputes import services as case_services

    today = timezone.localdate()
    mark_filled(today - timedelta(days=800), today)
    clerk = org["township_officer"]
    sent = intake(org, clerk, "已分流的纠纷")
    case_services.dispatch_case(
        case=sent, by=clerk, lead_unit=org.mediation_a, co_units=[], due=today + timedelta(days=5), version=1
    )
    intake(org, clerk, "未分流的纠纷")
    fill_day(today)
    report = briefings.draft_briefing(by=clerk, kind=Briefing.Kind.DAILY, day=today, region=org.town_a)
    units = {u["unit"]: u["received"] for u in report.figures["units"]}
    assert units == {"甲镇人民调解委员会": 1, "未分流": 1}
    received = next(i for i in report.figures["indicators"] if i["code"] == "received")
    assert sum(units.values()) == int(received["value"]) == 2
    page = login(clerk).get(f"/reports/briefings/{report.pk}/").content.decode()
    assert "<td>甲镇人民调解委员会</td><td>1</td><td>0</td><td>0</td><td>0</td>" in page


def test_one_report_per_period_and_one_open_correction(org):
    from django.db import IntegrityError, transaction

    clerk = org["township_officer"]
    day = timezone.localdate() - timedelta(days=1)
    first = briefings.draft_briefing(by=clerk, kind=Briefing.Kind.DAILY, day=day, region=org.town_a)
    assert briefings.draft_briefing(by=clerk, kind=Briefing.Kind.DAILY, day=day, region=org.town_a) == first
    with pytest.raises(IntegrityError), transaction.atomic():  # two clerks at once: the database refuses
        Briefing.objects.create(
            kind=first.kind,
            region=first.region,
            period_start=first.period_start,
            period_end=first.period_end,
            title="重复",
            issuing_unit=first.issuing_unit,
            created_by=clerk,
        )
    issued = briefings.issue_briefing(briefing=first, by=clerk)
    correction = briefings.correct_briefing(briefing=issued, by=clerk)
    assert briefings.correct_briefing(briefing=issued, by=clerk) == correction
    assert Briefing.objects.count() == 2


def test_a_rates_change_is_stated_in_percentage_points(org):
    today = timezone.localdate()
    fill(70, today)
    report = briefings.draft_briefing(
        by=org["county_officer"], kind=Briefing.Kind.MONTHLY, day=last_month(today), region=org.county
    )
    rates = {i["code"]: i for i in report.figures["indicators"]}
    assert rates["resolution_rate"]["mom"] in ("0个百分点", "0.0个百分点")
    assert rates["received"]["mom"].lstrip("+-").isdigit()


def test_key_persons_are_named_as_official_reports_do(org):
    from disputes import key_persons

    clerk = org["township_officer"]
    case = intake(org, clerk, "多次信访的纠纷")
    party = case.parties.get()
    key_persons.mark_key_person(case=case, party=party, by=clerk, reason="多次越级上访")
    today = timezone.localdate()
    mark_filled(today - timedelta(days=800), today)
    report = briefings.draft_briefing(by=clerk, kind=Briefing.Kind.DAILY, day=today, region=org.town_a)
    persons = report.figures["persons"]
    assert persons["key_count"] == 1
    assert persons["key"] == [{"name": "通某", "township": "甲镇", "reason": "多次越级上访", "state": "在册"}]
    assert "通报当事人" not in str(report.figures)
