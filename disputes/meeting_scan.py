"""The overdue scan's part for meeting decisions (议定事项), listed in settings.OVERDUE_SCANNERS.

The levels are the night-visit issues' (`governance.reminders.item_level`): 临期 to the owner unit;
黄牌 to the owner unit and its heads; 红牌 to the unit heads and the convening center, every day.
Two queries whatever the number of decisions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import MeetingDecision
from governance.models import Reminder
from governance.reminders import Due, item_candidates_due_by, item_level, unit_heads


def decision_dues(now: datetime) -> Iterator[Due]:
    today = timezone.localdate(now)
    candidates = list(
        MeetingDecision.objects.filter(status=MeetingDecision.Status.ASSIGNED, due__lte=item_candidates_due_by(today))
        .select_related("owner_unit", "meeting")
        .order_by("due", "pk")
    )
    if not candidates:
        return
    heads = unit_heads(d.owner_unit_id for d in candidates)
    for decision in candidates:
        due = _due(decision, today, heads.get(decision.owner_unit_id, ()))
        if due is not None:
            yield due


def _due(decision: MeetingDecision, today: date, heads: tuple[int, ...]) -> Due | None:
    owed = item_level(decision.due, today)
    if owed is None:
        return None
    common = {
        "subject": f"meeting_decision:{decision.pk}",
        "kind": "meeting_decision",
        "level": owed.level,
        "day": owed.day,
        "url": reverse("meetings-detail", args=[decision.meeting_id]),
        "body": decision.text[:500],
    }
    what = {"s": decision.text[:30], "d": f"{decision.due:%Y-%m-%d}", "u": decision.owner_unit.name}
    if owed.level == Reminder.Level.RED:
        return Due(
            title=_("【红牌】会议议定事项逾期%(n)d个工作日未办结（%(u)s）：%(s)s") % {**what, "n": owed.late},
            units=(decision.meeting.convened_by_id,),
            users=heads,
            **common,
        )
    if owed.level == Reminder.Level.YELLOW:
        return Due(
            title=_("【黄牌】会议议定事项已超过办结期限%(d)s（%(u)s）：%(s)s") % what,
            units=(decision.owner_unit_id,),
            users=heads,
            **common,
        )
    return Due(title=_("【临期】会议议定事项须于%(d)s前办结：%(s)s") % what, units=(decision.owner_unit_id,), **common)
