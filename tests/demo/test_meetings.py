"""seed_demo gives the demo county four meetings held with decisions in every state and one still
to be held, once."""

from django.core.management import call_command
from django.utils import timezone

from disputes.models import Meeting, MeetingDecision


def test_seed_demo_adds_meetings_with_decisions_in_every_state_once(seeded):
    today = timezone.localdate()
    assert Meeting.objects.count() == 5
    coming = Meeting.objects.get(date__gt=today)
    assert not coming.decisions.exists()
    for decision in MeetingDecision.objects.select_related("owner_unit__region", "meeting__region"):
        assert decision.owner_unit.region.code.startswith(decision.meeting.region.prefix)
    assert set(Meeting.objects.values_list("kind", flat=True)) == {"joint", "consult"}
    assert MeetingDecision.objects.filter(status=MeetingDecision.Status.DONE).exists()
    assert MeetingDecision.objects.overdue(today).exists()
    assert MeetingDecision.objects.filter(status=MeetingDecision.Status.ASSIGNED, due__gte=today).exists()
    assert (
        Meeting.objects.filter(cases__isnull=False).exists() and Meeting.objects.filter(warnings__isnull=False).exists()
    )
    call_command("seed_demo", force=True, stats_days=0)
    assert (Meeting.objects.count(), MeetingDecision.objects.count()) == (5, 12)
