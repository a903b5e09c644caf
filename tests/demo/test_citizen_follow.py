"""seed_demo gives every online submission its query code, a citizen's note on a case being
handled and a citizen's 不满意 asking to reopen, once."""

from django.core.management import call_command

from disputes.citizen_follow import progress
from disputes.models import Case, CaseCode, CaseEvent, Channel, Status


def test_seed_demo_gives_online_cases_codes_and_citizen_examples_once(seeded):
    online = Case.objects.filter(channel=Channel.ONLINE)
    assert online.exists() and not online.filter(public_code__isnull=True).exists()
    note = CaseEvent.objects.get(action=CaseEvent.Action.CITIZEN_NOTE)
    request = CaseEvent.objects.get(action=CaseEvent.Action.REOPEN_REQUEST)
    assert note.case.status == Status.IN_PROGRESS and note.actor is None
    assert request.case.status == Status.EVALUATED and request.case.satisfaction == "dissatisfied"
    waiting = online.get(source_ref="码上办演示-待受理", township__name="城关镇")
    to_rate = online.get(source_ref="码上办演示-待评价", township__name="城关镇")
    assert waiting.status == Status.SUBMITTED and to_rate.status == Status.CLOSED
    seen = progress(request.case)
    assert seen.steps[-1].title.startswith("您已申请重新办理") and not seen.may_rate
    codes, cases = CaseCode.objects.count(), Case.objects.count()
    call_command("seed_demo", force=True, stats_days=0)
    assert CaseCode.objects.count() == codes and Case.objects.count() == cases
    assert CaseEvent.objects.filter(action__in=["citizen_note", "reopen_request"]).count() == 2
