from django.db import migrations


def load(apps, schema_editor):
    from disputes.reference import load_time_limits

    load_time_limits(
        apps.get_model("disputes", "StatutoryLimit"),
        apps.get_model("disputes", "TimeLimitRule"),
        apps.get_model("disputes", "StageLimit"),
        apps.get_model("disputes", "RiskLevel"),
    )


class Migration(migrations.Migration):
    dependencies = [("disputes", "0005_time_limits")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
