"""The printable documents: 受理回执 (with its stub) and 转办单."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.citizen import display_code
from disputes.models import CaseCode, Party, Status
from disputes.posters import qr_svg
from tests.disputes.conftest import VALID_ID

MASKED_ID = "110***********002X"


def receipt_url(case) -> str:
    return f"/cases/{case.number}/receipt/"


def order_url(case) -> str:
    return f"/cases/{case.number}/dispatch-order/"


def test_receipt_shows_number_applicant_and_masked_identifiers_only(org, login, make_case):
    case = make_case(Status.REGISTERED)
    response = login(org["township_officer"]).get(receipt_url(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert "矛盾纠纷受理回执" in body and "甲镇综治中心" in body
    # The number twice: on the receipt and on the stub the center keeps.
    assert body.count(case.number) >= 2
    assert "张三" in body and "李四" in body
    assert MASKED_ID in body and "138****8000" in body
    assert VALID_ID not in body and "13800138000" not in body
    assert "已受理" in body and "依法分流办理" in body
    assert "存根" in body and "盖章" in body and "打印" in body
    # Received time in Beijing time, in the zh-hans date format.
    assert timezone.localtime(case.received_at).strftime("%H:%M") in body


def test_receipt_of_rejected_case_gives_reason_and_route(org, login, make_case):
    case = make_case(Status.REJECTED)
    body = login(org["township_officer"]).get(receipt_url(case)).content.decode()
    assert "不予受理" in body
    assert "已由人民法院受理或正在诉讼、执行中" in body
    assert "向法院咨询" in body
    assert "依法分流办理" not in body


def test_receipt_of_submission_not_yet_accepted_says_so(org, login, make_case):
    body = login(org["township_officer"]).get(receipt_url(make_case(Status.SUBMITTED))).content.decode()
    assert "待审查" in body and "将尽快审查并告知是否受理" in body
    assert "依法分流办理" not in body


def test_receipt_uses_no_outside_assets(org, login, make_case):
    body = login(org["township_officer"]).get(receipt_url(make_case())).content.decode()
    assert "/static/css/print.css" in body
    assert "http://" not in body and "https://" not in body and "//cdn" not in body


def test_dispatch_order_shows_units_deadline_risk_and_note(org, login, make_case):
    case = services.intake_case(
        by=org["township_officer"],
        data=services.IntakeData(
            channel="visit",
            township=org.town_a,
            village=org.village_a1,
            summary="十余户村民因土地流转款分配发生争执",
            demands="按户平均分配",
            category=make_case().category,
            risk_level=make_case().risk_level,
            people_involved=12,
            amount=86000,
            place="村委会门口",
            major_emergency=True,
            parties=[services.PartyData(role="applicant", name="王五", id_number=VALID_ID)],
        ),
    )
    due = timezone.localdate() + timedelta(days=7)
    services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.police_a,
        co_units=[org.mediation_a],
        due=due,
        note="请派出所牵头，调委会协助",
        version=case.version,
    )
    response = login(org["police"]).get(order_url(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert "矛盾纠纷转办单" in body and case.number in body
    assert "甲镇派出所" in body and "甲镇人民调解委员会" in body and "甲镇综治中心" in body
    assert f"{due.year}年{due.month}月{due.day}日" in body
    assert case.risk_level.name in body and f"color: {case.risk_level.color}" in body
    assert "请派出所牵头，调委会协助" in body
    assert "按户平均分配" in body and "86000" in body and "村委会门口" in body
    assert "签收人" in body and "签收时间" in body
    assert MASKED_ID in body and VALID_ID not in body


def test_dispatch_order_of_case_in_progress(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    body = login(org["township_officer"]).get(order_url(case)).content.decode()
    assert "甲镇派出所" in body and case.number in body


@pytest.mark.parametrize("status", [Status.REGISTERED, Status.SUBMITTED, Status.REJECTED])
def test_no_dispatch_order_before_dispatch(org, login, make_case, status):
    case = make_case(status)
    assert login(org["township_officer"]).get(order_url(case)).status_code == 404


def test_no_dispatch_order_once_returned(org, login, make_case):
    case = make_case(Status.DISPATCHED)
    services.return_case(case=case, by=org["police"], reason="不属于本单位职责", version=case.version)
    assert login(org["township_officer"]).get(order_url(case)).status_code == 404


def test_outsider_gets_not_found(org, login, make_case):
    case = make_case(Status.DISPATCHED)
    client = login(org["outsider"])
    for url in (receipt_url(case), order_url(case)):
        response = client.get(url)
        assert response.status_code == 404
        assert "张三" not in response.content.decode()


def test_grid_worker_is_refused(org, login, make_case):
    case = make_case(Status.DISPATCHED)
    client = login(org["grid_worker"])
    assert client.get(receipt_url(case)).status_code == 403
    assert client.get(order_url(case)).status_code == 403


def test_documents_run_a_fixed_number_of_queries(org, login, make_case, django_assert_max_num_queries):
    case = make_case(Status.IN_PROGRESS)
    case.co_units.add(org.mediation_a)  # a case without co-units does not ask for them (scoped_case)
    client = login(org["township_officer"])
    counts = {}
    for url in (receipt_url(case), order_url(case)):
        with django_assert_max_num_queries(25) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    # A longer history, more parties and co-units cost nothing more.
    for n in range(10):
        services.add_progress(case=case, by=org["police"], note=f"第{n}次联系当事人")
    case.co_units.add(org.center_b)
    for n in range(5):
        Party.objects.create(case=case, role=Party.Role.THIRD, name=f"第三人{n}")
    for url, before in counts.items():
        with django_assert_max_num_queries(before):
            assert client.get(url).status_code == 200


def test_the_receipt_carries_the_case_qr_and_query_code(org, login, make_case, settings):
    settings.SITE_URL = "https://maishang.example.gov.cn"
    case = make_case(Status.REGISTERED)
    client = login(org["township_officer"])
    text = client.get(f"/cases/{case.number}/receipt/").content.decode()
    code = CaseCode.objects.get(case=case).code
    assert display_code(code) in text
    assert str(qr_svg(f"https://maishang.example.gov.cn/m/follow/?code={code}")) in text
    # A reprint shows the same code: one case, one code.
    again = client.get(f"/cases/{case.number}/receipt/").content.decode()
    assert display_code(code) in again and CaseCode.objects.filter(case=case).count() == 1
