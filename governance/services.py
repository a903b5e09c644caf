"""Account and audit actions. Views and signal receivers call these; nothing else writes audit rows."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from governance.models import AuditEvent, CalendarDay, CalendarYear, Role, User
from governance.network import client_ip


def record_audit(
    action: str,
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    detail: str = "",
    actor: User | None = None,
) -> AuditEvent:
    """`user` is the account concerned; `actor` who acted on it, when that is someone else."""
    from governance.requestid import current_request

    # Receivers of signals without a request (the admin's log entries) get the one running.
    request = request if request is not None else current_request.get()
    if user is not None and not username:
        username = user.get_username()
    return AuditEvent.objects.create(
        actor=actor.get_username() if actor is not None else "",
        action=action,
        user=user if user is not None and user.pk else None,
        username=username[:150],
        ip_address=client_ip(request),
        path=(request.path[:255] if request is not None else ""),
        detail=detail[:255],
        request_id=getattr(request, "request_id", ""),
    )


def purge_audit_log(*, keep_days: int | None = None) -> int:
    """Delete audit rows older than the retention (never less than AuditEvent.RETENTION_DAYS);
    returns how many. On PostgreSQL through governance_audit_purge(), a function owned by the
    owner role: the application's role may not delete audit rows itself, and the append-only
    trigger refuses any younger row whoever asks."""
    keep_days = max(keep_days or settings.AUDIT_RETENTION_DAYS, AuditEvent.RETENTION_DAYS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT governance_audit_purge(%s)", [keep_days])
                removed = cursor.fetchone()[0]
        else:
            cutoff = timezone.now() - timedelta(days=keep_days)
            removed = AuditEvent.objects.filter(at__lt=cutoff).delete()[0]
        record_audit(AuditEvent.Action.PURGED, detail=f"{removed} rows older than {keep_days} days")
    return removed


def set_own_password(*, user: User, new_password: str, request: HttpRequest | None = None) -> None:
    """The person chose a new password: the forced change is satisfied."""
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        record_audit(AuditEvent.Action.PASSWORD_CHANGED, request=request, user=user)


def grant_role(*, user: User, role: str) -> None:
    """Give a role (its group). The role-change receiver (governance/receivers.py) checks it
    against 三权分立 and audits it, as it does for grants made in the admin."""
    group, _created = Group.objects.get_or_create(name=Role(role).value)
    user.groups.add(group)
    user.__dict__.pop("role_codes", None)


# Model permissions each role's group carries (used by the admin site). Business pages check
# roles and jurisdiction instead; these only open the admin to the three administrators.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.SYSADMIN: (
        "grids.add_region",
        "grids.change_region",
        "grids.view_region",
        "grids.add_grid",
        "grids.change_grid",
        "grids.view_grid",
        "governance.add_unit",
        "governance.change_unit",
        "governance.view_unit",
        "governance.add_calendarday",
        "governance.change_calendarday",
        "governance.view_calendarday",
        "governance.delete_calendarday",
        "governance.add_calendaryear",
        "governance.change_calendaryear",
        "governance.view_calendaryear",
        "governance.delete_calendaryear",
        "grids.change_reportsettings",
        "grids.view_reportsettings",
        "grids.add_sensitiveperiod",
        "grids.change_sensitiveperiod",
        "grids.view_sensitiveperiod",
        "grids.delete_sensitiveperiod",
        "disputes.add_category",
        "disputes.change_category",
        "disputes.view_category",
        "disputes.add_risklevel",
        "disputes.change_risklevel",
        "disputes.view_risklevel",
        # The time-limit matrix and the statutory limits it cites.
        "disputes.add_timelimitrule",
        "disputes.change_timelimitrule",
        "disputes.view_timelimitrule",
        "disputes.delete_timelimitrule",
        "disputes.add_stagelimit",
        "disputes.change_stagelimit",
        "disputes.view_stagelimit",
        "disputes.delete_stagelimit",
        "disputes.change_statutorylimit",
        "disputes.view_statutorylimit",
        # The early warnings' thresholds per county (disputes/warnings.py).
        "disputes.add_warningrule",
        "disputes.change_warningrule",
        "disputes.view_warningrule",
        "disputes.delete_warningrule",
        # Mediation organisations: a unit's particulars (kind, field, region, phone), configured like
        # the units; their mediators, people with certificates, stay on the centers' roster pages.
        "mediation.add_organisation",
        "mediation.change_organisation",
        "mediation.view_organisation",
        # The dashboard's indicators (口径): adjusted, never deleted (a row is switched off instead).
        "governance.add_indicator",
        "governance.change_indicator",
        "governance.view_indicator",
        # The ranking's score bands, beside the indicators' weights.
        "governance.add_scoreband",
        "governance.change_scoreband",
        "governance.view_scoreband",
        "governance.delete_scoreband",
        # The official report tables' forms (统计报表样式), their rows and columns (inlines).
        "governance.add_reportform",
        "governance.change_reportform",
        "governance.view_reportform",
        "governance.add_reportrow",
        "governance.change_reportrow",
        "governance.view_reportrow",
        "governance.delete_reportrow",
        "governance.add_reportcolumn",
        "governance.change_reportcolumn",
        "governance.view_reportcolumn",
        "governance.delete_reportcolumn",
    ),
    Role.SECURITY_ADMIN: (
        # 工单来源 (12345, 110 …): their secrets, mappings and callback addresses.
        "disputes.add_workordersource",
        "disputes.change_workordersource",
        "disputes.view_workordersource",
        "governance.add_user",
        "governance.change_user",
        "governance.view_user",
        "governance.view_unit",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
    ),
    Role.AUDITOR: (
        "governance.view_auditevent",
        "axes.view_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ),
}


def ensure_role_groups() -> dict[str, Group]:
    """One group per role, with the admin permissions above. Idempotent."""
    from django.contrib.auth.models import Permission

    groups = {}
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        groups[role.value] = group
        wanted = ROLE_PERMISSIONS.get(role, ())
        if wanted:
            perms = Permission.objects.filter(
                content_type__app_label__in={p.split(".")[0] for p in wanted},
                codename__in={p.split(".")[1] for p in wanted},
            ).select_related("content_type")
            group.permissions.set([p for p in perms if f"{p.content_type.app_label}.{p.codename}" in wanted])
    return groups


def record_official_schedule(
    *,
    year: int,
    source: str,
    holidays: list[tuple[str, date, date]],
    working_days: list[tuple[str, date]],
    by: User | None,
) -> CalendarYear:
    """The State Council's 放假安排 for a year, as its notice lists it: each holiday's range (name,
    first day, last day) and the 调休 weekend days worked (name of the holiday they serve, day).
    All of it or nothing; afterwards the year counts as known, not estimated. A date already in
    the table (a county's own closure) takes the notice's value."""
    from governance.workdays import forget_overrides

    with transaction.atomic():
        entry = CalendarYear.objects.create(year=year, source=source, entered_by=by)
        for name, first, last in holidays:
            day = first
            while day <= last:
                CalendarDay.objects.update_or_create(
                    date=day, defaults={"is_working_day": False, "name": name, "schedule": entry}
                )
                day += timedelta(days=1)
        for name, day in working_days:
            CalendarDay.objects.update_or_create(
                date=day, defaults={"is_working_day": True, "name": f"{name}调休上班", "schedule": entry}
            )
        # Another process may have cached the old calendar between a row's save and the commit.
        transaction.on_commit(forget_overrides)
    return entry
