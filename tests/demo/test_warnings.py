"""seed_demo gives the demo county warnings of every kind, open and closed, once."""

from django.core.management import call_command

from disputes.models import EarlyWarning, WarningKind


def test_seed_demo_adds_warnings_of_every_kind_once(seeded):
    assert set(EarlyWarning.objects.values_list("kind", flat=True)) == set(WarningKind.values)
    assert EarlyWarning.objects.filter(state=EarlyWarning.State.CLOSED).count() == 2
    assert all(w.cases.exists() for w in EarlyWarning.objects.all())
    count = EarlyWarning.objects.count()
    call_command("seed_demo", force=True, stats_days=0)
    assert EarlyWarning.objects.count() == count
