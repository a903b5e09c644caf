"""The demo county's warnings (seed_demo): what the scan finds in the demo cases, then, for a kind
the demo's cases do not reach at the county's thresholds, the strongest example under looser ones
(two cases, a year, an hour), so every kind shows; two warnings closed with a note. Idempotent: the
warnings' keys are unique and a second run finds each kind present."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from disputes.models import EarlyWarning, WarningKind, WarningRule
from disputes.warnings import DETECTORS, SCAN_NAME, close_warning, raise_warnings, run_warning_scan
from governance.models import Heartbeat, Role, User
from grids.models import Region

CLOSE_NOTES = (
    "已召集村调委会、派出所联合走访，双方达成调解意向，持续跟踪。",
    "已由镇综治中心约谈当事人，纳入重点人员跟踪回访。",
)


def seed_warnings(county: Region) -> int:
    before = EarlyWarning.objects.count()
    run_warning_scan()
    now = timezone.now()
    ours = EarlyWarning.objects.filter(township__code__startswith=county.prefix)
    present = set(ours.values_list("kind", flat=True))
    with transaction.atomic():
        Heartbeat.objects.get_or_create(name=SCAN_NAME, defaults={"at": now})
        Heartbeat.objects.select_for_update().filter(name=SCAN_NAME).first()
        for kind in WarningKind.values:
            if kind in present:
                continue
            loose = WarningRule(county=county, kind=kind, threshold=2, days=365, hours=1)
            raise_warnings(DETECTORS[kind](loose, now)[:1], now)
    clerk = User.objects.with_role(Role.COUNTY_STAFF).filter(unit__region=county, is_active=True).first()
    if clerk is not None and not ours.filter(state=EarlyWarning.State.CLOSED).exists():
        for warning, note in zip(ours.open().order_by("raised_at", "pk")[:2], CLOSE_NOTES, strict=False):
            close_warning(warning=warning, by=clerk, note=note)
    return EarlyWarning.objects.count() - before
