"""网上受理统计: what became of the citizens' online submissions (码上办), month by month, for the
person's jurisdiction — received, accepted, not accepted, still waiting, closed, and how they
were rated. One query, grouped by month of receipt; every case is counted by its state now."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth

from disputes.models import Case, Channel, Satisfaction, Status
from governance.models import User

CLOSED = (Status.CLOSED, Status.EVALUATED, Status.ARCHIVED)


@dataclass
class MonthCounts:
    month: int  # 1–12; 0 for the year's total
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    waiting: int = 0
    closed: int = 0
    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0


COLUMNS = {
    "received": Count("pk"),
    # Accepted once, whatever happened since (dispatched, closed, reopened…).
    "accepted": Count("pk", filter=~Q(status__in=[Status.SUBMITTED, Status.REJECTED])),
    "rejected": Count("pk", filter=Q(status=Status.REJECTED)),
    "waiting": Count("pk", filter=Q(status=Status.SUBMITTED)),
    "closed": Count("pk", filter=Q(status__in=CLOSED)),
    "satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
    "basically": Count("pk", filter=Q(satisfaction=Satisfaction.BASICALLY)),
    "dissatisfied": Count("pk", filter=Q(satisfaction=Satisfaction.DISSATISFIED)),
}


def online_counts(user: User, year: int) -> tuple[list[MonthCounts], MonthCounts]:
    """The twelve months of `year` (by the local month of receipt) and their total, counting the
    online submissions the person sees (`Case.objects.visible_to`), in one query."""
    rows = (
        Case.objects.visible_to(user)
        .filter(channel=Channel.ONLINE, received_at__year=year)
        .annotate(month=ExtractMonth("received_at"))
        .order_by()
        .values("month")
        .annotate(**COLUMNS)
    )
    months = {n: MonthCounts(n) for n in range(1, 13)}
    for row in rows:
        months[row["month"]] = MonthCounts(**row)
    total = MonthCounts(0)
    for name in (f.name for f in fields(MonthCounts) if f.name != "month"):
        setattr(total, name, sum(getattr(m, name) for m in months.values()))
    return list(months.values()), total
