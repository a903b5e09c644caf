"""A full ID or phone number never travels in an address: the search is a POST, the term waits in
the session under a token, and the list keeps its filters, pages and reloads."""

from __future__ import annotations

import time_machine
from django.utils import timezone

from disputes.models import Status
from disputes.services import PartyData
from tests.disputes.conftest import VALID_ID, intake


def stranger_case(org):
    return intake(org, parties=[PartyData(role="applicant", name="王五", phone="13700137000")])


def search(client, **data):
    response = client.post("/cases/", data)
    assert response.status_code == 302
    return response["Location"]


def test_searching_by_id_number_keeps_the_number_out_of_the_address(org, login, make_case):
    case = make_case(Status.REGISTERED)
    other = stranger_case(org)
    client = login(org["township_officer"])
    location = search(client, q=VALID_ID, status="registered")
    assert VALID_ID not in location and "s=" in location and "status=registered" in location
    body = client.get(location).content.decode()
    assert case.number in body and other.number not in body
    assert VALID_ID in body  # the search box shows the term on the page (not cached), not in the address
    again = client.get(location).content.decode()  # a reload works
    assert case.number in again and other.number not in again


def test_phone_search_with_pagination_keeps_the_term(org, login, make_case):
    for _n in range(22):
        intake(org)
    stranger_case(org)
    client = login(org["township_officer"])
    location = search(client, q="138 0013 8000")
    first = client.get(location)
    assert first.context["page"].paginator.count == 22
    second = client.get(location + "&page=2")
    assert second.context["page"].paginator.count == 22 and len(second.context["page"].object_list) == 2
    assert "13800138000" not in location


def test_a_number_typed_into_the_address_is_not_searched(org, login, make_case):
    make_case(Status.REGISTERED)
    stranger_case(org)
    client = login(org["township_officer"])
    response = client.get("/cases/", {"q": "13800138000"})
    assert response.context["page"].paginator.count == 2  # the term was dropped, not used
    assert "不能写在网址中" in response.content.decode()
    by_name = client.get("/cases/", {"q": "张三"})  # an ordinary term in the address still works
    assert by_name.context["page"].paginator.count == 1


def test_a_token_expires_and_is_private_to_the_session(org, login, make_case, monkeypatch):
    from disputes import filters

    monkeypatch.setattr(filters, "SEARCH_TOKEN_SECONDS", 120)  # shorter than the idle logout
    make_case(Status.REGISTERED)
    stranger_case(org)
    client = login(org["township_officer"])
    location = search(client, q=VALID_ID)
    from django.test import Client

    stranger = Client()
    stranger.force_login(org["county_officer"])
    assert stranger.get(location).context["page"].paginator.count == 2  # someone else's token finds nothing
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=3)):
        late = client.get(location)
    assert late.context["page"].paginator.count == 2
    assert "已过期" in late.content.decode()
