from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("组织与账号")

    def ready(self) -> None:
        from governance import checks, receivers  # noqa: F401  (deploy checks; security events → audit log)

        receivers.audit_admin_log()
