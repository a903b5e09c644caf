"""督办清单: what leaders and centers chase — listed cases, overdue cases, and the center's own
checks (应受理未受理, 应办理未办理). Each section is one query whatever the number of cases.

A section shows its first SECTION_ROWS cases, the most urgent first, and its count; the rest are
one click away on the case list, filtered to exactly the section's cases (`Section.more`), which
pages through any number of them from its indexes. Nobody reads a few hundred rows of deadlines
on one page, and every row costs its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from disputes.filters import with_listing
from disputes.listing import count_each, union_all
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


@dataclass(frozen=True)
class _Spec:
    key: str
    title: str
    hint: str
    cases: QuerySet[Case]
    order: tuple[str, ...]  # columns, ascending, never NULL in the section
    filters: dict[str, str]  # the case list's filters giving exactly the section's cases


def _sections(specs: list[_Spec]) -> list[Section]:
    """Every section in three queries: the counts (one scalar subquery each, from the indexes),
    the first rows' ids (a UNION ALL of one limited branch per section, each in its order from
    its index), and only those rows joined, with their last step looked up by (case, at) — not
    every overdue case's steps grouped and sorted."""
    counts = count_each([spec.cases for spec in specs])
    branches = [
        spec.cases.annotate(section=Value(i)).order_by(*spec.order).values_list("section", "pk")[:SECTION_ROWS]
        for i, spec in enumerate(specs)
        if counts[i]
    ]
    firsts: list[list[int]] = [[] for _spec in specs]
    for section, pk in union_all(branches):
        firsts[section].append(pk)
    rows: dict[int, Case] = {}
    if any(firsts):
        last_step = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at").values("at")[:1]
        found = with_listing(
            Case.objects.filter(pk__in=[pk for ids in firsts for pk in ids])
            .select_related("township", "category", "risk_level", "lead_unit", "intake_unit")
            .annotate(last_event_at=Subquery(last_step))
        )
        rows = {case.pk: case for case in found}
    sections = []
    for spec, ids, total in zip(specs, firsts, counts, strict=True):
        # Each section in its own order again (a UNION ALL promises no order of its rows).
        cases = sorted((rows[pk] for pk in ids if pk in rows), key=lambda c: [getattr(c, f) for f in spec.order])
        more = f"{reverse('disputes-list')}?{urlencode(spec.filters)}" if total > len(cases) else ""
        sections.append(Section(spec.key, spec.title, spec.hint, cases, total, more))
    return sections


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
    sections = _sections(
        [
            _Spec(
                "overdue",
                _("逾期未办结"),
                _("超过办理期限仍未办结"),
                visible.overdue(today),
                ("handle_due", "id"),
                {"overdue": "on"},
            ),
            _Spec(
                "not_accepted",
                _("应受理未受理"),
                _("提交后超过1个工作日仍未受理"),
                visible.filter(status=Status.SUBMITTED, received_at__date__lt=accept_by),
                ("received_at", "id"),
                # The case list's dates are inclusive: received before accept_by is up to the day before.
                {"status": Status.SUBMITTED, "date_to": (accept_by - timedelta(days=1)).isoformat()},
            ),
            _Spec(
                "not_signed",
                _("应办理未办理"),
                _("分流后超过签收时限仍未签收"),
                visible.filter(sign_late_q(timezone.now())),
                ("sign_due", "id"),
                {"sign_late": "on"},
            ),
        ]
    )
    rows = list(listed[:SECTION_ROWS])
    return Listed(rows, len(rows) if len(rows) < SECTION_ROWS else listed.count()), sections
