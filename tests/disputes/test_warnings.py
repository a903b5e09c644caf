"""预警: each rule fires once at its threshold and not below, and not again on the next scan; the
notices go to the jurisdiction's centers and leaders; the scan's queries do not grow with the cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import services
from disputes.models import Category, EarlyWarning, Party, RiskLevel, Status, WarningKind, WarningRule
from disputes.warnings import close_warning, run_warning_scan
from governance.models import Notification
from governance.reminders import run_overdue_scan
from tests.disputes.conftest import intake

K = WarningKind


def only(org, kind: str, threshold: int = 0, days: int = 0, hours: int = 0) -> None:
    """The county's rules with every other kind switched off (the test cases share their parties)."""
    for k in K.values:
        WarningRule.objects.create(
            county=org.county, kind=k, threshold=threshold, days=days, hours=hours, is_active=k == kind
        )


def party(n: int, *, id_number: str = "", phone: str = "") -> list[services.PartyData]:
    return [services.PartyData(role=Party.Role.APPLICANT, name=f"当事人{n}", id_number=id_number, phone=phone)]


def test_a_spike_fires_at_its_threshold_once(org):
    only(org, K.SPIKE, threshold=3, days=7)
    land = Category.objects.get(code="land_contract")
    for n in range(2):
        intake(org, category=land, parties=party(n))
    intake(org, category=land, village=org.village_a2, parties=party(9))  # another village
    intake(org, parties=party(8))  # another category
    assert run_warning_scan().raised == {}
    third = intake(org, category=land, parties=party(3))
    run_warning_scan()
    warning = EarlyWarning.objects.get()
    assert (warning.kind, warning.village, warning.township) == (K.SPIKE, org.village_a1, org.town_a)
    assert third in warning.cases.all() and warning.cases.count() == 3
    intake(org, category=land, parties=party(4))  # the spike goes on: still the same warning
    assert run_warning_scan().raised == {}
    assert EarlyWarning.objects.count() == 1


def test_a_spike_counts_only_the_window(org):
    only(org, K.SPIKE, threshold=3, days=7)
    land = Category.objects.get(code="land_contract")
    intake(org, category=land, parties=party(1), received_at=timezone.now() - timedelta(days=8))
    for n in range(2):
        intake(org, category=land, parties=party(n + 2))
    assert run_warning_scan().raised == {}


def test_a_group_dispute_fires_at_its_threshold_once(org, make_case):
    only(org, K.GROUP, threshold=10)
    make_case(people_involved=9, parties=party(1))
    closed = make_case(Status.CLOSED, people_involved=30, parties=party(2))
    assert run_warning_scan().raised == {}
    case = make_case(people_involved=10, parties=party(3))
    assert run_warning_scan().raised == {K.GROUP: 1}
    assert list(EarlyWarning.objects.get().cases.all()) == [case]
    assert closed.warnings.count() == 0
    assert run_warning_scan().raised == {}


def test_a_repeated_party_fires_at_its_threshold_once(org):
    only(org, K.REPEAT_PARTY, threshold=3, days=90)
    same_id = "11010519491231002X"
    for n in range(2):
        intake(org, parties=party(n, id_number=same_id))
    intake(org, parties=party(5, phone="13700137000"))
    intake(org, parties=party(6, phone="13700137000"))
    assert run_warning_scan().raised == {}
    intake(org, village=org.village_a2, parties=party(7, id_number=same_id))
    intake(org, parties=party(8, phone="13700137000"))
    assert run_warning_scan().raised == {K.REPEAT_PARTY: 2}  # the ID number and the phone
    assert sorted(w.cases.count() for w in EarlyWarning.objects.all()) == [3, 3]
    intake(org, parties=party(9, id_number=same_id))
    assert run_warning_scan().raised == {}


def test_a_party_matched_by_id_and_phone_is_warned_once(org):
    only(org, K.REPEAT_PARTY, threshold=3, days=90)
    for n in range(3):
        intake(org, parties=party(n, id_number="11010519491231002X", phone="13700137000"))
    assert run_warning_scan().raised == {K.REPEAT_PARTY: 1}


def test_a_case_reported_upward_fires_once(org):
    only(org, K.UPWARD, days=30)
    intake(org, parties=party(1))  # an ordinary case stays at the township
    assert run_warning_scan().raised == {}
    group = intake(org, people_involved=6, parties=party(2))  # a group dispute is reported upward
    assert run_warning_scan().raised == {K.UPWARD: 1}
    assert list(EarlyWarning.objects.get().cases.all()) == [group]
    assert run_warning_scan().raised == {}


