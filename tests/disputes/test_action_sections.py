"""The case page's action area (办理操作, issue 15 findings 2 and 9): one section open at a time,
the one the person most likely needs; 退回中心 asks first; after a return the handler lands on
his work list with a message, not on a page he may no longer see."""

from __future__ import annotations

import re

import pytest

from disputes import services
from disputes.models import Status
from disputes.views import SECTION_ORDER

OPEN = re.compile(r'<div id="act-([a-z_]+)" class="accordion-collapse collapse show"')
SECTIONS = re.compile(r'data-section="([a-z_]+)"')


def sections(html: str) -> tuple[list[str], list[str]]:
    return SECTIONS.findall(html), OPEN.findall(html)


def test_after_signing_the_handler_finds_progress_open_and_the_return_last(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    html = login(org["police"]).get(f"/cases/{case.number}/").content.decode()
    listed, opened = sections(html)
    assert opened == ["progress"]
    assert listed.index("progress") < listed.index("report") < listed.index("return_to_center")
    assert listed[-1] == "return_to_center"


@pytest.mark.parametrize(
    ("status", "persona", "expected"),
    [
        (Status.SUBMITTED, "township_officer", "accept"),
        (Status.REGISTERED, "township_officer", "dispatch"),
        (Status.DISPATCHED, "police", "sign"),
        (Status.PENDING_REVIEW, "township_officer", "approve"),
        (Status.CLOSED, "township_officer", "evaluate"),
    ],
)
def test_exactly_one_section_is_open_and_it_is_the_next_step(org, login, make_case, status, persona, expected):
    case = make_case(status)
    html = login(org[persona]).get(f"/cases/{case.number}/").content.decode()
    assert sections(html)[1] == [expected]


def test_a_pending_extension_and_a_listing_do_not_open_a_second_section(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    services.request_extension(case=case, by=org["police"], days=5, reason="需鉴定")
    services.supervise_case(case=case, by=org["leader"], instruction="抓紧办理", due=case.handle_due)
    center = login(org["township_officer"]).get(f"/cases/{case.number}/").content.decode()
    assert sections(center)[1] == ["decision"]
    police = login(org["police"]).get(f"/cases/{case.number}/").content.decode()
    assert sections(police)[1] == ["answer"]


def test_a_refused_form_reopens_its_own_section_only(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    response = login(org["police"]).post(
        f"/cases/{case.number}/act/report/", {"report-version": case.version, "report-summary": ""}
    )
    assert response.status_code == 400
    assert sections(response.content.decode())[1] == ["report"]


def test_returning_asks_for_confirmation(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    html = login(org["police"]).get(f"/cases/{case.number}/").content.decode()
    form = re.search(r'<form[^>]*data-testid="action-return_to_center"[^>]*>', html).group(0)
    assert 'data-confirm="确定将本案退回综治中心吗？' in form


def test_after_a_return_the_handler_lands_on_his_work_list_with_a_message(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    client = login(org["police"])
    response = client.post(
        f"/cases/{case.number}/act/return_to_center/",
        {"return_to_center-version": case.version, "return_to_center-reason": "不属于本所职责"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/cases/work/"
    text = response.content.decode()
    assert f"案件 {case.number} 已转回甲镇综治中心" in text
    case.refresh_from_db()
    assert case.status == Status.REGISTERED


def test_every_section_key_has_a_place_in_the_order():
    from disputes.views import ACTIONS, SIDE_SECTIONS

    assert set(ACTIONS) | set(SIDE_SECTIONS) <= set(SECTION_ORDER)


def test_an_archived_case_shows_its_deadline_as_history_not_as_a_running_clock(org, login, make_case):
    case = make_case(Status.ARCHIVED)
    html = login(org["township_officer"]).get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="current-due"' not in html and "当前时限" not in html
    assert f'data-testid="handle-due">{case.handle_due.isoformat()}<' in html
    assert "归档时间" in html and "办结时间" in html
    running = make_case(Status.IN_PROGRESS)
    html = login(org["township_officer"]).get(f"/cases/{running.number}/").content.decode()
    assert 'data-testid="current-due"' in html


def test_the_page_prints_without_menu_actions_or_forms(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    html = login(org["police"]).get(f"/cases/{case.number}/").content.decode()
    assert '<body class="printable-case"' in html
    assert 'class="col-xl-4 no-print"' in html  # the action area
    assert "data-print" in html
