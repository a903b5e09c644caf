"""码上办 QR codes: the printable poster of every place (the county center, each township center,
each village or community) whose code opens the report form with the place filled in, and the
case's own code (一案一码) on its intake receipt. The codes are drawn here (segno, inline SVG);
nothing is fetched from outside. The address in a code is absolute: settings.SITE_URL (the public
host the citizens' phones reach), else the address this page was asked at."""

from __future__ import annotations

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from disputes.citizen_intake import receiving_center
from governance.models import Unit
from governance.public_site import PUBLIC_PREFIX
from governance.views import nav_required
from grids.models import Region


def public_address(request: HttpRequest, path: str) -> str:
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def report_address(request: HttpRequest, place: Region) -> str:
    """What a place's poster opens: the report form, the place filled in."""
    return public_address(request, f"{reverse('citizen-report')}?place={place.code}")


def follow_address(request: HttpRequest, code: str) -> str:
    """What a receipt's code opens: the follow page of the case (码上办 · 查询进度)."""
    return public_address(request, f"{PUBLIC_PREFIX}follow/?code={code}")


def qr_svg(address: str) -> SafeString:
    """The address as an inline SVG QR code (error correction M: a poster survives some wear)."""
    svg = segno.make_qr(address, error="m").svg_inline(omitsize=True, svgclass="qr-code")
    # segno's own markup: the address is drawn as path data, no text of ours is copied in.
    return mark_safe(svg)


@nav_required("posters")
def poster_list(request: HttpRequest) -> HttpResponse:
    """Every place of the person's jurisdiction with its poster, the county first, each township
    followed by its villages and communities (codes nest, so code order is that order)."""
    places = list(Region.objects.visible_to(request.user).order_by("code"))
    centers = {
        unit.region_id: unit
        for unit in Unit.objects.filter(
            kind__in=[Unit.Kind.COUNTY_CENTER, Unit.Kind.TOWNSHIP_CENTER], is_active=True, region__in=places
        )
    }
    # A village's reports go to its township's center (disputes.citizen_intake.receiving_center).
    rows = [
        (place, centers.get(place.pk if place.level != Region.Level.VILLAGE else place.parent_id)) for place in places
    ]
    return render(request, "disputes/posters.html", {"rows": rows})


@nav_required("posters")
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """One place's A4 poster; a place outside the person's jurisdiction is a 404."""
    place = get_object_or_404(Region.objects.visible_to(request.user).select_related("parent"), code=code)
    address = report_address(request, place)
    return render(
        request,
        "disputes/poster.html",
        {"place": place, "center": receiving_center(place), "address": address, "qr": qr_svg(address)},
    )
