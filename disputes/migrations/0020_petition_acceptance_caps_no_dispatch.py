"""信访 (issue 15): the 15-day 受理告知 limit governs the acceptance of a 信访 case, not the handling of
whatever is dispatched to the 信访 bureau: it no longer caps that unit's dispatch deadline (the
60-day 办理 limit does). disputes/deadlines.py reads both by code for 信访 cases."""

from django.db import migrations


def forward(apps, schema_editor):
    StatutoryLimit = apps.get_model("disputes", "StatutoryLimit")
    StatutoryLimit.objects.filter(code="petition_acceptance", handled_by_sector="petition").update(handled_by_sector="")


def backward(apps, schema_editor):
    StatutoryLimit = apps.get_model("disputes", "StatutoryLimit")
    StatutoryLimit.objects.filter(code="petition_acceptance", handled_by_sector="").update(handled_by_sector="petition")


class Migration(migrations.Migration):
    dependencies = [("disputes", "0019_visit_settle_petition_choices")]

    operations = [migrations.RunPython(forward, backward)]
