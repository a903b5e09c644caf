"""seed_demo gives the demo county online enquiries waiting (one overdue, chased by the scan), one
asked of the county, and answered ones, once."""

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from disputes.models import Consultation
from governance.models import Reminder, User


def test_seed_demo_adds_consultations_in_every_state_once(seeded, client):
    today = timezone.localdate()
    assert Consultation.objects.count() == 6
    assert Consultation.objects.overdue(today).exists()
    assert Consultation.objects.filter(state=Consultation.State.WAITING, answer_due__gte=today).exists()
    assert Consultation.objects.filter(state=Consultation.State.ANSWERED).count() == 2
    assert Consultation.objects.filter(township__isnull=True, center__kind="county_center").exists()
    overdue = Consultation.objects.overdue(today).first()
    assert Reminder.objects.filter(subject=f"consultation:{overdue.pk}").exists()  # seed_demo's scan
    client.force_login(User.objects.get(username="township"))
    work = client.get(reverse("disputes-work")).content.decode()
    assert "网上咨询待答复" in work and overdue.question[:20] in work
    assert overdue.question[:20] in client.get(reverse("disputes-supervision")).content.decode()
    call_command("seed_demo", force=True, stats_days=0)
    assert Consultation.objects.count() == 6
