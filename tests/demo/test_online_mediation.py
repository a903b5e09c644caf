"""seed_demo gives the `mediator` login one case mediated online, with messages, the applicant
joined and the respondent invited, once; its thread page opens for the mediator."""

from django.core.management import call_command
from django.test import Client

from governance.models import User
from mediation.models import Invitation, Message


def test_seed_demo_adds_one_online_mediation_for_the_mediator_login_once(seeded):
    mediator = User.objects.get(username="mediator")
    (case_id,) = set(Message.objects.values_list("case_id", flat=True))
    message = Message.objects.select_related("case__public_code").filter(case_id=case_id).first()
    case = message.case
    assert case.lead_unit_id == mediator.unit_id and case.public_code.mediation == "online"
    assert Message.objects.filter(party__isnull=False).exists() and Message.objects.filter(author=mediator).exists()
    assert Invitation.objects.filter(case=case, joined_at__isnull=False).exists()
    browser = Client()
    browser.force_login(mediator)
    page = browser.get(f"/mediation/cases/{case.number}/online/")
    assert page.status_code == 200 and 'data-testid="invite-form"' in page.content.decode()
    call_command("seed_demo", force=True, stats_days=0)
    assert Message.objects.count() == 3 and Invitation.objects.filter(case=case).count() == 2
