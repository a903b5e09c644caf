"""Disable the accounts unused for ACCOUNT_INACTIVE_DAYS now (beat runs the same nightly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from governance.accounts import disable_inactive_accounts


class Command(BaseCommand):
    help = "Disable accounts without a sign-in for ACCOUNT_INACTIVE_DAYS (等保2.0); each is audited."

    def handle(self, *args, **options) -> None:
        disabled = disable_inactive_accounts()
        self.stdout.write(
            f"已停用 {len(disabled)} 个长期未使用的账号" + (f"：{'、'.join(disabled)}" if disabled else "")
        )
