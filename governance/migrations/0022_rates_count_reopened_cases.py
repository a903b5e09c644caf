from django.db import migrations

from governance.indicator_data import upgrade_defaults


def upgrade(apps, schema_editor) -> None:
    upgrade_defaults(apps.get_model("governance", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("governance", "0021_default_weights_and_bands")]
    operations = [migrations.RunPython(upgrade, migrations.RunPython.noop)]
