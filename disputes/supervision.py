"""督办清单: what leaders and centers chase — listed cases, overdue cases, and the center's own
checks (应受理未受理, 应办理未办理). Each section is one query whatever the number of cases.

A section shows its first SECTION_ROWS cases, the most urgent first, and its count; the rest are
one click away on the case list, filtered to exactly the section's cases (`Section.more`), which
pages through any number of them from its indexes. Nobody reads a few hundred rows of deadlines
on one page, and every row costs its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from disputes.filters import with_listing
from disputes.models import Case, CaseEvent, Status, Supervision, sign_late_q
from governance.models import User
from governance.workdays import add_working_days

SECTION_ROWS = 50
# A submission is accepted within one working day; 签收 follows the time-limit matrix (sign_due).
ACCEPT_WITHIN_WORKING_DAYS = 1


@dataclass
class Section:
    key: str
    title: str
    hint: str
    cases: list[Case]
    total: int
    more: str = ""  # the case list filtered to this section's cases, when it holds more than shown


@dataclass
class Listed:
    rows: list[Supervision]
    total: int


def _section(
    key: str, title: str, hint: str, cases: QuerySet[Case], order: tuple[str, ...], filters: dict[str, str]
) -> Section:
    """The first rows' ids from an index in the section's order, then only those rows joined, with
    their last step looked up by (case, at) — not every overdue case's steps grouped and sorted —
    in the same query; the count from the index too."""
    first = cases.order_by(*order).values("pk")[:SECTION_ROWS]
    last_step = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at").values("at")[:1]
    rows = with_listing(
        Case.objects.filter(pk__in=first)
        .select_related("township", "category", "risk_level", "lead_unit", "intake_unit")
        .annotate(last_event_at=Subquery(last_step))
    ).order_by(*order)
    rows, total = list(rows), cases.count()
    more = f"{reverse('disputes-list')}?{urlencode(filters)}" if total > len(rows) else ""
    return Section(key, title, hint, rows, total, more)


def supervision_sections(user: User, today: date | None = None) -> tuple[Listed, list[Section]]:
    today = today or timezone.localdate()
    visible = Case.objects.visible_to(user)
    listed = (
        Supervision.objects.filter(case__in=visible)
        .exclude(state=Supervision.State.LIFTED)
        .select_related("case__lead_unit", "case__township", "leader")
        .order_by("due", "id")
    )
    accept_by = add_working_days(today, -ACCEPT_WITHIN_WORKING_DAYS)
    sections = [
        _section(
            "overdue",
            _("逾期未办结"),
            _("超过办理期限仍未办结"),
            visible.overdue(today),
            ("handle_due", "id"),
            {"overdue": "on"},
        ),
        _section(
            "not_accepted",
            _("应受理未受理"),
            _("提交后超过1个工作日仍未受理"),
            visible.filter(status=Status.SUBMITTED, received_at__date__lt=accept_by),
            ("received_at", "id"),
            # The case list's dates are inclusive: received before accept_by is up to the day before.
            {"status": Status.SUBMITTED, "date_to": (accept_by - timedelta(days=1)).isoformat()},
        ),
        _section(
            "not_signed",
            _("应办理未办理"),
            _("分流后超过签收时限仍未签收"),
            visible.filter(sign_late_q(timezone.now())),
            ("sign_due", "id"),
            {"sign_late": "on"},
        ),
    ]
    rows = list(listed[:SECTION_ROWS])
    return Listed(rows, len(rows) if len(rows) < SECTION_ROWS else listed.count()), sections
