"""The overdue scan's part for visit issues (访后限期办结), listed in settings.OVERDUE_SCANNERS.

临期 in the last 2 working days, to the owner unit, keyed on the day the threshold was crossed;
黄牌 once the deadline has passed, to the owner unit and its heads, keyed on the first overdue
day; 红牌 from 3 working days overdue, to the unit heads and the leader who heard the issue
(首访负责制), keyed on the scan day so it repeats daily. Only the current level is owed, so a
scan after an outage sends it once, not a backlog. Two queries whatever the number of issues:
the candidates are filtered in SQL, the levels computed here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Reminder, User
from governance.reminders import Due
from governance.workdays import add_working_days, working_days_between
from visits.models import VisitIssue

DUE_SOON_WORKING_DAYS = 2
RED_AFTER_WORKING_DAYS = 3


def issue_dues(now: datetime) -> Iterator[Due]:
    today = timezone.localdate(now)
    # Every issue whose 临期 threshold may have been crossed: the threshold is 2 working days
    # before the deadline, so the deadline is at most 2 working days after today.
    candidates = list(
        VisitIssue.objects.filter(status=VisitIssue.Status.ASSIGNED, due__lte=add_working_days(today, 2))
        .select_related("village", "owner_unit")
        .order_by("due", "pk")
    )
    if not candidates:
        return
    heads: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in User.objects.filter(
        unit_id__in={i.owner_unit_id for i in candidates}, is_unit_head=True, is_active=True
    ).values_list("pk", "unit_id"):
        heads[unit_id].append(user_id)
    for issue in candidates:
        due = _due(issue, today, tuple(heads[issue.owner_unit_id]))
        if due is not None:
            yield due


def _due(issue: VisitIssue, today: date, heads: tuple[int, ...]) -> Due | None:
    common = {
        "subject": f"visit_issue:{issue.pk}",
        "kind": "visit_issue",
        "url": reverse("visits-issue", args=[issue.pk]),
        "body": issue.summary[:500],
    }
    what = {"s": issue.summary[:30], "v": issue.village.name, "d": f"{issue.due:%Y-%m-%d}", "u": issue.owner_unit.name}
    if today > issue.due:
        late = working_days_between(issue.due, today)
        if late >= RED_AFTER_WORKING_DAYS:
            return Due(
                level=Reminder.Level.RED,
                day=today,
                title=_("【红牌】夜访问题逾期%(n)d个工作日未办结（%(u)s）：%(v)s %(s)s") % {**what, "n": late},
                units=(),
                users=tuple(dict.fromkeys((*heads, issue.leader_id))),
                **common,
            )
        return Due(
            level=Reminder.Level.YELLOW,
            day=issue.due + timedelta(days=1),
            title=_("【黄牌】夜访问题已超过办结期限%(d)s：%(v)s %(s)s") % what,
            units=(issue.owner_unit_id,),
            users=heads,
            **common,
        )
    crossed = add_working_days(issue.due, -DUE_SOON_WORKING_DAYS)
    if crossed <= today:
        return Due(
            level=Reminder.Level.DUE_SOON,
            day=crossed,
            title=_("【临期】夜访问题须于%(d)s前办结：%(v)s %(s)s") % what,
            units=(issue.owner_unit_id,),
            **common,
        )
    return None
