"""Create the three separated administrators (三权分立) of a new installation.

Production has no superuser: the system administrator configures, the security administrator
manages accounts, the auditor reads the audit log. Each gets a one-time password that must be
changed at first login."""

from __future__ import annotations

import secrets
import string

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from governance.accounts import record_account_created
from governance.models import Role, User
from governance.services import ensure_role_groups

ALPHABET = string.ascii_letters + string.digits + "#@%+="


def temporary_password() -> str:
    while True:
        candidate = "".join(secrets.choice(ALPHABET) for _ in range(14))
        try:
            validate_password(candidate)
        except ValidationError:
            continue
        return candidate


class Command(BaseCommand):
    help = "Create the system, security and audit administrators with one-time passwords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sysadmin", default="sysadmin")
        parser.add_argument("--security-admin", default="secadmin")
        parser.add_argument("--auditor", default="auditor")

    def handle(self, *args, sysadmin: str, security_admin: str, auditor: str, **options) -> None:
        groups = ensure_role_groups()
        for username, role in (
            (sysadmin, Role.SYSADMIN),
            (security_admin, Role.SECURITY_ADMIN),
            (auditor, Role.AUDITOR),
        ):
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"{username}: 已存在，未改动")
                continue
            password = temporary_password()
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username, password=password, full_name=role.label, is_staff=True, must_change_password=True
                )
                # The role-change receiver checks 三权分立 and audits the grant.
                user.groups.add(groups[role])
                record_account_created(user=user, by=None, via="manage.py create_admins")
            self.stdout.write(f"{username}: {role.label}，一次性密码 {password}（首次登录须修改）")
