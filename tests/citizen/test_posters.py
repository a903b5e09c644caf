"""码上办 QR codes: a printable poster for every place of a person's jurisdiction, whose code opens
the report form with the place filled in. The case's own code on its intake receipt (一案一码):
tests/disputes/test_documents.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.posters import qr_svg

pytestmark = pytest.mark.django_db


def poster_url(place) -> str:
    return reverse("disputes-poster", args=[place.code])


def test_the_county_lists_every_place_a_township_only_its_own(org, login):
    county = login(org["county_officer"]).get(reverse("disputes-posters")).content.decode()
    for place in (org.county, org.town_a, org.town_b, org.village_a1, org.village_b1):
        assert poster_url(place) in county
    assert "甲镇综治中心" in county and "示范县综治中心" in county
    township = login(org["township_officer"]).get(reverse("disputes-posters")).content.decode()
    assert poster_url(org.town_a) in township and poster_url(org.village_a2) in township
    assert poster_url(org.county) not in township
    assert poster_url(org.town_b) not in township and poster_url(org.village_b1) not in township


def test_a_village_poster_opens_the_report_form_with_its_place(org, login, settings):
    settings.SITE_URL = "https://maishang.example.gov.cn/"
    org.center_a.phone = "0000-1234567"
    org.center_a.save(update_fields=["phone"])
    page = login(org["township_officer"]).get(poster_url(org.village_a1))
    text = page.content.decode()
    address = f"https://maishang.example.gov.cn/m/report/?place={org.village_a1.code}"
    assert page.status_code == 200
    assert "矛盾纠纷·码上办" in text and "甲镇 · 甲镇一村" in text and "0000-1234567" in text
    assert str(qr_svg(address)) in text  # the code drawn by the app, of exactly that address
    assert "<svg" in text and "http" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "@page" not in text and "poster.css" in text


def test_without_site_url_the_poster_uses_the_address_it_was_asked_at(org, login, settings):
    settings.SITE_URL = ""
    text = login(org["county_officer"]).get(poster_url(org.county)).content.decode()
    assert f"http://testserver/m/report/?place={org.county.code}" in text
    assert "示范县综治中心" in text


def test_a_township_clerk_gets_no_poster_of_another_township(org, login):
    client = login(org["township_officer"])
    assert client.get(poster_url(org.village_b1)).status_code == 404
    assert client.get(poster_url(org.county)).status_code == 404
    assert client.get(reverse("disputes-poster", args=["no-such-place"])).status_code == 404
    assert login(org["township_leader"]).get(poster_url(org.village_a1)).status_code == 200


@pytest.mark.parametrize("persona", ["police", "mediator", "grid_worker", "sysadmin"])
def test_handlers_and_administrators_get_no_posters(org, login, persona):
    client = login(org[persona])
    assert client.get(reverse("disputes-posters")).status_code == 403
    assert client.get(poster_url(org.village_a1)).status_code == 403


def test_the_poster_pages_run_a_fixed_number_of_queries(org, login, django_assert_max_num_queries):
    client = login(org["county_officer"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("disputes-posters")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(poster_url(org.village_a1)).status_code == 200
