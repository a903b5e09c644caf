"""Mediation steps: each happens, and each is refused when its guard fails."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes.models import Case, CaseEvent, Category, Outcome, Status
from disputes.services import TransitionRefused
from mediation import queries, services
from mediation.models import Agreement, AgreementFinal, Confirmation, FollowUp, Mediation, Obligation
from tests.disputes.conftest import intake
from tests.mediation.conftest import agreement_data, dispatch_to_mediation, final_agreement, mediator, session_data

# --- Assignment suggestions ------------------------------------------------------------------------


def test_suggestions_match_category_and_region_and_rank_by_workload(org, med, mediated_case):
    case = mediated_case(assign=False)
    # 钱 is busy with two open cases; 赵 with one; 李律师 (county-wide lawyer) with none.
    for _n in range(2):
        services.assign_mediators(case=mediated_case(assign=False), by=org["mediator"], mediators=[med.qian])
    services.assign_mediators(case=mediated_case(assign=False), by=org["mediator"], mediators=[med.zhao])
    names = [m.name for m in queries.suggest_mediators(case)]
    # 孙 handles only family disputes: not suggested for a neighbourhood case.
    assert names == ["李律师", "赵调解", "钱调解"]
    assert [m.workload for m in queries.suggest_mediators(case)] == [0, 1, 2]


def test_suggestions_leave_out_other_townships_inactive_and_already_assigned(org, med, mediated_case):
    from mediation.models import Mediator

    case = mediated_case(assign=False)
    mediator("周调解", med.org_b, "neighbourhood")  # serves 乙镇 only
    Mediator.objects.filter(pk=med.qian.pk).update(is_active=False)
    services.assign_mediators(case=case, by=org["mediator"], mediators=[med.zhao])
    assert [m.name for m in queries.suggest_mediators(case)] == ["李律师"]


def test_suggestions_are_one_query(org, med, mediated_case, django_assert_num_queries):
    case = mediated_case(assign=False)
    with django_assert_num_queries(1):
        list(queries.suggest_mediators(case))


def test_assignment_starts_the_one_month_clock_and_grants_an_outside_expert(org, med, mediated_case):
    from guardian.shortcuts import get_perms

    from governance.models import User
    from tests.factories import make_user

    lawyer = make_user("lawyer", "mediator", med.county_org.unit)
    med.expert.user = lawyer
    med.expert.save()
    with time_machine.travel("2026-01-31 10:00 +0800", tick=False):
        case = mediated_case(assign=False)
        services.assign_mediators(case=case, by=org["mediator"], mediators=[med.zhao, med.expert], lead=med.expert)
    mediation = Mediation.objects.get(case=case)
    assert (mediation.started_on.isoformat(), mediation.due_on.isoformat()) == ("2026-01-31", "2026-02-28")
    assert case.assignments.get(is_lead=True).mediator == med.expert
    assert "view_case" in get_perms(User.objects.get(pk=lawyer.pk), case)
    assert Case.objects.visible_to(lawyer).filter(pk=case.pk).exists()


def test_assignment_is_refused_to_another_unit_and_before_dispatch(org, med, make_case):
    case = dispatch_to_mediation(org, make_case(Status.REGISTERED))
    with pytest.raises(TransitionRefused):
        services.assign_mediators(case=case, by=org["police"], mediators=[med.zhao])
    with pytest.raises(TransitionRefused):
        services.assign_mediators(case=make_case(Status.REGISTERED), by=org["mediator"], mediators=[med.zhao])
    with pytest.raises(ValidationError):
        services.assign_mediators(case=case, by=org["mediator"], mediators=[])
    assert not case.assignments.exists()


def test_recusal_withdraws_the_mediator_and_is_recorded(org, med, mediated_case):
    case = mediated_case()
    assignment = case.assignments.get()
    services.recuse_mediator(assignment=assignment, by=org["mediator"], party="李四", reason="与对方是亲戚")
    assignment.refresh_from_db()
    assert assignment.withdrawn_at is not None and assignment.requested_by == "李四"
    assert case.events.filter(action=CaseEvent.Action.PROGRESS, note__contains="回避").exists()
    with pytest.raises(TransitionRefused):
        services.recuse_mediator(assignment=assignment, by=org["mediator"], party="李四", reason="再次")
    with pytest.raises(ValidationError):
        services.recuse_mediator(assignment=case.assignments.get(), by=org["mediator"], party="", reason="")


def test_extension_needs_both_parties(org, med, mediated_case):
    case = mediated_case()
    mediation = case.mediation
    with pytest.raises(ValidationError) as error:
        services.extend_mediation(
            case=case, by=org["mediator"], until=mediation.due_on + timedelta(days=10), both_agree=False, note=""
        )
    assert "双方当事人同意" in str(error.value)
    services.extend_mediation(
        case=case, by=org["mediator"], until=mediation.due_on + timedelta(days=10), both_agree=True, note="等待鉴定"
    )
    mediation.refresh_from_db()
    assert mediation.extended


# --- Sessions ------------------------------------------------------------------------------------------


def test_session_is_recorded_and_numbered(org, med, mediated_case):
    case = mediated_case()
    first = services.record_session(case=case, by=org["mediator"], data=session_data(result="continue"))
    second = services.record_session(case=case, by=org["mediator"], data=session_data())
    assert (first.number, second.number) == (1, 2)
    assert second.statements[0] == {"party": "张三", "text": "排水沟被堵，雨天积水进屋。"}


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"held_at": timezone.now() + timedelta(days=1)}, "held_at", "不能晚于现在"),
        ({"rights_notified": False}, "rights_notified", "权利义务"),
        ({"statements": [("张三", " ")]}, "__all__", "陈述"),
    ],
)
def test_bad_session_is_refused_with_a_chinese_message(org, med, mediated_case, overrides, field, words):
    case = mediated_case()
    with pytest.raises(ValidationError) as error:
        services.record_session(case=case, by=org["mediator"], data=session_data(**overrides))
    assert words in " ".join(error.value.message_dict[field])
    assert not case.sessions.exists()


def test_session_refused_before_signing_and_to_outsiders(org, med, mediated_case):
    unsigned = mediated_case(signed=False, assign=False)
    with pytest.raises(TransitionRefused):
        services.record_session(case=unsigned, by=org["mediator"], data=session_data())
    case = mediated_case()
    with pytest.raises(TransitionRefused):
        services.record_session(case=case, by=org["police"], data=session_data())


# --- Agreements: immutability and versions ----------------------------------------------------------


def test_draft_is_generated_from_case_and_session(org, med, mediated_case):
    case = mediated_case()
    services.record_session(case=case, by=org["mediator"], data=session_data())
    agreement = services.draft_agreement(case=case, by=org["mediator"])
    assert agreement.facts == case.summary
    assert agreement.mediator_names == "赵调解"
    assert agreement.status == Agreement.Status.DRAFT
    with pytest.raises(TransitionRefused):
        services.draft_agreement(case=case, by=org["mediator"])


def test_agreement_without_performance_terms_is_refused(org, med, mediated_case):
    case = mediated_case()
    agreement = services.draft_agreement(case=case, by=org["mediator"])
    with pytest.raises(ValidationError) as error:
        services.update_agreement(
            agreement=agreement, by=org["mediator"], data=agreement_data(obligations=[], performance_manner="")
        )
    assert "履行" in " ".join(error.value.message_dict["__all__"])
    assert "履行方式" in " ".join(error.value.message_dict["performance_manner"])
    # An unedited draft has no performance terms either: it cannot be signed.
    with pytest.raises(TransitionRefused):
        services.finalize_agreement(agreement=agreement, by=org["mediator"], signed_on=timezone.localdate())
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT


def test_final_agreement_is_immutable(org, med, mediated_case):
    case = mediated_case()
    agreement = final_agreement(org, case)
    assert agreement.status == Agreement.Status.FINAL and agreement.number
    agreement.terms = "改过的内容"
    with pytest.raises(AgreementFinal):
        agreement.save()
    with pytest.raises(AgreementFinal):
        Agreement.objects.filter(pk=agreement.pk).update(terms="改过的内容")
    with pytest.raises(AgreementFinal):
        agreement.delete()
    obligation = agreement.obligations.get()
    obligation.content = "不付钱"
    with pytest.raises(AgreementFinal):
        obligation.save()
    with pytest.raises(TransitionRefused):
        services.update_agreement(agreement=agreement, by=org["mediator"], data=agreement_data(terms="x"))
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.terms == agreement_data().terms
    assert Obligation.objects.get(pk=obligation.pk).content == "支付疏通费用八百元"


def test_correction_makes_a_new_version_and_keeps_the_old(org, med, mediated_case):
    case = mediated_case()
    first = final_agreement(org, case)
    second = services.correct_agreement(agreement=first, by=org["mediator"], reason="金额笔误")
    assert (second.version, second.supersedes, second.status) == (2, first, Agreement.Status.DRAFT)
    assert second.obligations.count() == 1
    second = services.update_agreement(
        agreement=second, by=org["mediator"], data=agreement_data(terms="支付八百五十元")
    )
    second = services.finalize_agreement(agreement=second, by=org["mediator"], signed_on=timezone.localdate())
    assert second.number == first.number
    assert Agreement.objects.get(pk=first.pk).terms == agreement_data().terms
    with pytest.raises(TransitionRefused):
        services.correct_agreement(agreement=first, by=org["mediator"], reason="再改")
    with pytest.raises(ValidationError):
        services.correct_agreement(agreement=second, by=org["mediator"], reason=" ")


def test_finalizing_schedules_follow_ups_and_non_performance_is_recorded(org, med, mediated_case):
    case = mediated_case()
    agreement = final_agreement(org, case)
    follow_up = FollowUp.objects.get(obligation__agreement=agreement)
    assert follow_up.due_on == agreement.obligations.get().due_on + timedelta(days=1)
    with pytest.raises(ValidationError):
        services.record_follow_up(follow_up=follow_up, by=org["mediator"], result="not_performed", note="")
    services.record_follow_up(
        follow_up=follow_up, by=org["mediator"], result="not_performed", note="李四未付款，已告知可申请司法确认"
    )
    follow_up.refresh_from_db()
    assert follow_up.result == FollowUp.Result.NOT_PERFORMED
    with pytest.raises(TransitionRefused):
        services.record_follow_up(follow_up=follow_up, by=org["mediator"], result="performed", note="")


# --- The 30-day window of judicial confirmation -----------------------------------------------------


def test_confirmation_within_thirty_days(org, med, mediated_case):
    case = mediated_case()
    today = timezone.localdate()
    agreement = final_agreement(org, case, signed_on=today - timedelta(days=30))
    confirmation = services.apply_confirmation(
        agreement=agreement, by=org["mediator"], court="甲镇人民法庭", applied_on=today
    )
    assert confirmation.decision == Confirmation.Decision.PENDING
    services.decide_confirmation(confirmation=confirmation, by=org["mediator"], decision="confirmed", decided_on=today)
    confirmation.refresh_from_db()
    assert confirmation.decision == Confirmation.Decision.CONFIRMED
    with pytest.raises(TransitionRefused):
        services.decide_confirmation(
            confirmation=confirmation, by=org["mediator"], decision="rejected", decided_on=today
        )


def test_confirmation_after_thirty_days_is_refused(org, med, mediated_case):
    case = mediated_case()
    today = timezone.localdate()
    agreement = final_agreement(org, case, signed_on=today - timedelta(days=31))
    with pytest.raises(ValidationError) as error:
        services.apply_confirmation(agreement=agreement, by=org["mediator"], court="甲镇人民法庭", applied_on=today)
    assert "三十日" in str(error.value)
    assert not Confirmation.objects.exists()


def test_closing_window_appears_in_the_work_list(org, med, mediated_case):
    today = timezone.localdate()
    closing = mediated_case()
    final_agreement(org, closing, signed_on=today - timedelta(days=25))
    fresh = mediated_case()
    final_agreement(org, fresh, signed_on=today - timedelta(days=3))
    expired = mediated_case()
    final_agreement(org, expired, signed_on=today - timedelta(days=31))
    section = {s.key: s for s in queries.work_sections(org["mediator"])}["confirmation"]
    assert [a.case for a in section.rows] == [closing]


# --- Failure ends through disputes' own step ---------------------------------------------------------


def test_failed_mediation_reports_the_case_with_routes(org, med, mediated_case):
    case = mediated_case()
    case = services.fail_mediation(
        case=case,
        by=org["mediator"],
        reason="双方对赔偿金额分歧过大",
        routes=["litigation", "pre_litigation"],
        version=case.version,
    )
    assert case.status == Status.PENDING_REVIEW and case.outcome == Outcome.FAILED
    assert case.routes == "litigation,pre_litigation"
    assert "诉前调解" in case.outcome_summary
    assert Mediation.objects.get(case=case).failure_reason == "双方对赔偿金额分歧过大"


def test_failed_mediation_needs_reason_and_routes(org, med, mediated_case):
    case = mediated_case()
    with pytest.raises(ValidationError) as error:
        services.fail_mediation(case=case, by=org["mediator"], reason="", routes=[], version=case.version)
    assert set(error.value.message_dict) == {"reason", "routes"}
    final_agreement(org, case)
    with pytest.raises(TransitionRefused):
        services.fail_mediation(case=case, by=org["mediator"], reason="x", routes=["litigation"], version=None)


# --- 一案一补 --------------------------------------------------------------------------------------------


def close_resolved(org, case: Case) -> Case:
    from disputes import services as case_services

    case = case_services.report_case(
        case=case, by=org["mediator"], outcome="resolved", routes=[], summary="已达成协议", version=case.version
    )
    return case_services.approve_case(case=case, by=org["township_officer"], version=case.version)


def test_negative_rate_is_refused(org):
    with pytest.raises(ValidationError) as error:
        services.set_subsidy_rate(
            by=org["county_officer"],
            difficulty="ordinary",
            category=None,
            amount=Decimal("-1"),
            valid_from=timezone.localdate(),
        )
    assert "负数" in str(error.value)
    with pytest.raises(TransitionRefused):
        services.set_subsidy_rate(
            by=org["mediator"], difficulty="ordinary", category=None, amount=Decimal(1), valid_from=timezone.localdate()
        )


def test_subsidy_statement_sums_per_mediator_and_organisation(org, med, mediated_case):
    today = timezone.localdate()
    county = org["county_officer"]
    services.set_subsidy_rate(
        by=county, difficulty="ordinary", category=None, amount=Decimal("200"), valid_from=today - timedelta(days=400)
    )
    services.set_subsidy_rate(
        by=county, difficulty="difficult", category=None, amount=Decimal("500"), valid_from=today - timedelta(days=400)
    )
    family = Category.objects.get(code="marriage_family")
    services.set_subsidy_rate(
        by=county, difficulty="ordinary", category=family, amount=Decimal("300"), valid_from=today - timedelta(days=400)
    )
    # A newer rate not yet in force must not apply.
    services.set_subsidy_rate(
        by=county, difficulty="ordinary", category=None, amount=Decimal("999"), valid_from=today + timedelta(days=1)
    )

    expected = {}
    plan = [(med.zhao, "ordinary", None, 200), (med.zhao, "difficult", None, 500), (med.qian, "ordinary", family, 300)]
    for who, difficulty, category, amount in plan:
        case = mediated_case(assign=False, **({"category": category} if category else {}))
        services.assign_mediators(case=case, by=org["mediator"], mediators=[who], lead=who, difficulty=difficulty)
        close_resolved(org, case)
        expected[who.name] = expected.get(who.name, 0) + amount
    failed = mediated_case()  # not successful: no subsidy
    services.fail_mediation(
        case=failed, by=org["mediator"], reason="分歧大", routes=["litigation"], version=failed.version
    )

    totals = queries.subsidy_totals(queries.subsidised_cases(org["county_officer"], today))
    assert {r["lead_mediator"]: r["amount"] for r in totals["mediators"]} == {
        k: Decimal(v) for k, v in expected.items()
    }
    assert [(r["mediation__organisation__unit__name"], r["n"], r["amount"]) for r in totals["organisations"]] == [
        ("甲镇人民调解委员会", 3, Decimal(sum(expected.values())))
    ]
    # The outsider's township has none of these; the mediator sees their own organisation's.
    assert not queries.subsidised_cases(org["outsider"], today).exists()
    assert queries.subsidised_cases(org["mediator"], today).count() == 3
    # Last month holds nothing.
    assert not queries.subsidised_cases(county, today.replace(day=1) - timedelta(days=1)).exists()


def test_performance_counts_success_and_satisfaction(org, med, mediated_case):
    from disputes import services as case_services

    one = close_resolved(org, mediated_case())
    case_services.evaluate_case(case=one, by=org["township_officer"], satisfaction="satisfied", version=one.version)
    two = mediated_case()
    services.fail_mediation(case=two, by=org["mediator"], reason="分歧大", routes=["litigation"], version=two.version)
    mediated_case()  # still open
    zhao = next(m for m in queries.mediator_performance(org["county_officer"]) if m.pk == med.zhao.pk)
    assert (zhao.handled, zhao.reported, zhao.resolved, zhao.open_now, zhao.rated, zhao.satisfied) == (3, 2, 1, 2, 1, 1)
    assert queries.rate(zhao.resolved, zhao.reported) == 50.0


# --- Scope -----------------------------------------------------------------------------------------------


def test_mediator_sees_only_their_organisations_cases(org, med, mediated_case, make_case):
    ours = mediated_case()
    police_case = make_case(Status.IN_PROGRESS)
    other = dispatch_to_mediation(org, intake(org), med.county_org.unit)
    visible = set(Case.objects.visible_to(org["mediator"]))
    assert ours in visible
    assert police_case not in visible and other not in visible
    work = {s.key: s for s in queries.work_sections(org["mediator"])}
    assert [c.pk for c in work["mediating"].rows] == [ours.pk]
