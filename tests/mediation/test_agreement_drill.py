"""调解协议 (/mediation/agreements/) as the list behind the dashboard's 协议数 and 司法确认数
(mediation/stats.py, agreement_records): the agreements the statistics counted, so the list's count
equals the number; scoped like the subsidy pages; a malformed drill is refused in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.dashboard import build
from governance.models import DailyStat
from governance.stats import fill_day
from mediation import services
from tests.factories import PERSONAS
from tests.mediation.conftest import final_agreement


def total(metric: str, prefix: str = "") -> int:
    return sum(DailyStat.objects.filter(metric=metric, region_code__startswith=prefix).values_list("value", flat=True))


@pytest.fixture
def signed(org, mediated_case):
    """Three agreements of 甲镇 (one signed yesterday), the last applied for and confirmed today."""
    today = timezone.localdate()
    agreements = [final_agreement(org, mediated_case(), signed_on=today - timedelta(days=n)) for n in (1, 0, 0)]
    confirmation = services.apply_confirmation(
        agreement=agreements[-1], by=org["mediator"], court="示范县人民法院", applied_on=today
    )
    services.decide_confirmation(confirmation=confirmation, by=org["mediator"], decision="confirmed", decided_on=today)
    for day in (today - timedelta(days=1), today):
        fill_day(day)
    return agreements


def drill(client, metric: str, prefix: str, extra: str = ""):
    today = timezone.localdate()
    return client.get(
        f"/mediation/agreements/?stat={metric}&from={today - timedelta(days=6)}&to={today}&in={prefix}{extra}"
    )


def test_each_agreement_number_lists_its_agreements(org, signed, login):
    client = login(org["county_officer"])
    expected = {"agreements_signed": 3, "confirmations_applied": 1, "confirmations_confirmed": 1}
    for metric, n in expected.items():
        assert total(metric) == n
        for prefix in (org.county.prefix, org.town_a.prefix, org.town_b.prefix, org.village_a1.code):
            response = drill(client, metric, prefix)
            assert response.status_code == 200
            assert response.context["records"] == total(metric, prefix), (metric, prefix)
            assert response.context["page"].paginator.count == total(metric, prefix)
    confirmed = drill(client, "confirmations_confirmed", org.county.prefix).context["page"].object_list
    assert [a.pk for a in confirmed] == [signed[-1].pk]
    body = drill(client, "agreements_signed", org.county.prefix).content.decode()
    assert 'data-testid="drill-banner"' in body and signed[0].case.number in body
    # The level of the mediation organisation (甲镇's committee: township) filters like the rows.
    assert drill(client, "agreements_signed", "990101", "&d_level=township").context["records"] == 3
    assert drill(client, "agreements_signed", "990101", "&d_level=village").context["records"] == 0
    # Without a drill: the signed agreements the person may count.
    assert client.get("/mediation/agreements/").context["page"].paginator.count == 3


def test_the_dashboard_cards_link_to_the_agreements_and_add_up(org, signed, login):
    client = login(org["leader"])
    board, _problem = build(org["leader"], {"w": "today"})
    card = next(c for c in board.cards if c.indicator.code == "confirmations")
    assert card.numerator_url.startswith("/mediation/agreements/?")
    assert client.get(card.numerator_url).context["records"] == card.result.current.value == 1
    # 协议数 stands beside 司法确认数 in its card, a link too.
    assert card.beside.indicator.code == "agreements" and card.beside_url.startswith("/mediation/agreements/?")
    assert client.get(card.beside_url).context["records"] == card.beside.current.value == 2


ALLOWED = {"county_officer", "township_officer", "leader", "township_leader", "mediator"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_the_drill_and_what_they_see(org, signed, login, persona):
    response = drill(login(org[persona]), "agreements_signed", org.town_a.prefix)
    if persona in ALLOWED:
        assert response.status_code == 200
        assert response.context["records"] == 3
    elif persona == "outsider":  # 乙镇's center: 甲镇 is outside
        assert response.status_code == 200
        assert "超出您的工作范围" in response.content.decode()
        assert response.context["page"].paginator.count == 0
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("stat=received&from={d}&to={d}&in=990101001", "不是人民调解协议的统计指标"),
        ("stat=no+such&from={d}&to={d}&in=990101001", "无法识别"),
        ("stat=agreements_signed&from=20x&to={d}&in=990101001", "日期格式不对"),
        ("stat=agreements_signed&from={d}&to=2100-01-01&in=990101001", "不能统计未来"),
        ("stat=agreements_signed&from={d}&to={d}&in=abc", "区划代码无效"),
    ],
)
def test_a_malformed_drill_is_refused_in_chinese(org, signed, login, query, message):
    today = timezone.localdate().isoformat()
    response = login(org["township_officer"]).get("/mediation/agreements/?" + query.format(d=today))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["page"].paginator.count == 0


@pytest.mark.parametrize("extra", [0, 5])
def test_the_drill_takes_a_fixed_number_of_queries(
    org, signed, login, mediated_case, django_assert_max_num_queries, extra
):
    for _n in range(extra):
        final_agreement(org, mediated_case())
    client = login(org["county_officer"])
    with django_assert_max_num_queries(14):
        assert drill(client, "agreements_signed", org.county.prefix).status_code == 200
