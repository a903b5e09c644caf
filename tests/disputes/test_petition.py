"""信访 as a channel with its time limits (issue 15, finding 7; 信访工作条例, from the statutory-limit
table): 15 days from receipt to accept or refuse, 60 days from acceptance to handle, at most 30 more
by an approved extension."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services
from disputes.deadlines import standing, statutory_cap
from disputes.models import Case, Channel, ExtensionRequest, Status
from governance.models import Unit
from tests.disputes.conftest import intake

DAY = date(2026, 3, 2)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def accepted_petition(org) -> Case:
    case = intake(org, channel=Channel.PETITION, source_ref="XF202603020001")
    return services.accept_case(
        case=case, by=org["township_officer"], category=case.category, risk_level=case.risk_level, version=case.version
    )


def test_a_petition_waits_for_acceptance_on_its_15_day_clock(org, login):
    with time_machine.travel(at(DAY), tick=False):
        case = intake(org, channel=Channel.PETITION)
        assert case.status == Status.SUBMITTED  # 信访 is accepted or refused, never registered at once
        clock = standing(case)
        assert clock.label == "受理告知正常，剩 15 天" and "信访工作条例" in clock.citation
        assert timezone.localtime(clock.due).date() == DAY + timedelta(days=15)
        page = login(org["township_officer"]).get(f"/cases/{case.number}/").content.decode()
        assert "受理告知正常，剩 15 天" in page and "信访" in page
    with time_machine.travel(at(DAY + timedelta(days=19)), tick=False):
        late = standing(case)
        assert (late.state, late.level, late.left) == ("overdue", "red", 4)
    # Other submissions have no acceptance clock.
    assert standing(intake(org, channel=Channel.HOTLINE_12345)) is None


def test_a_petition_is_handled_within_60_days_of_its_acceptance(org):
    with time_machine.travel(at(DAY), tick=False):
        case = accepted_petition(org)
        with pytest.raises(ValidationError, match="60日内办结"):
            services.dispatch_case(
                case=case,
                by=org["township_officer"],
                lead_unit=org.police_a,
                due=DAY + timedelta(days=61),
                version=case.version,
            )
        case.refresh_from_db()
        assert case.status == Status.REGISTERED
        case = services.dispatch_case(
            case=case,
            by=org["township_officer"],
            lead_unit=org.police_a,
            due=DAY + timedelta(days=60),
            version=case.version,
        )
        assert case.handle_due == DAY + timedelta(days=60)


def test_an_extension_of_a_petition_stops_at_30_days(org):
    with time_machine.travel(at(DAY), tick=False):
        case = accepted_petition(org)
        case = services.dispatch_case(
            case=case,
            by=org["township_officer"],
            lead_unit=org.police_a,
            due=DAY + timedelta(days=55),
            version=case.version,
        )
        case = services.sign_case(case=case, by=org["police"], version=case.version)
        extension = services.request_extension(case=case, by=org["police"], days=40, reason="需多部门会商")
        with pytest.raises(ValidationError, match="不得超过30日"):
            services.decide_extension(extension=extension, by=org["township_officer"], approve=True, days=40)
        extension.refresh_from_db()
        case.refresh_from_db()
        assert extension.decision == ExtensionRequest.Decision.PENDING and case.handle_due == DAY + timedelta(days=55)
        services.decide_extension(extension=extension, by=org["township_officer"], approve=True, days=20)
        case.refresh_from_db()
        assert case.handle_due <= DAY + timedelta(days=90)


def test_the_acceptance_limit_no_longer_caps_what_the_petition_bureau_handles(org):
    bureau = Unit.objects.create(
        code="C-XF", name="示范县信访局", kind=Unit.Kind.DEPARTMENT, sector=Unit.Sector.PETITION, region=org.county
    )
    due, statute = statutory_cap(DAY, bureau)
    assert statute.code == "petition_handling" and due == DAY + timedelta(days=60)