def test_a_walk_in_at_the_county_desk_warns_only_when_it_went_over_the_townships_head(org):
    """The county desk may take in any case: an ordinary first walk-in is not 越级. A group of five
    (越级集体访), or a person whose dispute the township took in before, is."""
    only(org, K.UPWARD, days=30)

    def at_county(parties, channel="visit", **extra):
        data = services.IntakeData(
            channel=channel,
            township=org.town_a,
            village=org.village_a1,
            summary="到县综治中心反映排水沟纠纷",
            category=Category.objects.get(code="neighbourhood"),
            risk_level=RiskLevel.objects.get(code="blue"),
            parties=parties,
            **extra,
        )
        return services.intake_case(by=org["county_officer"], data=data)

    at_county(party(1, phone="13700137001"))  # a first walk-in
    at_county(party(2), people_involved=4)  # four people: not yet a group
    intake(org, parties=party(3, phone="13700137003"))  # taken in at the township first ...
    at_county(party(3, phone="13700137003"), channel="phone")  # ... then a call to the county: not a visit
    assert run_warning_scan().raised == {}
    again = at_county(party(33, phone="13700137003"))  # ... then he walks in at the county
    group = at_county(party(5), people_involved=5)
    assert run_warning_scan().raised == {K.UPWARD: 2}
    warned = {c for w in EarlyWarning.objects.all() for c in w.cases.all()}
    assert warned == {again, group}
    assert all("直接到县综治中心反映" in w.title for w in EarlyWarning.objects.all())
    assert run_warning_scan().raised == {}


def test_a_red_case_unsigned_fires_after_its_hours_once(org, make_case):
    only(org, K.RED_UNSIGNED, hours=4)
    red = make_case(Status.DISPATCHED, risk_level=RiskLevel.objects.get(code="red"), parties=party(1))
    make_case(Status.DISPATCHED, parties=party(2))  # blue
    assert run_warning_scan(red.dispatched_at + timedelta(hours=3, minutes=59)).raised == {}
    later = red.dispatched_at + timedelta(hours=4)
    assert run_warning_scan(later).raised == {K.RED_UNSIGNED: 1}
    assert run_warning_scan(later + timedelta(hours=1)).raised == {}
    services.sign_case(case=red, by=org["police"], version=red.version)
    assert run_warning_scan(later + timedelta(hours=2)).raised == {}


def test_defaults_apply_without_rules(org, make_case):
    make_case(people_involved=10, parties=party(1))
    assert run_warning_scan().raised.get(K.GROUP) == 1


def test_a_switched_off_rule_raises_nothing(org, make_case):
    WarningRule.objects.create(county=org.county, kind=K.GROUP, threshold=5, is_active=False)
    make_case(people_involved=50, parties=party(1))
    assert K.GROUP not in run_warning_scan().raised


def test_the_notices_go_to_the_centers_and_the_leaders_read_them_in_their_daily_summary(org, make_case):
    only(org, K.GROUP, threshold=10)
    make_case(people_involved=10, parties=party(1))
    before = Notification.objects.count()
    result = run_warning_scan()
    warning = EarlyWarning.objects.get()
    notices = Notification.objects.filter(url=f"/warnings/{warning.pk}/")
    assert result.notices == notices.count() == Notification.objects.count() - before
    assert {n.unit for n in notices} == {org.center_a, org.county_center} and not notices.filter(user__isnull=False)
    for persona in ("county_officer", "township_officer"):
        assert notices.for_user(org[persona]).exists(), persona
    for persona in ("outsider", "police", "leader", "township_leader"):
        assert not notices.for_user(org[persona]).exists(), persona
    # The leaders over 甲镇 read it in their daily summary, which goes out with the first scan after 08:00.
    now = timezone.localtime()
    run_overdue_scan(max(now + timedelta(minutes=1), now.replace(hour=8, minute=30, second=0, microsecond=0)))
    for persona in ("leader", "township_leader"):
        summary = Notification.objects.get(user=org[persona], title__startswith="领导每日汇总")
        assert "新预警 1 条" in summary.title and warning.title in summary.body


def test_the_scan_reads_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    land = Category.objects.get(code="land_contract")
    for n in range(3):
        intake(org, category=land, parties=party(n, id_number="11010519491231002X"))
    with django_assert_max_num_queries(30) as few:
        run_warning_scan()
    for n in range(12):
        intake(
            org, category=land, village=org.village_a2, people_involved=12, parties=party(n + 10, phone="13700137000")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        run_warning_scan()
    assert EarlyWarning.objects.filter(kind=K.GROUP).count() == 12


def test_closing_needs_a_note_and_a_center(org, make_case):
    only(org, K.GROUP, threshold=10)
    make_case(people_involved=10, parties=party(1))
    run_warning_scan()
    warning = EarlyWarning.objects.get()
    with pytest.raises(ValidationError):
        close_warning(warning=warning, by=org["township_officer"], note="  ")
    with pytest.raises(ValidationError):
        close_warning(warning=warning, by=org["leader"], note="已阅")
    warning.refresh_from_db()
    assert warning.state == EarlyWarning.State.OPEN
    close_warning(warning=warning, by=org["township_officer"], note="已约谈双方，村调委会跟进")
    warning.refresh_from_db()
    assert (warning.state, warning.closed_by) == (EarlyWarning.State.CLOSED, org["township_officer"])
    with pytest.raises(ValidationError):
        close_warning(warning=warning, by=org["county_officer"], note="再次")


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        (K.SPIKE, {"threshold": 3, "days": 0}, "days"),
        (K.SPIKE, {"threshold": 1, "days": 7}, "threshold"),
        (K.REPEAT_PARTY, {"threshold": 3, "days": 400}, "days"),
        (K.RED_UNSIGNED, {"threshold": 0, "hours": 0}, "hours"),
    ],
)
def test_a_rule_without_its_parameters_is_refused(org, kind, values, field):
    rule = WarningRule(county=org.county, kind=kind, **values)
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert field in refused.value.message_dict
