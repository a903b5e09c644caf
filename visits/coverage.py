"""Night-visit coverage (夜访覆盖) for a period: which villages were visited, how often and by
which leaders; which were not; the issues raised and how many were closed on time. Four
queries whatever the number of villages, visits or issues."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Max, Q

from governance.models import User
from grids.models import Region
from visits.models import Kind, Visit, VisitIssue, VisitLeader


@dataclass
class VillageRow:
    village: Region
    visits: int = 0
    last_visit: date | None = None
    leaders: list[str] = field(default_factory=list)
    issues: int = 0
    resolved: int = 0
    assigned: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    cases: int = 0


@dataclass
class Coverage:
    start: date
    end: date
    rows: list[VillageRow]
    leaders: list[tuple[str, int]]  # (leader, night visits) most active first

    @property
    def visited(self) -> list[VillageRow]:
        return [r for r in self.rows if r.visits]

    @property
    def not_visited(self) -> list[VillageRow]:
        return [r for r in self.rows if not r.visits]

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)

    @property
    def total_visits(self) -> int:
        return self.total("visits")

    @property
    def total_issues(self) -> int:
        return self.total("issues")

    @property
    def total_overdue(self) -> int:
        return self.total("overdue")

    @property
    def rate(self) -> float | None:
        """Share of villages visited at least once in the period (走访覆盖率)."""
        return len(self.visited) / len(self.rows) if self.rows else None

    @property
    def on_time_rate(self) -> float | None:
        """Issues closed on time (on the spot, or by the owner unit by its deadline) among those
        that ended without becoming a case."""
        handled = self.total("resolved") + self.total("assigned")
        return self.total("closed_on_time") / handled if handled else None


def coverage(user: User, start: date, end: date, today: date) -> Coverage:
    villages = list(Region.objects.visible_to(user).villages().select_related("parent").order_by("code"))
    rows = {v.pk: VillageRow(village=v) for v in villages}
    visits = Visit.objects.visible_to(user).filter(
        kind=Kind.NIGHT_VISIT, status=Visit.Status.RECORDED, date__gte=start, date__lte=end
    )
    for village_id, n, last in visits.order_by().values_list("village_id").annotate(n=Count("pk"), last=Max("date")):
        if village_id in rows:
            rows[village_id].visits, rows[village_id].last_visit = n, last

    leaders_of: dict[int, set[str]] = defaultdict(set)
    per_leader: Counter[str] = Counter()
    led = VisitLeader.objects.filter(visit__in=visits.values("pk"), is_active=True).values_list(
        "visit__village_id", "leader__full_name", "leader__username"
    )
    for village_id, full_name, username in led:
        name = full_name or username
        leaders_of[village_id].add(name)
        per_leader[name] += 1
    for village_id, names in leaders_of.items():
        if village_id in rows:
            rows[village_id].leaders = sorted(names)

    # Issues heard in the period (night visits and reception days), by the village they concern.
    S = VisitIssue.Status
    issues = (
        VisitIssue.objects.visible_to(user)
        .filter(visit__date__gte=start, visit__date__lte=end)
        .order_by()
        .values_list("village_id")
        .annotate(
            n=Count("pk"),
            resolved=Count("pk", filter=Q(status=S.RESOLVED)),
            assigned=Count("pk", filter=Q(status__in=(S.ASSIGNED, S.CLOSED))),
            on_time=Count("pk", filter=Q(status=S.RESOLVED) | Q(status=S.CLOSED, closed_at__date__lte=F("due"))),
            overdue=Count("pk", filter=Q(status=S.ASSIGNED, due__lt=today)),
            cases=Count("pk", filter=Q(status=S.CASE)),
        )
    )
    for village_id, n, resolved, assigned, on_time, overdue, cases in issues:
        if village_id in rows:
            row = rows[village_id]
            row.issues, row.resolved, row.assigned = n, resolved, assigned
            row.closed_on_time, row.overdue, row.cases = on_time, overdue, cases
    return Coverage(start, end, list(rows.values()), per_leader.most_common())
