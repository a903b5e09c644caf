"""The overdue scan's part for meeting decisions (议定事项), listed in settings.OVERDUE_SCANNERS,
with the night-visit issues' levels (visits/scan.py): 临期 in the last 2 working days to the owner
unit; 黄牌 once the deadline has passed, to the owner unit and its heads; 红牌 from 3 working days
overdue, to the unit heads and the convening center, every day. Two queries whatever the number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Reminder, User
from governance.reminders import Due
from governance.workdays import add_working_days, working_days_between
from meetings.models import Decision

DUE_SOON_WORKING_DAYS = 2
RED_AFTER_WORKING_DAYS = 3


def decision_dues(now: datetime) -> Iterator[Due]:
    today = timezone.localdate(now)
    candidates = list(
        Decision.objects.filter(status=Decision.Status.ASSIGNED, due__lte=add_working_days(today, 2))
        .select_related("owner_unit", "meeting")
        .order_by("due", "pk")
    )
    if not candidates:
        return
    heads: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in User.objects.filter(
        unit_id__in={d.owner_unit_id for d in candidates}, is_unit_head=True, is_active=True
    ).values_list("pk", "unit_id"):
        heads[unit_id].append(user_id)
    for decision in candidates:
        due = _due(decision, today, tuple(heads[decision.owner_unit_id]))
        if due is not None:
            yield due


def _due(decision: Decision, today, heads: tuple[int, ...]) -> Due | None:
    common = {
        "subject": f"meeting_decision:{decision.pk}",
        "kind": "meeting_decision",
        "url": reverse("meetings-detail", args=[decision.meeting_id]),
        "body": decision.text[:500],
    }
    what = {"s": decision.text[:30], "d": f"{decision.due:%Y-%m-%d}", "u": decision.owner_unit.name}
    if today > decision.due:
        late = working_days_between(decision.due, today)
        if late >= RED_AFTER_WORKING_DAYS:
            return Due(
                level=Reminder.Level.RED,
                day=today,
                title=_("【红牌】会议议定事项逾期%(n)d个工作日未办结（%(u)s）：%(s)s") % {**what, "n": late},
                units=(decision.meeting.convened_by_id,),
                users=heads,
                **common,
            )
        return Due(
            level=Reminder.Level.YELLOW,
            day=decision.due + timedelta(days=1),
            title=_("【黄牌】会议议定事项已超过办结期限%(d)s（%(u)s）：%(s)s") % what,
            units=(decision.owner_unit_id,),
            users=heads,
            **common,
        )
    crossed = add_working_days(decision.due, -DUE_SOON_WORKING_DAYS)
    if crossed <= today:
        return Due(
            level=Reminder.Level.DUE_SOON,
            day=crossed,
            title=_("【临期】会议议定事项须于%(d)s前办结：%(s)s") % what,
            units=(decision.owner_unit_id,),
            **common,
        )
    return None
