from django.conf import settings
from django.core.checks import Tags, Warning, register


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
