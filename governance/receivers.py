"""Security events raised by Django and django-axes, written to the audit log.

These receivers only record; no workflow rule lives here."""

from __future__ import annotations

from functools import wraps

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

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
    if action not in {"post_add", "post_remove"} or not pk_set:
        return
    event = AuditEvent.Action.ROLE_GRANTED if action == "post_add" else AuditEvent.Action.ROLE_REVOKED
    if reverse:  # group.user_set.add(...)
        names = [instance.name] * len(pk_set)
        users = list(User.objects.filter(pk__in=pk_set))
    else:
        users = [instance] * len(pk_set)
        names = list(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    for user, name in zip(users, names, strict=False):
        record_audit(event, user=user, detail=name)


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
