"""A 履行期限 already past is refused with the date named (issue 15 finding 9); a correction keeps
the original's dates, so only a date before the original's signing is refused there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mediation import services
from mediation.models import Agreement
from tests.mediation.conftest import agreement_data, final_agreement


def test_a_past_performance_date_is_refused_and_nothing_is_saved(org, med, mediated_case):
    case = mediated_case()
    agreement = services.draft_agreement(case=case, by=org["mediator"])
    yesterday = timezone.localdate() - timedelta(days=1)
    past = [services.ObligationData("李四", "支付疏通费用八百元", yesterday)]
    with pytest.raises(ValidationError) as error:
        services.update_agreement(agreement=agreement, by=org["mediator"], data=agreement_data(obligations=past))
    message = " ".join(error.value.message_dict["__all__"])
    assert f"履行期限 {yesterday.isoformat()} 已经过去" in message
    agreement.refresh_from_db()
    assert agreement.obligations.count() == 0 and agreement.terms != agreement_data().terms
    today = [services.ObligationData("李四", "当场支付八百元", timezone.localdate())]
    services.update_agreement(agreement=agreement, by=org["mediator"], data=agreement_data(obligations=today))
    assert agreement.obligations.get().due_on == timezone.localdate()


def test_the_form_shows_the_refusal(org, med, mediated_case, login):
    case = mediated_case()
    agreement = services.draft_agreement(case=case, by=org["mediator"])
    data = agreement_data()
    form = {
        name: getattr(data, name)
        for name in ("facts", "issues", "responsibility", "terms", "performance_manner", "performance_place")
    }
    form["mediator_names"] = data.mediator_names
    yesterday = timezone.localdate() - timedelta(days=1)
    form.update(
        {
            "obligation-TOTAL_FORMS": "1",
            "obligation-INITIAL_FORMS": "0",
            "obligation-0-obligor": "李四",
            "obligation-0-content": "支付八百元",
            "obligation-0-due_on": yesterday.isoformat(),
        }
    )
    response = login(org["mediator"]).post(f"/mediation/cases/{case.number}/agreements/{agreement.pk}/edit/", form)
    assert response.status_code == 400
    assert "已经过去" in response.content.decode()


def test_a_correction_may_keep_the_original_dates(org, med, mediated_case):
    case = mediated_case()
    signed = timezone.localdate() - timedelta(days=20)
    first = final_agreement(org, case, signed_on=signed)
    second = services.correct_agreement(agreement=first, by=org["mediator"], reason="金额笔误")
    kept = [services.ObligationData("李四", "支付八百五十元", signed + timedelta(days=7))]  # now past
    services.update_agreement(agreement=second, by=org["mediator"], data=agreement_data(obligations=kept))
    before = [services.ObligationData("李四", "支付八百五十元", signed - timedelta(days=1))]
    with pytest.raises(ValidationError) as error:
        services.update_agreement(agreement=second, by=org["mediator"], data=agreement_data(obligations=before))
    assert "早于原协议的签订日期" in " ".join(error.value.message_dict["__all__"])
    assert Agreement.objects.get(pk=second.pk).status == Agreement.Status.DRAFT
