"""The demo year of cases loaded by `seed_demo` (disputes/demo.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.core.management import call_command
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from disputes import services
from disputes.deadlines import DEADLINE_STEPS, limit_for
from disputes.demo import CASES_PER_SCALE, history_start, seed_cases
from disputes.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseSequence,
    Category,
    Channel,
    InboundOrder,
    KeyPerson,
    Party,
    RiskLevel,
    Route,
    Satisfaction,
    Status,
)
from disputes.stats import open_at_end
from governance.crypto import decrypt
from governance.models import User
from governance.stats import day_bounds
from governance.validators import validate_id_number, validate_phone
from governance.workdays import add_working_days
from grids.models import Region

# The order of the dates a case collects on its way (each one set only once it is reached).
DATE_ORDER = ("received_at", "dispatched_at", "signed_at", "reported_at", "closed_at", "evaluated_at", "archived_at")
# What each state must hold, as the services write it.
REQUIRED = {
    Status.DISPATCHED: ("lead_unit_id", "handle_due", "dispatched_at"),
    Status.IN_PROGRESS: ("lead_unit_id", "handle_due", "dispatched_at", "signed_at"),
    Status.PENDING_REVIEW: ("lead_unit_id", "signed_at", "reported_at", "outcome", "outcome_summary"),
    Status.CLOSED: ("lead_unit_id", "reported_at", "closed_at", "outcome"),
    Status.EVALUATED: ("closed_at", "evaluated_at", "satisfaction"),
    Status.ARCHIVED: ("closed_at", "evaluated_at", "satisfaction", "visited_at", "archived_at"),
    Status.REJECTED: ("reject_reason", "reject_route"),
}

# Timeline entries that do not move the case (its version counts the moves).
# Steps that write no case field: the citizen's note and reopen request (码上办) change nothing on the case.
UNVERSIONED = {"register", "submit", "progress", "notify_police", "report_upward", "citizen_note", "reopen_request"}


def test_the_demo_year_has_every_state_place_and_kind(seeded):
    cases = Case.objects.all()
    assert cases.count() >= CASES_PER_SCALE
    by_status = dict(cases.order_by().values_list("status").annotate(n=Count("id")))
    assert set(by_status) == set(Status.values)
    # A realistic mix: most of a year's cases are done, a few rejected, the open ones recent.
    done = by_status[Status.ARCHIVED] + by_status[Status.EVALUATED] + by_status[Status.CLOSED]
    assert done > 0.7 * cases.count()
    assert 0.015 * cases.count() < by_status[Status.REJECTED] < 0.05 * cases.count()
    assert cases.overdue().filter(status=Status.DISPATCHED).exists()
    assert cases.overdue().filter(status=Status.IN_PROGRESS).exists()
    assert cases.filter(reopen_count__gte=1).exists()
    assert cases.filter(status=Status.EVALUATED, satisfaction=Satisfaction.DISSATISFIED).exists()
    assert CaseEvent.objects.filter(action="evaluate", data__satisfaction=Satisfaction.DISSATISFIED).count() > 20

    # Last year and this year to date (a chart of this year against last has both); nothing
    # older than a year is still open.
    now = timezone.now()
    first = history_start(timezone.localdate())
    assert not cases.filter(received_at__gt=now).exists()
    assert not cases.filter(received_at__date__lt=first).exists()
    assert cases.filter(received_at__date__lt=first + timedelta(days=14)).exists()
    assert not cases.filter(status__in=OPEN_STATUSES, received_at__lt=now - timedelta(days=366)).exists()

    assert set(cases.values_list("category__code", flat=True)) == set(Category.objects.values_list("code", flat=True))
    assert set(cases.values_list("channel", flat=True)) == set(Channel.values)
    assert set(cases.values_list("township", flat=True)) == set(Region.objects.townships().values_list("pk", flat=True))
    # Work orders from 12345 and 110 wait for the center to accept them and set a risk level.
    assert not cases.filter(risk_level__isnull=True).exclude(status=Status.SUBMITTED, work_order__isnull=False).exists()
    risks = dict(
        cases.exclude(risk_level__isnull=True).order_by().values_list("risk_level__code").annotate(n=Count("id"))
    )
    assert set(risks) == set(RiskLevel.objects.values_list("code", flat=True))
    assert risks["blue"] > risks["yellow"] > risks["red"] > 0

    settled = set(CaseEvent.objects.filter(action="settle").values_list("case_id", flat=True))
    assert len(settled) > 20 and cases.filter(pk__in=settled, status=Status.ARCHIVED).exists()
    for case in cases.select_related("township", "village", "grid", "lead_unit", "intake_unit"):
        assert case.village.parent_id == case.township_id
        # A citizen's own report (码上办) or a work order names the village, not the grid (the clerk adds it).
        if case.grid is None:
            assert case.channel == Channel.ONLINE or InboundOrder.objects.filter(case=case).exists(), case.number
        else:
            assert case.grid.village_id == case.village_id
        assert case.number.startswith(f"{timezone.localtime(case.received_at).year}-{case.township.code[6:9]}-")
        assert case.intake_unit.region_id in (case.township_id, seeded.pk)
        if case.lead_unit is not None:
            # The township's or the county's units, or the case's own village committee (小事不出村).
            own = (f"{case.township.prefix}-", f"{seeded.prefix}-", f"{case.village.code}-VC")
            assert case.lead_unit.code.startswith(own)
        # 当场化解 in the current round (a settled case reopened later is dispatched like any other).
        desk = case.pk in settled and case.closed_at is not None and case.dispatched_at is None
        order = DATE_ORDER
        if desk:  # reported and closed in one step
            assert case.reported_at == case.closed_at, case.number
            order = tuple(name for name in DATE_ORDER if name != "reported_at")
        dates = [getattr(case, name) for name in order if getattr(case, name) is not None]
        assert dates == sorted(dates) and len(set(dates)) == len(dates), case.number
        for name in REQUIRED.get(case.status, ()):
            if name == "lead_unit_id" and desk:  # closed at the desk, never dispatched
                assert case.channel in ("visit", "phone"), case.number
                continue
            assert getattr(case, name), (case.number, name)
        if case.status in (Status.DISPATCHED, Status.IN_PROGRESS):
            limit = limit_for(case, "handle")
            assert limit.unit == "working_days"
            assert case.handle_due == add_working_days(timezone.localtime(case.dispatched_at).date(), limit.amount)
            assert case.sign_due == limit_for(case, "sign").deadline(case.dispatched_at)
        if case.outcome in ("partial", "failed"):
            assert case.routes and set(case.routes.split(",")) <= set(Route.values)
        if case.status == Status.ARCHIVED:
            assert case.satisfaction != Satisfaction.DISSATISFIED


def test_the_timeline_reads_like_the_services_wrote_it(seeded):
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "at", "id"):
        events[event.case_id].append(event)
    cases = {case.pk: case for case in Case.objects.all()}
    assert set(events) == set(cases)
    for case_id, timeline in events.items():
        case = cases[case_id]
        first = timeline[0]
        assert first.action in ("register", "submit")
        assert first.at >= case.received_at
        assert [e.pk for e in timeline] == sorted(e.pk for e in timeline)  # written in order
        status = Status.SUBMITTED
        due = None
        for previous, event in zip([None, *timeline], timeline, strict=False):
            if previous is not None:
                assert event.at > previous.at, case.number
            if event.action in DEADLINE_STEPS:  # each records the deadline in effect after it
                due = event.data["handle_due"]
            if event.action == "submit":  # as services._record writes it: where the case arrived
                assert (event.from_status, event.to_status) == ("", Status.SUBMITTED), case.number
            elif event.to_status:
                assert event.from_status == status, (case.number, event.action)
                status = event.to_status
        assert status == case.status, case.number
        if due is None:  # never dispatched
            assert case.handle_due is None, case.number
        else:
            assert due == (case.handle_due.isoformat() if case.handle_due else ""), case.number
        actions = [e.action for e in timeline]
        assert actions.count("reopen") == case.reopen_count
        assert case.version == 1 + sum(1 for a in actions if a not in UNVERSIONED)
        if case.dispatched_at:
            last_dispatch = [e for e in timeline if e.action == "dispatch"][-1]
            assert last_dispatch.at == case.dispatched_at
    # So the statistics' stock of open cases (the net of the steps into and out of an open state)
    # is the number of open cases, never a negative count.
    start, end = day_bounds(timezone.localdate())
    stock = [row["value"] for row in open_at_end(timezone.localdate(), start, end, timezone.now())]
    assert min(stock) >= 0 and sum(stock) == Case.objects.filter(status__in=OPEN_STATUSES).count() > 0
    # Actors: the demo logins where there is one for the unit, the unit always.
    # (A citizen's own steps on 码上办 have no unit: the report, a note, a rating, a reopen request;
    # nor has the arrival of a work order from another system, 12345 or 110.)
    by_citizen = (
        Q(data__by_citizen=True)
        | Q(action__in=["citizen_note", "reopen_request"])
        | Q(action="submit", case__channel=Channel.ONLINE)
        | Q(action="submit", case__work_order__isnull=False)
    )
    assert not CaseEvent.objects.filter(actor_unit__isnull=True).exclude(by_citizen).exists()
    township = User.objects.get(username="township")
    assert CaseEvent.objects.filter(actor=township, case__township__name="城关镇").exists()
    assert not CaseEvent.objects.filter(actor=township).exclude(case__township__name="城关镇").exists()


def test_each_return_visit_is_its_own_step_before_the_archive(seeded):
    """Issue 15: 群众评价 → 回访 (method, date, who, came back) → 归档; a visit that found the
    dispute back is followed by the reopen, and a case waits visited but not yet archived."""
    steps = defaultdict(list)
    for case_id, action, data in CaseEvent.objects.order_by("case_id", "at", "id").values_list(
        "case_id", "action", "data"
    ):
        steps[case_id].append((action, data))
    came_back = 0
    for timeline in steps.values():
        actions = [action for action, _data in timeline]
        for i, (action, data) in enumerate(timeline):
            if action == "archive":
                assert actions[i - 1] == "visit" and not timeline[i - 1][1]["came_back"]
            if action == "visit":
                assert actions[i - 1] == "evaluate"
                assert {"method", "visited_on", "visitor", "came_back"} <= set(data)
                if data["came_back"]:
                    came_back += 1
                    assert actions[i + 1] == "reopen"
    assert came_back > 0
    visited = Case.objects.filter(status=Status.EVALUATED, visited_at__isnull=False)
    assert not Case.objects.filter(status=Status.ARCHIVED, visited_at__isnull=True).exists()
    assert not visited.filter(satisfaction=Satisfaction.DISSATISFIED).exists()


def test_parties_carry_valid_encrypted_identifiers_and_key_persons(seeded):
    parties = Party.objects.all()
    counted = Case.objects.annotate(
        from_work_order=Exists(InboundOrder.objects.filter(case=OuterRef("pk"))),
        applicants=Count("parties", filter=Q(parties__role=Party.Role.APPLICANT)),
        respondents=Count("parties", filter=Q(parties__role=Party.Role.RESPONDENT)),
    )
    for case in counted:
        # A citizen reporting online, or a caller of 12345, may not know who the other side is.
        respondents = (0, 1) if case.channel == Channel.ONLINE or case.from_work_order else (1,)
        assert 1 <= case.applicants <= 2 and case.respondents in respondents, case.number
    people = parties.filter(kind=Party.Kind.PERSON)
    # The ID number is optional: a citizen reporting online is not asked for it, nor is a work order's caller.
    unasked = Q(case__channel=Channel.ONLINE) | Q(case__work_order__isnull=False)
    assert not people.filter(id_number_encrypted="").exclude(unasked).exists()
    for party in people.exclude(id_number_encrypted=""):
        id_number = decrypt(party.id_number_encrypted)
        assert validate_id_number(id_number) == id_number
        assert id_number.startswith("990101") and party.id_number_masked == id_number[:3] + "*" * 11 + id_number[-4:]
        assert validate_phone(decrypt(party.phone_encrypted))
    organisations = parties.filter(kind=Party.Kind.ORGANISATION)
    assert organisations.exists() and not organisations.exclude(id_number_encrypted="").exists()
    # Every case and party has its history (the demo citizen's cases went through the services: more versions).
    assert Party.history.count() == parties.count()
    assert Case.history.values("id").distinct().count() == Case.objects.count() <= Case.history.count()

    # 重点人员: three or more cases within a year, listed once from the third on (as intake does).
    key = people.filter(key_marks__state="active")
    assert key.count() >= 5 and KeyPerson.objects.count() == key.count()
    for party in key.select_related("case"):
        since = party.case.received_at - timedelta(days=365)
        same = people.filter(id_number_index=party.id_number_index, case__received_at__gte=since)
        assert same.filter(case__received_at__lte=party.case.received_at).values("case").distinct().count() >= 3
    repeated = people.order_by().values("id_number_index").annotate(n=Count("case", distinct=True)).filter(n__gte=3)
    assert repeated.count() >= 5


def test_a_second_run_adds_nothing_and_intake_continues_the_numbers(seeded):
    before = (Case.objects.count(), Party.objects.count(), CaseEvent.objects.count())
    call_command("seed_demo", stats_days=0)
    assert (Case.objects.count(), Party.objects.count(), CaseEvent.objects.count()) == before

    for sequence in CaseSequence.objects.select_related("township"):
        numbers = Case.objects.filter(number__startswith=f"{sequence.year}-{sequence.township.code[6:9]}-")
        assert sequence.last == numbers.count() == int(numbers.order_by("-number").first().number[-5:])

    township = Region.objects.get(name="城关镇")
    user = User.objects.get(username="township")
    village = township.children.order_by("code").first()
    case = services.intake_case(
        by=user,
        data=services.IntakeData(
            channel="visit",
            township=township,
            village=village,
            grid=village.grids.first(),
            summary="邻里之间因排水沟堵塞引发纠纷",
            category=Category.objects.get(code="neighbourhood"),
            risk_level=RiskLevel.objects.get(code="blue"),
            parties=[services.PartyData(role=Party.Role.APPLICANT, name="张三", phone="13800138000")],
        ),
    )
    year = timezone.localdate().year
    seeded_last = Case.objects.filter(number__startswith=f"{year}-001-").exclude(pk=case.pk).count()
    assert case.number == f"{year}-001-{seeded_last + 1:05d}"

    # Cases gone (or never there) are topped up, with numbers that go on after the last one.
    # (Not a case a night-visit issue became: the issue keeps its case.)
    # Beyond disputes/demo.py's cases the county holds the one just taken in and the work orders'
    # (disputes/workorder_demo.py, which keep their cases): four fewer than the target are topped up.
    extra = Case.objects.count() - CASES_PER_SCALE
    marked = KeyPerson.objects.values("case_id")  # a 重点人员 mark keeps its case too
    latest = (
        Case.objects.filter(visit_issue__isnull=True, work_order__isnull=True)
        .exclude(pk__in=marked)
        .order_by("-received_at")
    )
    Case.objects.filter(pk__in=latest.values("pk")[: extra + 4]).delete()
    assert seed_cases(seeded, scale=1) == 4
    assert Case.objects.count() == CASES_PER_SCALE
    assert Case.objects.values("number").distinct().count() == CASES_PER_SCALE
