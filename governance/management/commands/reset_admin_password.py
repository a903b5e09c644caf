"""Reset an administrator's password on the server (三权分立: the security administrator cannot
reset the system administrator's or the auditor's password in the account pages, nor his own)."""

from __future__ import annotations

from axes.utils import reset as reset_lockouts
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from governance.accounts import reset_password, set_account_active
from governance.management.commands.create_admins import temporary_password
from governance.models import User

VIA = "manage.py reset_admin_password"


class Command(BaseCommand):
    help = (
        "Give an administrator (sysadmin, secadmin, auditor) a one-time password; re-enables and unlocks the account."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在")
        if not user.is_administrator:
            raise CommandError(f"{username} 不是管理员账号；其他账号的密码由安全管理员在账号管理中重置")
        password = temporary_password()
        with transaction.atomic():
            reset_password(user=user, password=password, by=None, via=VIA)
            set_account_active(user=user, active=True, by=None, reason=VIA)
        reset_lockouts(username=username)
        self.stdout.write(f"{username}: 一次性密码 {password}（登录后须立即修改）")
