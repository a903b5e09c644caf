"""How a case stands against its handling deadline, counted in working days.

The time-limit matrix with yellow and red thresholds per stage comes later (issue 5); until then
a case is 临期 in its last two working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import HANDLING_STATUSES, Case
from governance.workdays import working_days_between

DUE_SOON_WORKING_DAYS = 2


@dataclass(frozen=True)
class Clock:
    state: str  # "ok", "due_soon", "overdue"
    working_days: int  # left (≥ 0) or overdue (> 0 when overdue)

    @property
    def label(self) -> str:
        if self.state == "overdue":
            return str(_("逾期 %(n)d 个工作日")) % {"n": self.working_days}
        if self.state == "due_soon" and self.working_days == 0:
            return str(_("今日到期"))
        if self.state == "due_soon":
            return str(_("临期，剩 %(n)d 个工作日")) % {"n": self.working_days}
        return str(_("正常，剩 %(n)d 个工作日")) % {"n": self.working_days}


def handling_clock(case: Case, today: date | None = None) -> Clock | None:
    if case.status not in HANDLING_STATUSES or case.handle_due is None:
        return None
    today = today or timezone.localdate()
    if case.handle_due < today:
        return Clock("overdue", -working_days_between(today, case.handle_due) or 1)
    left = working_days_between(today, case.handle_due)
    return Clock("due_soon" if left <= DUE_SOON_WORKING_DAYS else "ok", left)
