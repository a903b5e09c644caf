"""seed_demo gives the demo county night visits: the demo leaders have some, every ending occurs."""

from django.core.management import call_command
from django.utils import timezone

from visits.models import Kind, Visit, VisitIssue


def test_seed_demo_adds_visits_once(seeded):
    today = timezone.localdate()
    for username in ("leader", "tleader"):
        mine = Visit.objects.filter(leader_rows__leader__username=username)
        assert mine.filter(date__gte=today, status=Visit.Status.PLANNED).exists(), username
        assert mine.filter(date__lt=today, status=Visit.Status.RECORDED).exists(), username
    assert Visit.objects.filter(kind=Kind.RECEPTION).exists()
    statuses = set(VisitIssue.objects.values_list("status", flat=True))
    assert {"resolved", "assigned", "closed", "case"} <= statuses
    linked = VisitIssue.objects.filter(case__isnull=False).select_related("case")
    assert linked.exists() and all(i.case.channel in {"night_visit", "visit"} for i in linked)
    assert VisitIssue.objects.overdue(today).exists()
    counts = (Visit.objects.count(), VisitIssue.objects.count())
    call_command("seed_demo", force=True, stats_days=0)
    assert (Visit.objects.count(), VisitIssue.objects.count()) == counts
