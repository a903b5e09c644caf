"""Demo data of 码上办: the centers' phone numbers (printed on their posters), and for the demo's
cases that came in on 网上/扫码 the query code a citizen's report gets (一案一码), with the
mediation the citizen asked for and the privacy notice acknowledged when it was sent. No case is
added, so the demo's figures stay as disputes/demo.py makes them. Idempotent."""

from __future__ import annotations

import secrets

from disputes.citizen import ALPHABET, CODE_LENGTH
from disputes.citizen_intake import PRIVACY_NOTICE_VERSION
from disputes.models import Case, CaseCode, Channel
from governance.models import Unit
from grids.models import Region


def seed_citizen_codes(county: Region) -> int:
    """The centers' phones, then the online cases' codes; returns how many codes were added."""
    centers = Unit.objects.filter(
        kind__in=[Unit.Kind.COUNTY_CENTER, Unit.Kind.TOWNSHIP_CENTER], region__code__startswith=county.prefix
    ).order_by("code")
    for n, center in enumerate(centers):
        if not center.phone:
            center.phone = f"0000-66{n:05d}"
            center.save(update_fields=["phone"])
    cases = (
        Case.objects.filter(channel=Channel.ONLINE, township__code__startswith=county.prefix, public_code__isnull=True)
        .order_by("id")
        .values_list("id", "received_at")
    )
    rows = [
        CaseCode(
            case_id=case_id,
            code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
            # One in three asks for online mediation (the rest would rather sit at a table).
            mediation=CaseCode.Mediation.ONLINE if case_id % 3 == 0 else CaseCode.Mediation.IN_PERSON,
            consented_at=received_at,
            notice_version=PRIVACY_NOTICE_VERSION,
            created_at=received_at,
        )
        for case_id, received_at in cases
    ]
    CaseCode.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
