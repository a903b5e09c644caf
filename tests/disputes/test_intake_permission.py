"""统一受理 is refused by the service itself, not only by the form and the page: only a center
takes in, the county center for every township, a township center for its own (issue 18)."""

from __future__ import annotations

import pytest

from disputes import services
from disputes.models import Case, Channel, Party, Status
from governance.models import Role
from tests.disputes.conftest import VALID_ID
from tests.factories import make_user

REFUSED = "只能登记本辖区的矛盾纠纷"


def walk_in(township, village) -> services.IntakeData:
    return services.IntakeData(
        channel=Channel.VISIT,
        township=township,
        village=village,
        summary="两户因宅基地边界发生争执",
        parties=[services.PartyData(role=Party.Role.APPLICANT, name="王五", id_number=VALID_ID, phone="13700137000")],
    )


@pytest.mark.parametrize(
    "persona",
    [
        "police",  # a handling department, in 甲镇 itself
        "mediator",  # a mediation committee of 甲镇
        "grid_worker",  # reports from the grid (网格上报) instead
        "leader",  # supervises, does not register
        "township_leader",
        "outsider",  # the township center of 乙镇, for 甲镇
    ],
)
def test_only_a_center_of_the_township_takes_a_dispute_in(org, persona):
    with pytest.raises(services.TransitionRefused, match=REFUSED):
        services.intake_case(by=org[persona], data=walk_in(org.town_a, org.village_a1))
    assert not Case.objects.exists()


def test_a_township_center_takes_in_for_its_own_township_only(org):
    case = services.intake_case(by=org["township_officer"], data=walk_in(org.town_a, org.village_a1))
    assert (case.status, case.intake_unit, case.registered_by) == (
        Status.REGISTERED,
        org.center_a,
        org["township_officer"],
    )
    with pytest.raises(services.TransitionRefused, match=REFUSED):
        services.intake_case(by=org["township_officer"], data=walk_in(org.town_b, org.village_b1))
    assert Case.objects.count() == 1


def test_the_county_center_takes_in_for_every_township(org):
    for township, village in ((org.town_a, org.village_a1), (org.town_b, org.village_b1)):
        case = services.intake_case(by=org["county_officer"], data=walk_in(township, village))
        assert (case.township, case.intake_unit) == (township, org.county_center)
    assert Case.objects.count() == 2


def test_a_center_clerk_without_a_unit_takes_nothing_in(org):
    # An account whose unit was never set (or was removed) has no jurisdiction.
    clerk = make_user("clerk_without_unit", Role.COUNTY_STAFF, None)
    with pytest.raises(services.TransitionRefused, match=REFUSED):
        services.intake_case(by=clerk, data=walk_in(org.town_a, org.village_a1))
    assert not Case.objects.exists()


def test_a_dispute_from_a_zero_report_is_registered_by_its_own_center_only(org):
    # 零报告 lists a dispute: only the center of the village's township turns it into a case.
    with pytest.raises(services.TransitionRefused, match=REFUSED):
        services.register_reported_dispute(
            by=org["outsider"], village=org.village_a1, grid=None, summary="报告的纠纷", category=None
        )
    with pytest.raises(services.TransitionRefused, match=REFUSED):
        services.register_reported_dispute(
            by=org["police"], village=org.village_a1, grid=None, summary="报告的纠纷", category=None
        )
    case = services.register_reported_dispute(
        by=org["township_officer"], village=org.village_a1, grid=None, summary="报告的纠纷", category=None
    )
    assert case.intake_unit == org.center_a and Case.objects.count() == 1
