from django.db import migrations

from disputes.reference import load_reference_data


def load(apps, schema_editor) -> None:
    load_reference_data(apps.get_model("disputes", "Category"), apps.get_model("disputes", "RiskLevel"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
