from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone


@register(Tags.security, deploy=True)
def personal_data_keys(app_configs, **kwargs) -> list[Warning]:
    missing = [name for name in ("FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY") if not getattr(settings, name)]
    if not missing:
        return []
    return [
        Warning(
            f"{', '.join(missing)} not set: derived from SECRET_KEY, so rotating SECRET_KEY would make "
            "stored ID and phone numbers unreadable and unsearchable.",
            hint="Set both in the environment (see deploy/env.example).",
            id="governance.W001",
        )
    ]


@register("calendar")
def calendar_years_known(app_configs, **kwargs) -> list[Warning]:
    """The next 90 days reach a year whose holiday schedule nobody has entered: deadlines there
    are counted on the statutory holidays alone (预估), without the State Council's 调休."""
    from governance.workdays import WARN_AHEAD_DAYS, unknown_years_ahead

    try:
        years = unknown_years_ahead(timezone.localdate())
    except DatabaseError:  # before `migrate` (the admin's table missing): nothing to tell yet
        return []
    if not years:
        return []
    return [
        Warning(
            f"Working-day calendar unknown for {', '.join(map(str, years))}, within the next {WARN_AHEAD_DAYS} "
            "days: deadlines there count the statutory holidays by rule, without the State Council's 调休.",
            hint="Enter the year's schedule in /admin/governance/calendaryear/add/ (sysadmin), "
            "or upgrade chinesecalendar once a release carries it.",
            id="governance.W011",
        )
    ]
