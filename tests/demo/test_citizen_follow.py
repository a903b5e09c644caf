"""seed_demo gives every online submission its query code and a citizen's note on an online case
being handled, once."""

from django.core.management import call_command

from disputes.citizen_follow import progress
from disputes.models import Case, CaseCode, CaseEvent, Channel, Status


def test_seed_demo_gives_online_cases_codes_and_a_citizen_note_once(seeded):
    online = Case.objects.filter(channel=Channel.ONLINE)
    assert online.exists() and not online.filter(public_code__isnull=True).exists()
    note = CaseEvent.objects.get(action=CaseEvent.Action.CITIZEN_NOTE)
    assert note.case.status == Status.IN_PROGRESS and note.actor is None and note.data == {"by_citizen": True}
    seen = progress(Case.objects.select_related("public_code").get(pk=note.case_id))
    assert seen.steps[-1].title == "您补充了情况" and seen.may_add and not seen.may_rate
    codes = CaseCode.objects.count()
    call_command("seed_demo", force=True, stats_days=0)
    assert CaseCode.objects.count() == codes
    assert CaseEvent.objects.filter(action=CaseEvent.Action.CITIZEN_NOTE).count() == 1
