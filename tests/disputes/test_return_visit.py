"""定期回访 as its own step (issue 15, finding 3): after 群众评价, how, when, by whom and whether the
dispute came back; 归档 only after it; a visit that finds the dispute back reopens the case and says
so on the timeline; the statistics count the visit and the reopen."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services
from disputes.models import CaseEvent, Satisfaction, Status
from disputes.worklists import worklists_for
from governance.models import DailyStat
from governance.stats import fill_day

DAY = date(2026, 3, 4)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def visit(org, case, *, by=None, came_back=False, on=None, version="current", **extra):
    return services.record_visit(
        case=case,
        by=by or org["township_officer"],
        method=extra.pop("method", "phone"),
        visited_on=on or timezone.localdate(),
        visitor=extra.pop("visitor", "王回访"),
        came_back=came_back,
        note=extra.pop("note", "电话回访，双方已履行协议"),
        version=case.version if version == "current" else version,
    )


def refused(call, match: str):
    with pytest.raises(services.TransitionRefused, match=match):
        call()


def listed(user, key: str) -> list[str]:
    return [c.number for w in worklists_for(user) if w.key == key for c in w.cases]


def test_a_visit_is_recorded_on_its_own_and_the_case_is_archived_after_it(org, make_case):
    case = make_case(Status.EVALUATED)
    officer = org["township_officer"]
    assert listed(officer, "to_visit") == [case.number] and listed(officer, "to_archive") == []
    case = visit(org, case, method="visit", visitor="李网格员", note="上门回访，邻里和好")
    case.refresh_from_db()
    assert case.status == Status.EVALUATED and case.visited_at is not None and case.archived_at is None
    step = case.events.get(action=CaseEvent.Action.VISIT)
    assert step.actor == officer and step.note == "上门回访，邻里和好"
    assert step.data == {
        "method": "visit",
        "visited_on": timezone.localdate().isoformat(),
        "visitor": "李网格员",
        "came_back": False,
    }
    assert step.details == [
        f"回访方式：上门回访；回访日期：{timezone.localdate():%Y-%m-%d}；回访人：李网格员；纠纷未复发"
    ]
    # Off the 待回访 list, onto 待归档.
    assert listed(officer, "to_visit") == [] and listed(officer, "to_archive") == [case.number]
    case = services.archive_case(case=case, by=officer, note="案结事了", version=case.version)
    assert case.status == Status.ARCHIVED
    assert list(case.events.values_list("action", flat=True))[-2:] == ["visit", "archive"]


def test_a_visit_that_finds_the_dispute_back_reopens_the_case(org, make_case):
    case = make_case(Status.EVALUATED)
    case = visit(org, case, came_back=True, note="当事人反映排水沟又被堵")
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.reopen_count == 1
    assert case.visited_at is None and case.closed_at is None and case.satisfaction == "" and case.lead_unit is None
    visit_step, reopen = case.events.order_by("at", "id")[::-1][1::-1]
    assert visit_step.action == "visit" and visit_step.data["came_back"] is True and visit_step.to_status == ""
    assert reopen.action == "reopen" and (reopen.from_status, reopen.to_status) == ("evaluated", "registered")
    assert reopen.note == "回访发现纠纷复发：当事人反映排水沟又被堵"
    assert "纠纷复发，重新办理" in visit_step.details[0]
    # Round again: its next closure needs a visit of its own.
    from tests.disputes.conftest import advance

    assert advance(org, case, Status.ARCHIVED).events.filter(action="visit").count() == 2


def test_a_visit_is_refused_when_its_guard_fails(org, make_case):
    closed = make_case(Status.CLOSED)
    refused(lambda: visit(org, closed), "当前状态为“已办结”")  # 群众评价 first
    case = make_case(Status.EVALUATED)
    refused(lambda: visit(org, case, by=org["police"]), "无权")  # not the center
    refused(lambda: visit(org, case, by=org["outsider"]), "无权")  # another township's center
    refused(lambda: visit(org, case, by=org["leader"]), "无权")
    stale = case.version
    case = visit(org, case)
    refused(lambda: visit(org, case, version=stale), "已被他人处理")
    refused(lambda: visit(org, case), "已记录回访")  # one visit per closure
    case.refresh_from_db()
    assert case.events.filter(action="visit").count() == 1


def test_bad_visit_input_is_refused_with_its_reason(org, make_case):
    case = make_case(Status.EVALUATED)
    with pytest.raises(ValidationError) as error:
        visit(org, case, method="fax", visitor=" ", note="", on=timezone.localdate() + timedelta(days=1))
    assert set(error.value.message_dict) == {"method", "visitor", "note", "visited_on"}
    with pytest.raises(ValidationError, match="不能早于办结日期"):
        visit(org, case, on=timezone.localdate() - timedelta(days=1))
    case.refresh_from_db()
    assert case.visited_at is None and not case.events.filter(action="visit").exists()


def test_archive_is_refused_before_the_visit_and_for_a_dissatisfied_citizen(org, make_case):
    case = make_case(Status.CLOSED)
    officer = org["township_officer"]
    case = services.evaluate_case(case=case, by=officer, satisfaction=Satisfaction.DISSATISFIED, version=case.version)
    refused(lambda: services.archive_case(case=case, by=officer, version=case.version), "先记录回访")
    case = visit(org, case)
    refused(lambda: services.archive_case(case=case, by=officer, version=case.version), "重新办理")
    refused(lambda: services.archive_case(case=case, by=org["police"], version=case.version), "无权")
    case = services.reopen_case(case=case, by=officer, reason="当事人不满意", version=case.version)
    assert case.status == Status.REGISTERED


def test_the_statistics_count_the_visit_and_the_reopen_it_causes(org, make_case):
    with time_machine.travel(at(DAY - timedelta(days=2)), tick=False):
        settled, back = make_case(Status.EVALUATED), make_case(Status.EVALUATED)
    with time_machine.travel(at(DAY), tick=False):
        visit(org, settled)
        visit(org, back, came_back=True)
    with time_machine.travel(at(DAY, 23), tick=False):
        fill_day(DAY)

    def total(metric: str, **dims) -> int:
        return sum(DailyStat.objects.filter(day=DAY, metric=metric, **dims).values_list("value", flat=True))

    assert total("visited", level="township") == 2
    assert total("reopened") == 1 and total("archived") == 0
    assert total("open_end") == 1  # the reopened case is open again; the other is not


def test_the_visit_form_on_the_case_page(org, make_case, login):
    case = make_case(Status.EVALUATED)
    client = login(org["township_officer"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="action-visit"' in page and 'data-testid="action-archive"' not in page
    due = (timezone.localtime(case.closed_at) + timedelta(days=30)).date()
    assert f"回访时限：{due:%Y-%m-%d} 前（回访正常，剩 30 天）" in page  # when it falls due
    bad = client.post(f"/cases/{case.number}/act/visit/", {"visit-version": case.version, "visit-note": ""})
    assert bad.status_code == 400 and 'data-testid="action-visit"' in bad.content.decode()
    case.refresh_from_db()
    assert case.visited_at is None
    response = client.post(
        f"/cases/{case.number}/act/visit/",
        {
            "visit-version": case.version,
            "visit-method": "phone",
            "visit-visited_on": timezone.localdate().isoformat(),
            "visit-visitor": "王回访",
            "visit-came_back": "0",
            "visit-note": "电话回访，已履行",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="action-archive"' in page and "回访方式：电话回访" in page
