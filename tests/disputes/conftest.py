"""Cases in any state, made through the services (so every test case has a real history)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import Case, Category, Party, RiskLevel, Status
from tests.factories import Org

# The path from intake to each state, as (service, persona, extra arguments).
VALID_ID = "11010519491231002X"


def intake(org: Org, *, channel: str = "visit", village=None, **extra) -> Case:
    data = services.IntakeData(
        channel=channel,
        township=org.town_a,
        village=village or org.village_a1,
        summary=extra.pop("summary", "邻里之间因排水沟堵塞引发纠纷"),
        category=extra.pop("category", Category.objects.get(code="neighbourhood")),
        risk_level=extra.pop("risk_level", RiskLevel.objects.get(code="blue")),
        parties=extra.pop(
            "parties",
            [
                services.PartyData(role=Party.Role.APPLICANT, name="张三", id_number=VALID_ID, phone="13800138000"),
                services.PartyData(role=Party.Role.RESPONDENT, name="李四", phone="13900139000"),
            ],
        ),
        **extra,
    )
    return services.intake_case(by=org["township_officer"], data=data)


def advance(org: Org, case: Case, target: str) -> Case:
    """Walk a registered case forward until it reaches `target`."""
    center, police = org["township_officer"], org["police"]
    steps = [
        (
            Status.DISPATCHED,
            lambda c: services.dispatch_case(
                case=c,
                by=center,
                lead_unit=org.police_a,
                due=timezone.localdate() + timedelta(days=10),
                version=c.version,
            ),
        ),
        (Status.IN_PROGRESS, lambda c: services.sign_case(case=c, by=police, version=c.version)),
        (
            Status.PENDING_REVIEW,
            lambda c: services.report_case(
                case=c, by=police, outcome="resolved", routes=[], summary="双方达成一致", version=c.version
            ),
        ),
        (Status.CLOSED, lambda c: services.approve_case(case=c, by=center, version=c.version)),
        (
            Status.EVALUATED,
            lambda c: services.evaluate_case(case=c, by=center, satisfaction="satisfied", version=c.version),
        ),
        (
            Status.EVALUATED,
            lambda c: services.record_visit(
                case=c,
                by=center,
                method="phone",
                visited_on=timezone.localdate(),
                visitor="王回访",
                came_back=False,
                note="回访未复发",
                version=c.version,
            ),
        ),
        (Status.ARCHIVED, lambda c: services.archive_case(case=c, by=center, note="案结事了", version=c.version)),
    ]
    for _reached, step in steps:
        if case.status == target:
            break
        case = step(case)
    assert case.status == target
    return case


@pytest.fixture
def make_case(org):
    """make_case(status="in_progress", **intake_fields) → a case of 甲镇一村 in that state."""

    def _make(status: str = Status.REGISTERED, **extra) -> Case:
        if status in (Status.SUBMITTED, Status.REJECTED):
            case = intake(org, channel="hotline_12345", **extra)
            if status == Status.REJECTED:
                case = services.reject_case(
                    case=case, by=org["township_officer"], reason="in_court", route="向法院咨询", version=case.version
                )
            return case
        return advance(org, intake(org, **extra), status)

    return _make


# --- Work orders (tests/disputes/test_work_order*.py): a loopback callback receiver and the 12345 source


@pytest.fixture
def receiver():
    from tests.disputes.test_work_orders import Receiver

    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def category(db):
    return Category.objects.filter(is_active=True).first()


@pytest.fixture
def source(org, category, receiver):
    from disputes.models import Channel, WorkOrderSource
    from governance.crypto import encrypt
    from tests.disputes.test_work_orders import SECRET

    return WorkOrderSource.objects.create(
        code="12345",
        name="12345政务服务便民热线",
        channel=Channel.HOTLINE_12345,
        center=org.county_center,
        secret_encrypted=encrypt(SECRET),
        category_map={"A01": category.code},
        status_map={"accept": "QS", "return": "TH", "extension": "YQ", "close": "BJ", "visit": "HF"},
        callback_url=receiver.url,
    )
