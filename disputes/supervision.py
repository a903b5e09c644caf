"""督办清单: what leaders and centers chase — listed cases, overdue cases, and the center's own
checks (应受理未受理, 应办理未办理). Each section is one query whatever the number of cases.

A section shows its first SECTION_ROWS cases, the most urgent first, and its count; the rest are
one click away on the case list, filtered to exactly the section's cases (`Section.more`), which
pages through any number of them from its indexes. Nobody reads a few hundred rows of deadlines
on one page, and every row costs its clock."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from disputes.filters import with_listing
from disputes.listing import count_each, union_all
from disputes.models import Case, CaseEvent, Status, Supervision, sign_late_q
from governance.models import User
from governance.workdays import add_working_days
from grids.models import Region

SECTION_ROWS = 20
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


def supervision_sections(
    user: User, today: date | None = None, township: Region | None = None
) -> tuple[Listed, list[Section]]:
    """The listed cases and the sections, of the person's jurisdiction or (`township`) of one
    township in it."""
    listed, specs = _specs(user, today or timezone.localdate(), township)
    rows = list(listed[:SECTION_ROWS])
    return Listed(rows, len(rows) if len(rows) < SECTION_ROWS else listed.count()), _sections(specs)


def _specs(user: User, today: date, township: Region | None) -> tuple[QuerySet[Supervision], list[_Spec]]:
    visible = Case.objects.visible_to(user)
    place: dict[str, str] = {}
    if township is not None:
        visible, place = visible.filter(township=township), {"township": str(township.pk)}
    listed = (
        Supervision.objects.filter(case__in=visible)
        .exclude(state=Supervision.State.LIFTED)
        .select_related("case__lead_unit", "case__township", "leader")
        .order_by("due", "id")
    )
    accept_by = add_working_days(today, -ACCEPT_WITHIN_WORKING_DAYS)
    return listed, [
        _Spec(
            "overdue",
            _("逾期未办结"),
            _("超过办理期限仍未办结"),
            visible.overdue(today),
            ("handle_due", "id"),
            {**place, "overdue": "on"},
        ),
        _Spec(
            "not_accepted",
            _("应受理未受理"),
            _("提交后超过1个工作日仍未受理"),
            visible.filter(status=Status.SUBMITTED, received_at__date__lt=accept_by),
            ("received_at", "id"),
            # The case list's dates are inclusive: received before accept_by is up to the day before.
            {**place, "status": Status.SUBMITTED, "date_to": (accept_by - timedelta(days=1)).isoformat()},
        ),
        _Spec(
            "not_signed",
            _("应办理未办理"),
            _("分流后超过签收时限仍未签收"),
            visible.filter(sign_late_q(timezone.now())),
            ("sign_due", "id"),
            {**place, "sign_late": "on"},
        ),
    ]


@dataclass
class TownshipRow:
    township: Region
    counts: dict[str, int]  # section key (and "listed") -> how many
    keys: tuple[str, ...] = ()  # the columns' order: "listed", then the sections'

    @property
    def values(self) -> list[int]:
        return [self.counts.get(key, 0) for key in self.keys]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def township_summary(user: User, today: date | None = None) -> list[TownshipRow]:
    """For a jurisdiction of several townships: each township's count in every section, the
    busiest first, so a county sees where the overdue cases are before it reads them. One
    grouped count per section (four queries) and the townships (one)."""
    listed, specs = _specs(user, today or timezone.localdate(), None)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    parts = [("listed", Case.objects.filter(pk__in=listed.values("case_id")))]
    parts += [(spec.key, spec.cases) for spec in specs]
    for key, cases in parts:
        for township, n in cases.order_by().values_list("township_id").annotate(n=Count("pk")):
            counts[township][key] = n
    townships = Region.objects.filter(pk__in=list(counts)).order_by("code")
    keys = tuple(key for key, _cases in parts)
    rows = [TownshipRow(t, counts[t.pk], keys) for t in townships]
    rows.sort(key=lambda r: (-r.counts.get("overdue", 0), -r.total, r.township.code))
    return rows


# --- 网上咨询超期未答复 (disputes/consultations.py) ------------------------------------------------

CONSULTATION_ROWS = 50  # the most overdue; the rest on the consultation list (?show=overdue)


@dataclass
class OverdueConsultations:
    rows: list
    total: int
    today: date


def overdue_consultations(user: User, today: date | None = None) -> OverdueConsultations:
    """The questions of the jurisdiction past their answer deadline, oldest deadline first. Two
    queries whatever the number of questions."""
    from disputes.models import Consultation

    today = today or timezone.localdate()
    overdue = Consultation.objects.visible_to(user).overdue(today)
    rows = list(overdue.select_related("center", "township").order_by("answer_due", "pk")[:CONSULTATION_ROWS])
    total = len(rows) if len(rows) < CONSULTATION_ROWS else overdue.count()
    return OverdueConsultations(rows, total, today)
