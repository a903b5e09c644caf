"""The dispatch form (分流转办, issue 15 finding 1): units grouped by place and kind, the usual lead
unit suggested from past dispatches, co-units as a checklist, and a deadline pre-filled from the
time-limit matrix and the lead unit's statutory cap, with the reason shown."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.deadlines import dispatch_due
from disputes.dispatching import unit_groups, usual_lead_unit
from disputes.forms import DispatchForm, dispatch_targets
from disputes.models import Category, Status
from governance.models import Unit
from tests.disputes.conftest import intake


def test_units_are_grouped_by_place_and_kind(org):
    groups = dict(unit_groups(dispatch_targets(org["county_officer"])))
    assert [u.name for u in groups["甲镇 · 职能部门"]] == ["甲镇派出所"]
    assert [u.name for u in groups["甲镇 · 调解组织"]] == ["甲镇人民调解委员会"]
    assert "示范县综治中心" in [u.name for u in groups["县直 · 县综治中心"]]
    # A village committee sits under its township, not under its village.
    assert [u.name for u in groups["甲镇 · 村（居）委会"]] == ["甲镇一村村民委员会"]


def test_the_usual_lead_unit_is_the_one_most_cases_of_the_kind_went_to(org, make_case):
    for _n in range(2):
        make_case(Status.DISPATCHED)  # 邻里纠纷 of 甲镇 → 甲镇派出所
    case = make_case(Status.REGISTERED)
    units = list(dispatch_targets(org["township_officer"]))
    suggestion = usual_lead_unit(case, units)
    assert suggestion.unit == org.police_a
    assert suggestion.count == 2
    assert "甲镇派出所" in suggestion.text and "甲镇" in suggestion.scope
    # Another kind of dispute has no history: no suggestion rather than a guess.
    other = make_case(Status.REGISTERED, category=Category.objects.get(code="labour"))
    assert usual_lead_unit(other, units) is None
    # A unit the person may not dispatch to is never suggested.
    assert usual_lead_unit(case, [u for u in units if u != org.police_a]) is None


def test_the_deadline_follows_the_matrix_and_the_statutory_cap_with_its_reason(org, make_case):
    case = make_case(Status.REGISTERED)  # blue: 30 working days by the matrix
    start = date(2026, 3, 2)
    plain = dispatch_due(case, start)
    assert plain.due == date(2026, 4, 14)
    assert plain.statute is None
    assert "时限矩阵" in plain.reason and "30 个工作日" in plain.reason and "2026-04-14" in plain.reason
    mediation = dispatch_due(case, start, org.mediation_a)
    assert mediation.due == date(2026, 4, 2)
    assert "人民调解期限" in mediation.reason and "1 个月" in mediation.reason
    assert "第三十六条" in mediation.reason and "2026-04-02" in mediation.reason


def test_the_form_prefills_the_suggested_unit_and_its_deadline(org, make_case):
    # Past mediation cases of the kind went to the mediation committee: the form suggests it and
    # starts from its one-month cap, which the service accepts as it stands.
    for _n in range(2):
        past = intake(org)
        services.dispatch_case(
            case=past,
            by=org["township_officer"],
            lead_unit=org.mediation_a,
            due=timezone.localdate() + timedelta(days=10),
            version=past.version,
        )
    case = make_case(Status.REGISTERED)
    form = DispatchForm(case=case, user=org["township_officer"], initial={"version": case.version})
    today = timezone.localdate()
    assert form.fields["lead_unit"].initial == org.mediation_a.pk
    assert form.fields["due"].initial == dispatch_due(case, today, org.mediation_a).due
    assert "人民调解期限" in form.fields["due"].help_text
    assert form.due_by_unit[str(org.mediation_a.pk)]["due"] == form.fields["due"].initial.isoformat()
    assert form.due_by_unit[""]["due"] == dispatch_due(case, today).due.isoformat()
    services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.mediation_a,
        due=form.fields["due"].initial,
        version=case.version,
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED


def test_the_page_shows_groups_a_checklist_the_suggestion_and_the_reason(org, login, make_case):
    make_case(Status.DISPATCHED)
    case = make_case(Status.REGISTERED)
    html = login(org["township_officer"]).get(f"/cases/{case.number}/").content.decode()
    assert '<optgroup label="甲镇 · 职能部门">' in html
    assert 'type="checkbox" name="dispatch-co_units"' in html
    assert 'data-testid="lead-unit-suggestion"' in html and "建议主办：甲镇派出所" in html
    assert 'data-testid="due-reason"' in html and "时限矩阵（邻里纠纷 · 蓝色）" in html
    assert 'id="dispatch-due-by-unit"' in html
    assert 'data-filter-options="id_dispatch-lead_unit"' in html


def test_co_units_are_posted_as_checkboxes(org, login, make_case):
    case = make_case(Status.REGISTERED)
    response = login(org["township_officer"]).post(
        f"/cases/{case.number}/act/dispatch/",
        {
            "dispatch-version": case.version,
            "dispatch-lead_unit": org.police_a.pk,
            "dispatch-co_units": [org.mediation_a.pk, org.center_a.pk],
            "dispatch-due": (timezone.localdate() + timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert set(case.co_units.all()) == {org.mediation_a, org.center_a}


def test_a_unit_outside_the_list_is_refused_in_chinese(org, login, make_case):
    case = make_case(Status.REGISTERED)
    outsider = Unit.objects.get(code="B-CENTER")
    response = login(org["township_officer"]).post(
        f"/cases/{case.number}/act/dispatch/",
        {
            "dispatch-version": case.version,
            "dispatch-lead_unit": outsider.pk,
            "dispatch-due": (timezone.localdate() + timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "所选项不存在或不可用" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.REGISTERED


@pytest.mark.parametrize("persona", ["county_officer", "township_officer"])
def test_the_dispatch_page_runs_a_fixed_number_of_queries(
    org, login, make_case, persona, django_assert_max_num_queries
):
    for _n in range(3):
        make_case(Status.DISPATCHED)
    case = make_case(Status.REGISTERED)
    client = login(org[persona])
    client.get(f"/cases/{case.number}/")
    with django_assert_max_num_queries(16):
        response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 200
