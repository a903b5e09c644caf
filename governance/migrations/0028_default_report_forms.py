from django.db import migrations

from governance.report_data import load_report_forms


def load(apps, schema_editor) -> None:
    load_report_forms(*(apps.get_model("governance", name) for name in ("ReportForm", "ReportRow", "ReportColumn")))


class Migration(migrations.Migration):
    dependencies = [("governance", "0027_report_tables")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
