"""督办清单: what leaders and centers chase — listed cases, overdue cases, and the center's own
checks (应受理未受理, 应办理未办理). Each section is one query whatever the number of cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.filters import with_listing
from disputes.models import Case, Status, Supervision
from governance.models import User
from governance.workdays import add_working_days

SECTION_ROWS = 100
# A submission is accepted within one working day; 签收 follows the time-limit matrix (sign_due).
ACCEPT_WITHIN_WORKING_DAYS = 1


@dataclass
class Section:
    key: str
    title: str
    hint: str
    cases: list[Case]
    total: int


def _section(key: str, title: str, hint: str, cases: QuerySet[Case]) -> Section:
    cases = with_listing(
        cases.select_related("township", "category", "risk_level", "lead_unit", "intake_unit").annotate(
            last_event_at=Max("events__at")
        )
    )
    return Section(key, title, hint, list(cases[:SECTION_ROWS]), cases.count())


def supervision_sections(user: User, today: date | None = None) -> tuple[list[Supervision], list[Section]]:
    today = today or timezone.localdate()
    visible = Case.objects.visible_to(user)
    listed = list(
        Supervision.objects.filter(case__in=visible)
        .exclude(state=Supervision.State.LIFTED)
        .select_related("case__lead_unit", "case__township", "leader")
        .order_by("due")[:SECTION_ROWS]
    )
    accept_by = add_working_days(today, -ACCEPT_WITHIN_WORKING_DAYS)
    sections = [
        _section("overdue", _("逾期未办结"), _("超过办理期限仍未办结"), visible.overdue(today).order_by("handle_due")),
        _section(
            "not_accepted",
            _("应受理未受理"),
            _("提交后超过1个工作日仍未受理"),
            visible.filter(status=Status.SUBMITTED, received_at__date__lt=accept_by).order_by("received_at"),
        ),
        _section(
            "not_signed",
            _("应办理未办理"),
            _("分流后超过签收时限仍未签收"),
            visible.filter(status=Status.DISPATCHED, sign_due__lt=timezone.now()).order_by("sign_due"),
        ),
    ]
    return listed, sections
