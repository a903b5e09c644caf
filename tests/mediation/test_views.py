"""Every mediation page for every role (200 / 403 / 404), fixed query counts on lists, and bad
input answered on the form in Chinese."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services as case_services
from disputes.models import Status
from mediation import services
from mediation.models import Agreement, SubsidyRate
from tests.disputes.conftest import intake
from tests.factories import PERSONAS
from tests.mediation.conftest import agreement_data, final_agreement, session_data

MEDIATION_ROLES = {"county_officer", "township_officer", "mediator", "leader", "township_leader", "outsider"}
CASE_ROLES = MEDIATION_ROLES | {"police"}
# Who sees a 甲镇 case dispatched to 甲镇人民调解委员会.
SEES_A = {"county_officer", "township_officer", "mediator", "leader", "township_leader"}


def expect(allowed: set[str], hidden: set[str] = frozenset()) -> dict[str, int]:
    return {p: 200 if p in allowed else 404 if p in hidden else 403 for p in PERSONAS}


@pytest.fixture
def pages(org, med, mediated_case):
    case = mediated_case()
    session = services.record_session(
        case=case,
        by=org["mediator"],
        data=session_data(),
    )
    agreement = final_agreement(org, case)
    # A case of 乙镇: its number is guessed by people of 甲镇.
    case_b = case_services.intake_case(
        by=org["outsider"],
        data=case_services.IntakeData(
            channel="visit",
            township=org.town_b,
            village=org.village_b1,
            summary="乙镇的纠纷",
            category=case.category,
            risk_level=case.risk_level,
            parties=[case_services.PartyData(role="applicant", name="钱八")],
        ),
    )
    n, b = case.number, case_b.number
    return {
        "/mediation/": expect({"mediator"}),
        "/mediation/organisations/": expect(MEDIATION_ROLES),
        f"/mediation/organisations/{med.org_a.pk}/": expect(MEDIATION_ROLES - {"outsider"}, {"outsider"}),
        f"/mediation/organisations/{med.org_b.pk}/": expect(
            {"county_officer", "leader", "outsider"}, MEDIATION_ROLES - {"county_officer", "leader", "outsider"}
        ),
        "/mediation/experts/": expect(MEDIATION_ROLES),
        "/mediation/subsidy/": expect(MEDIATION_ROLES),
        "/mediation/performance/": expect(MEDIATION_ROLES),
        f"/mediation/cases/{n}/": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/mediation/cases/{n}/notice/": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/mediation/cases/{n}/sessions/{session.pk}/": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/mediation/cases/{n}/agreements/{agreement.pk}.docx": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/mediation/cases/{n}/agreements/{agreement.pk}.pdf": expect(SEES_A, CASE_ROLES - SEES_A),
        f"/mediation/cases/{b}/": expect(
            {"county_officer", "leader", "outsider"}, CASE_ROLES - {"county_officer", "leader", "outsider"}
        ),
        f"/mediation/cases/{b}/notice/": expect(set(), CASE_ROLES),  # not at a mediation organisation
    }


def test_every_page_answers_every_role(org, pages, login):
    clients = {}
    for path, expected in pages.items():
        for persona, status in expected.items():
            if persona not in clients:
                clients[persona] = login(org[persona])
            response = clients[persona].get(path)
            assert response.status_code == status, (persona, path, response.status_code)


def test_mediation_page_offers_steps_only_to_the_organisation(org, med, mediated_case, login):
    case = mediated_case(assign=False)
    body = login(org["mediator"]).get(f"/mediation/cases/{case.number}/").content.decode()
    assert 'data-testid="assign-form"' in body and "推荐" in body
    body = login(org["township_officer"]).get(f"/mediation/cases/{case.number}/").content.decode()
    assert 'data-testid="assign-form"' not in body


def test_post_steps_refuse_other_people(org, med, mediated_case, login):
    case = mediated_case(assign=False)
    client = login(org["township_officer"])
    response = client.post(
        f"/mediation/cases/{case.number}/assign/", {"assign-mediators": [med.zhao.pk], "assign-difficulty": "ordinary"}
    )
    assert response.status_code in (302, 400)
    assert not case.assignments.exists()
    outsider = login(org["outsider"])
    assert outsider.post(f"/mediation/cases/{case.number}/assign/", {}).status_code == 404
    assert login(org["grid_worker"]).post(f"/mediation/cases/{case.number}/assign/", {}).status_code == 403


# --- Bad input on forms ------------------------------------------------------------------------------


def test_future_session_date_gets_a_chinese_message(org, med, mediated_case, login):
    case = mediated_case()
    party_ids = [p.pk for p in case.parties.all()]
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = login(org["mediator"]).post(
        f"/mediation/cases/{case.number}/sessions/new/",
        {
            "held_at": future,
            "place": "调解室",
            "mediators": "赵调解",
            "participants": "张三",
            "rights_notified": "on",
            f"statement_{party_ids[0]}": "陈述",
            "result": "agreed",
        },
    )
    assert response.status_code == 400
    assert "调解时间不能晚于现在" in response.content.decode()
    assert not case.sessions.exists()


def test_agreement_without_performance_terms_gets_a_chinese_message(org, med, mediated_case, login):
    case = mediated_case()
    agreement = services.draft_agreement(case=case, by=org["mediator"])
    data = {
        "facts": "事实",
        "issues": "争议",
        "responsibility": "责任",
        "terms": "协议内容",
        "performance_manner": "",
        "performance_place": "村委会",
        "mediator_names": "赵调解",
        "obligation-TOTAL_FORMS": "1",
        "obligation-INITIAL_FORMS": "0",
        "obligation-0-obligor": "",
        "obligation-0-content": "",
        "obligation-0-due_on": "",
    }
    client = login(org["mediator"])
    response = client.post(f"/mediation/cases/{case.number}/agreements/{agreement.pk}/edit/", data)
    assert response.status_code == 400
    assert "此项为必填项" in response.content.decode()
    data["performance_manner"] = "现金"
    response = client.post(f"/mediation/cases/{case.number}/agreements/{agreement.pk}/edit/", data)
    assert response.status_code == 400
    assert "请至少填写一项履行义务" in response.content.decode()
    data.update({"obligation-0-obligor": "李四", "obligation-0-content": "付款"})
    response = client.post(f"/mediation/cases/{case.number}/agreements/{agreement.pk}/edit/", data)
    assert response.status_code == 400
    assert "须同时填写义务人、内容和期限" in response.content.decode()
    data["obligation-0-due_on"] = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert client.post(f"/mediation/cases/{case.number}/agreements/{agreement.pk}/edit/", data).status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).obligations.count() == 1


def test_negative_rate_gets_a_chinese_message(org, login):
    response = login(org["county_officer"]).post(
        "/mediation/subsidy/",
        {"rate-difficulty": "ordinary", "rate-amount": "-50", "rate-valid_from": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert "补贴标准不能为负数" in response.content.decode()
    assert not SubsidyRate.objects.exists()


def test_late_confirmation_gets_a_chinese_message(org, med, mediated_case, login):
    case = mediated_case()
    agreement = final_agreement(org, case, signed_on=timezone.localdate() - timedelta(days=40))
    response = login(org["mediator"]).post(
        f"/mediation/cases/{case.number}/agreements/{agreement.pk}/confirmation/",
        {"confirmation-court": "甲镇人民法庭", "confirmation-applied_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert "已超过申请期限" in response.content.decode()


def test_editing_a_final_agreement_is_refused(org, med, mediated_case, login):
    case = mediated_case()
    agreement = final_agreement(org, case)
    response = login(org["mediator"]).post(
        f"/mediation/cases/{case.number}/agreements/{agreement.pk}/edit/", {"facts": "改"}
    )
    assert response.status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).facts == agreement_data().facts


# --- Query counts at two data sizes ----------------------------------------------------------------


def fill(org, med, mediated_case, n: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        case = mediated_case(assign=i % 3 != 0)
        if i % 3 == 1:
            final_agreement(org, case, signed_on=today - timedelta(days=22))
        if i % 3 == 2:
            case = case_services.report_case(
                case=case, by=org["mediator"], outcome="resolved", routes=[], summary="成", version=case.version
            )
            case_services.approve_case(case=case, by=org["township_officer"], version=case.version)


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("mediator", "/mediation/"),
        ("county_officer", "/mediation/organisations/"),
        ("mediator", "/mediation/experts/"),
        ("township_officer", "/mediation/experts/?category=2"),
        ("county_officer", "/mediation/subsidy/"),
        ("mediator", "/mediation/subsidy/"),
        ("leader", "/mediation/performance/"),
    ],
)
def test_list_pages_do_not_grow(org, med, mediated_case, login, django_assert_max_num_queries, persona, path):
    services.set_subsidy_rate(
        by=org["county_officer"],
        difficulty="ordinary",
        category=None,
        amount=100,
        valid_from=timezone.localdate() - timedelta(days=30),
    )
    fill(org, med, mediated_case, 4)
    client = login(org[persona])
    with django_assert_max_num_queries(40) as small:
        assert client.get(path).status_code == 200
    fill(org, med, mediated_case, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200


def test_case_page_does_not_grow(org, med, mediated_case, login, django_assert_max_num_queries):
    case = mediated_case()
    agreement = final_agreement(org, case)
    client = login(org["mediator"])
    with django_assert_max_num_queries(60) as small:
        assert client.get(f"/mediation/cases/{case.number}/").status_code == 200
    for _n in range(3):
        agreement = services.correct_agreement(agreement=agreement, by=org["mediator"], reason="更正")
        agreement = services.finalize_agreement(agreement=agreement, by=org["mediator"], signed_on=timezone.localdate())
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"/mediation/cases/{case.number}/").status_code == 200


def test_new_cases_stay_out_of_other_lists(org, med, login):
    case = intake(org)
    assert case.status == Status.REGISTERED
    assert case.number not in login(org["mediator"]).get("/mediation/").content.decode()
