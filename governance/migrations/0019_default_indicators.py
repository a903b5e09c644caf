from django.db import migrations

from governance.indicator_data import load_indicators


def load(apps, schema_editor) -> None:
    load_indicators(apps.get_model("governance", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("governance", "0018_indicators")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
