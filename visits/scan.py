"""The overdue scan's part for visit issues (访后限期办结), listed in settings.OVERDUE_SCANNERS.

The levels are `governance.reminders.item_level`'s (shared with meeting decisions): 临期 to the
owner unit; 黄牌 to the owner unit and its heads; 红牌 to the unit heads and the leader who heard
the issue (首访负责制), every day. Two queries whatever the number of issues: the candidates are
filtered in SQL, the levels computed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Reminder
from governance.reminders import Due, item_candidates_due_by, item_level, unit_heads
from visits.models import VisitIssue


def issue_dues(now: datetime) -> Iterator[Due]:
    today = timezone.localdate(now)
    candidates = list(
        VisitIssue.objects.filter(status=VisitIssue.Status.ASSIGNED, due__lte=item_candidates_due_by(today))
        .select_related("village", "owner_unit")
        .order_by("due", "pk")
    )
    if not candidates:
        return
    heads = unit_heads(i.owner_unit_id for i in candidates)
    for issue in candidates:
        due = _due(issue, today, heads.get(issue.owner_unit_id, ()))
        if due is not None:
            yield due


def _due(issue: VisitIssue, today: date, heads: tuple[int, ...]) -> Due | None:
    owed = item_level(issue.due, today)
    if owed is None:
        return None
    common = {
        "subject": f"visit_issue:{issue.pk}",
        "kind": "visit_issue",
        "level": owed.level,
        "day": owed.day,
        "url": reverse("visits-issue", args=[issue.pk]),
        "body": issue.summary[:500],
    }
    what = {"s": issue.summary[:30], "v": issue.village.name, "d": f"{issue.due:%Y-%m-%d}", "u": issue.owner_unit.name}
    if owed.level == Reminder.Level.RED:
        return Due(
            title=_("【红牌】夜访问题逾期%(n)d个工作日未办结（%(u)s）：%(v)s %(s)s") % {**what, "n": owed.late},
            users=tuple(dict.fromkeys((*heads, issue.leader_id))),
            **common,
        )
    if owed.level == Reminder.Level.YELLOW:
        return Due(
            title=_("【黄牌】夜访问题已超过办结期限%(d)s：%(v)s %(s)s") % what,
            units=(issue.owner_unit_id,),
            users=heads,
            **common,
        )
    return Due(title=_("【临期】夜访问题须于%(d)s前办结：%(v)s %(s)s") % what, units=(issue.owner_unit_id,), **common)
