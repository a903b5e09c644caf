"""Accounts under 三权分立 and 等保2.0 三级: which roles may go together and who may change them,
password resets, creating, disabling and re-enabling accounts. The admin site, the management
commands, the scheduled task and the role-change receiver all call these, and each change is
written to the audit log with who did it, from which address, and to whom."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import ADMIN_ROLES, AuditEvent, Role, User
from governance.services import record_audit


class AccountActionRefused(Exception):
    """A change the acting person may not make; the message says why, in Chinese."""


def current_request() -> HttpRequest | None:
    """The request being served, if any: django-simple-history's middleware keeps it for the
    length of the request and forgets it in a `finally` (documented as
    HistoricalRecords.context.request), so code running outside a request never sees a stale one."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def acting_user(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# --- Roles ----------------------------------------------------------------------------------


def role_change_error(*, by: User | None, user: User, before: Iterable[str], after: Iterable[str]) -> str | None:
    """Why changing `user`'s roles from `before` to `after` is refused, or None. `by` is the person
    doing it; None for a command run on the server (the only way to grant an administrator role)."""
    before, after = set(before), set(after)
    if before == after:
        return None
    if by is not None and by.pk == user.pk:
        return _("不能修改自己的角色。")
    if by is not None and (before ^ after) & ADMIN_ROLES:
        return _("系统管理员、安全管理员、审计管理员角色只能在服务器上用 create_admins 命令设置。")
    if after & ADMIN_ROLES and len(after) > 1:
        return _("三权分立：系统管理员、安全管理员、审计管理员角色不能与其他任何角色同时授予同一账号。")
    return None


def check_role_change(*, by: User | None, user: User, before: Iterable[str], after: Iterable[str]) -> None:
    message = role_change_error(by=by, user=user, before=before, after=after)
    if message:
        raise ValidationError(message, code="role_change_refused")


def record_role_change(*, user: User, role: str, granted: bool, by: User | None, request: HttpRequest | None) -> None:
    action = AuditEvent.Action.ROLE_GRANTED if granted else AuditEvent.Action.ROLE_REVOKED
    # The role's name as the auditor reads it, with its code for searching: "人民调解员（mediator）".
    label = Role(role).label if role in Role.values else role
    record_audit(action, request=request, user=user, actor=by, detail=f"{label}（{role}）")


# --- Who may change an account in the account pages -------------------------------------------


def account_edit_error(*, by: User, user: User) -> str | None:
    """The account pages never touch another administrator's account: their roles, passwords and
    state are set on the server (create_admins, reset_admin_password)."""
    if user.pk != by.pk and user.is_administrator:
        return _("管理员账号只能在服务器上用命令管理（三权分立），这里只能查看。")
    return None


def password_reset_error(*, by: User, user: User) -> str | None:
    if user.pk == by.pk:
        return _("不能在账号管理中重置自己的密码，请使用“修改密码”。")
    if user.is_administrator:
        return _("管理员账号的密码只能在服务器上用 reset_admin_password 命令重置（三权分立）。")
    return None


def reset_password(
    *, user: User, password: str, by: User | None, request: HttpRequest | None = None, via: str = ""
) -> None:
    """A password set by someone else is temporary: its owner changes it at the next sign-in."""
    if by is not None and (message := password_reset_error(by=by, user=user)):
        raise AccountActionRefused(message)
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        record_audit(AuditEvent.Action.PASSWORD_RESET, request=request, user=user, actor=by, detail=via)


def record_account_created(
    *, user: User, by: User | None, request: HttpRequest | None = None, via: str = ""
) -> AuditEvent:
    return record_audit(AuditEvent.Action.ACCOUNT_CREATED, request=request, user=user, actor=by, detail=via)


def set_account_active(
    *, user: User, active: bool, by: User | None, request: HttpRequest | None = None, reason: str = ""
) -> bool:
    """Disable or re-enable an account; returns whether anything changed. Re-enabling stamps
    `reactivated_at`, so the inactivity task counts from then and does not disable it again."""
    if by is not None:
        if user.pk == by.pk:
            raise AccountActionRefused(_("不能停用或启用自己的账号。"))
        if message := account_edit_error(by=by, user=user):
            raise AccountActionRefused(message)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            return False
        user.is_active = active
        fields = ["is_active"]
        if active:
            user.reactivated_at = timezone.now()
            fields.append("reactivated_at")
        if by is not None:
            user._history_user = by
        user.save(update_fields=fields)
        action = AuditEvent.Action.ACCOUNT_ENABLED if active else AuditEvent.Action.ACCOUNT_DISABLED
        record_audit(action, request=request, user=user, actor=by, detail=reason)
    return True


# --- Accounts unused for long ------------------------------------------------------------------


def inactive_since(cutoff: datetime) -> Q:
    """No sign-in, creation or re-enabling since `cutoff`."""
    return (
        Q(date_joined__lt=cutoff)
        & (Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        & (Q(reactivated_at__isnull=True) | Q(reactivated_at__lt=cutoff))
    )


def disable_inactive_accounts(now: datetime | None = None) -> list[str]:
    """等保2.0: accounts nobody used for ACCOUNT_INACTIVE_DAYS are disabled (the security
    administrator re-enables them). Returns the usernames disabled."""
    now = now or timezone.now()
    days = settings.ACCOUNT_INACTIVE_DAYS
    stale = inactive_since(now - timedelta(days=days))
    reason = _("连续 %(n)d 天未使用，自动停用") % {"n": days}
    disabled = []
    for pk in User.objects.filter(stale, is_active=True).values_list("pk", flat=True):
        with transaction.atomic():
            # Checked again under the row lock: a sign-in or re-enabling since the query keeps it.
            user = User.objects.select_for_update().filter(stale, pk=pk, is_active=True).first()
            if user is None:
                continue
            user.is_active = False
            user.save(update_fields=["is_active"])
            record_audit(AuditEvent.Action.ACCOUNT_DISABLED, user=user, detail=reason)
        disabled.append(user.username)
    return disabled
