"""A co-handling unit (联合调处) records its own progress on the case, not only files (issue 15,
finding 6): while the case is being handled, from the moment it is dispatched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import CaseEvent, Status
from tests.disputes.conftest import intake


@pytest.fixture
def co_handled(org):
    case = intake(org)
    return services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.police_a,
        co_units=[org.mediation_a],
        due=timezone.localdate() + timedelta(days=10),
        version=case.version,
    )


def progress(client, case, note: str):
    page = client.get(f"/cases/{case.number}/").content.decode()
    token = page.split('name="progress-submission" value="')[1].split('"')[0]
    return client.post(f"/cases/{case.number}/progress/", {"progress-submission": token, "progress-note": note})


def test_a_co_handling_unit_records_progress_from_the_dispatch_on(org, co_handled, login):
    client = login(org["mediator"])
    page = client.get(f"/cases/{co_handled.number}/").content.decode()
    assert 'data-testid="action-progress"' in page  # before the lead unit has even signed
    assert progress(client, co_handled, "调委会已联系双方，约定周五到场").status_code == 302
    step = co_handled.events.get(action=CaseEvent.Action.PROGRESS)
    assert step.actor == org["mediator"] and step.actor_unit == org.mediation_a
    co_handled = services.sign_case(case=co_handled, by=org["police"], version=co_handled.version)
    assert progress(client, co_handled, "现场调解一次，分歧缩小").status_code == 302
    assert co_handled.events.filter(action=CaseEvent.Action.PROGRESS).count() == 2


def test_progress_is_refused_to_those_who_do_not_handle_the_case(org, co_handled):
    # The lead unit signs first; the center, a leader and a grid worker do not write progress.
    for person, reason in (
        ("police", "请先签收"),
        ("township_officer", "无权"),
        ("leader", "无权"),
        ("grid_worker", "无权"),
    ):
        with pytest.raises(services.TransitionRefused, match=reason):
            services.add_progress(case=co_handled, by=org[person], note="进展")
    reported = services.sign_case(case=co_handled, by=org["police"], version=co_handled.version)
    reported = services.report_case(
        case=reported, by=org["police"], outcome="resolved", routes=[], summary="已调结", version=reported.version
    )
    assert reported.status == Status.PENDING_REVIEW
    with pytest.raises(services.TransitionRefused, match="办理中"):
        services.add_progress(case=reported, by=org["mediator"], note="补充说明")
    assert not reported.events.filter(action=CaseEvent.Action.PROGRESS).exists()
