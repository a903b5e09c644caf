from django.db import migrations

from governance.indicator_data import load_weights_and_bands


def load(apps, schema_editor) -> None:
    load_weights_and_bands(apps.get_model("governance", "Indicator"), apps.get_model("governance", "ScoreBand"))


class Migration(migrations.Migration):
    dependencies = [("governance", "0020_ranking_weights_and_bands")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
