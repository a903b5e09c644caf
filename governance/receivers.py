"""Security events raised by Django and django-axes, written to the audit log.

These receivers record; the one rule checked here is 三权分立 on role changes, by calling
governance.accounts.check_role_change, so that no path (admin, service, command, shell) can
combine an administrator role with another."""

from __future__ import annotations

from functools import wraps

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from governance.accounts import acting_user, check_role_change, current_request, record_role_change
from governance.models import AuditEvent, User
from governance.services import record_audit


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs) -> None:
    record_audit(AuditEvent.Action.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_audit(AuditEvent.Action.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))
    user = User.objects.filter(username=username).first() if username else None
    record_audit(AuditEvent.Action.LOGIN_FAILED, request=request, user=user, username=username)


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    user = User.objects.filter(username=username).first() if username else None
    record_audit(AuditEvent.Action.LOCKED_OUT, request=request, user=user, username=username or "")


@receiver(m2m_changed, sender=User.groups.through)
def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Before a change: refuse it if it breaks 三权分立. After: audit each grant and revocation
    with the person who made it and their address (none for a server command)."""
    if action not in {"pre_add", "pre_remove", "pre_clear", "post_add", "post_remove"}:
        return
    changes = _role_changes(instance, action, reverse, pk_set)
    request = current_request()
    by = acting_user(request)
    if action.startswith("pre_"):
        for user, names in changes.items():
            before = set(user.groups.values_list("name", flat=True))
            after = before | names if action == "pre_add" else before - names
            check_role_change(by=by, user=user, before=before, after=after)
    if action in {"post_add", "post_remove", "pre_clear"}:  # post_clear no longer knows the roles
        for user, names in changes.items():
            for name in sorted(names):
                record_role_change(user=user, role=name, granted=action == "post_add", by=by, request=request)
            user.__dict__.pop("role_codes", None)


def _role_changes(instance, action: str, reverse: bool, pk_set: set[int] | None) -> dict[User, set[str]]:
    """{user: role names} the change touches, whichever side it was made from."""
    if reverse:  # group.user_set.add(...)
        users = User.objects.filter(pk__in=pk_set) if pk_set is not None else instance.user_set.all()
        return {user: {instance.name} for user in users}
    groups = Group.objects.filter(pk__in=pk_set) if pk_set is not None else instance.groups.all()
    names = set(groups.values_list("name", flat=True))
    return {instance: names} if names else {}


ADMIN_ACTIONS = {
    ADDITION: AuditEvent.Action.ADMIN_ADDITION,
    CHANGE: AuditEvent.Action.ADMIN_CHANGE,
    DELETION: AuditEvent.Action.ADMIN_DELETION,
}


def record_admin_entries(entries: list[LogEntry]) -> None:
    """Configuration changes made in /admin/ (units, regions, grids, accounts, time limits…)."""
    for entry in entries:
        label = f"{entry.content_type.app_label}.{entry.content_type.model}" if entry.content_type_id else ""
        message = entry.get_change_message() if entry.action_flag == CHANGE else ""
        record_audit(
            ADMIN_ACTIONS[entry.action_flag],
            user=entry.user,
            detail=f"{label} #{entry.object_id} {entry.object_repr} {message}".strip(),
        )


def audit_admin_log() -> None:
    """The admin writes its history through LogEntryManager.log_actions, and deleting several
    objects at once saves those entries with bulk_create, which sends no post_save signal; so
    the entries are taken where they are made. Called once from GovernanceConfig.ready()."""
    original = LogEntryManager.log_actions
    if getattr(original, "audited", False):
        return

    @wraps(original)
    def log_actions(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        record_admin_entries([result] if isinstance(result, LogEntry) else list(result))
        return result

    log_actions.audited = True
    LogEntryManager.log_actions = log_actions
