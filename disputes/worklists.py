"""The "my work" lists: what each person has to do next, by role."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import F, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.filters import with_listing
from disputes.listing import count_each, union_all
from disputes.models import (
    HANDLING_STATUSES,
    AnyOf,
    Case,
    Channel,
    ExtensionRequest,
    Status,
    Visibility,
    overdue_q,
)
from disputes.rules import HANDLING_ROLES
from governance.models import Role, User

ROWS_PER_LIST = 20
# Most urgent first: by the deadline the list is about. The handling deadline by default, read from
# the (status, township, handle_due) index: for 待受理 and 待分流 (no deadline yet) that is by
# receipt, and 待审核 follows it too (by report time it read 8,000 rows at a million cases: 600 ms).
WORK_ORDER = ("handle_due", "received_at", "id")


@dataclass
class Worklist:
    key: str
    title: str
    hint: str
    cases: list[Case]
    total: int
    link: str = ""  # the case list filtered to the same cases, for "the rest"


@dataclass(frozen=True)
class Spec:
    key: str
    title: str
    hint: str
    condition: Q
    order: tuple[str, ...] = WORK_ORDER
    # The case list's filters that give the same cases (None: the list has no such filter).
    query: dict | None = None

    def link(self) -> str:
        return f"{reverse('disputes-list')}?{urlencode(self.query)}" if self.query is not None else ""


def _specs(user: User) -> list[Spec]:
    """The lists a person has, each as one condition on cases: the "my work" page lists them,
    the home page counts them (one query for all)."""
    specs: list[Spec] = []
    visibility = Visibility.of(user)
    if user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        # The region's cases by township id (an index), not through a join on the region's code.
        center = visibility.region() or Q(pk__in=[])
        specs += [
            # 码上办: what citizens sent online, apart, so that they hear back soon (the same
            # cases are also in 待受理 with the other channels' submissions).
            Spec(
                "to_accept_online",
                _("网上待受理"),
                _("群众通过码上办网上提交的，请受理或不予受理，结果将短信告知群众"),
                center & Q(status=Status.SUBMITTED, channel=Channel.ONLINE),
                query={"status": Status.SUBMITTED, "channel": Channel.ONLINE},
            ),
            Spec(
                "to_accept",
                _("待受理"),
                _("网格上报、热线、网上等渠道提交的，请受理或不予受理"),
                center & Q(status=Status.SUBMITTED),
                query={"status": Status.SUBMITTED},
            ),
            Spec(
                "to_dispatch",
                _("待分流"),
                _("已受理登记，请确定主办单位和办理期限"),
                center & Q(status=Status.REGISTERED),
                query={"status": Status.REGISTERED},
            ),
            Spec(
                "to_review",
                _("待审核"),
                _("承办单位已反馈办结，请审核"),
                center & Q(status=Status.PENDING_REVIEW),
                query={"status": Status.PENDING_REVIEW},
            ),
            Spec(
                "to_extend",
                _("待审批延期"),
                _("承办单位申请延长办理期限，请审批"),
                center
                & Q(
                    AnyOf(
                        F("pk"),
                        ExtensionRequest.objects.filter(decision=ExtensionRequest.Decision.PENDING).values("case_id"),
                    )
                ),
            ),
            # Evaluation and the return visit are timed from the closure (the visit clock).
            Spec(
                "to_evaluate",
                _("待评价"),
                _("已办结，请电话回访当事人并录入评价"),
                center & Q(status=Status.CLOSED),
                ("closed_at", "id"),
                {"status": Status.CLOSED},
            ),
            Spec(
                "to_visit",
                _("待回访"),
                _("已评价，回访到期时记录回访情况"),
                center & Q(status=Status.EVALUATED, visited_at__isnull=True),
                ("closed_at", "id"),
                {"status": Status.EVALUATED, "visited": "no"},
            ),
            Spec(
                "to_archive",
                _("待归档"),
                _("已回访，纠纷未复发，请归档"),
                center & Q(status=Status.EVALUATED, visited_at__isnull=False),
                ("visited_at", "id"),
                {"status": Status.EVALUATED, "visited": "yes"},
            ),
        ]
    if user.unit_id is not None and user.has_role(*HANDLING_ROLES):
        mine = Q(lead_unit_id=user.unit_id)
        # The co-handled case ids looked up by primary key (a unit co-handles a few thousand of a
        # million cases; an EXISTS per case would walk every case being handled).
        co_handled = Q(AnyOf(F("pk"), visibility.co_handled))
        specs += [
            Spec(
                "to_sign",
                _("待签收"),
                _("中心转办给本单位的案件，请及时签收"),
                mine & Q(status=Status.DISPATCHED),
                ("sign_due", "id"),
                {"status": Status.DISPATCHED, "lead_unit": user.unit_id},
            ),
            Spec(
                "to_handle",
                _("办理中"),
                _("本单位主办的案件"),
                mine & Q(status=Status.IN_PROGRESS),
                query={"status": Status.IN_PROGRESS, "lead_unit": user.unit_id},
            ),
            Spec(
                "co_handling",
                _("协办"),
                _("本单位参与联合调处的案件"),
                co_handled & Q(status__in=HANDLING_STATUSES),
            ),
        ]
    if user.has_role(Role.LEADER):
        overdue = visibility.condition() & overdue_q(timezone.localdate())
        specs.append(
            Spec("overdue", _("逾期案件"), _("本辖区超过办理期限仍未办结的案件"), overdue, query={"overdue": "on"})
        )
    return specs


def worklists_for(user: User) -> list[Worklist]:
    """Every list of the person in three queries, however many lists: their counts (one scalar
    subquery each, `count_each`), their first rows' ids (one UNION ALL of a limited branch per
    list, each read from its own index in the list's order), and those rows joined and marked. A
    county center officer has eight lists: sixteen round trips before."""
    specs = _specs(user)
    if not specs:
        return []
    counts = count_each([Case.objects.filter(spec.condition) for spec in specs])
    branches = [
        Case.objects.filter(spec.condition)
        .annotate(worklist=Value(i))
        .order_by(*spec.order)
        .values_list("worklist", "pk")[:ROWS_PER_LIST]
        for i, spec in enumerate(specs)
        if counts[i]  # an empty list (or one that matches nothing: no unit) needs no branch
    ]
    firsts: list[list[int]] = [[] for _spec in specs]
    for worklist, pk in union_all(branches):
        firsts[worklist].append(pk)
    rows = {}
    if any(firsts):
        found = with_listing(
            Case.objects.filter(pk__in=[pk for ids in firsts for pk in ids]).select_related(
                "township", "category", "risk_level", "lead_unit", "intake_unit"
            )
        )
        rows = {case.pk: case for case in found}
    return [
        Worklist(
            spec.key,
            spec.title,
            spec.hint,
            sorted((rows[pk] for pk in ids if pk in rows), key=_ordering(spec.order)),
            total,
            spec.link(),
        )
        for spec, ids, total in zip(specs, firsts, counts, strict=True)
    ]


def _ordering(order: tuple[str, ...]):
    """A sort key for cases in the list's order (ascending, empty values last, as PostgreSQL)."""

    def key(case: Case) -> tuple:
        values = [getattr(case, "pk" if name == "id" else name) for name in order]
        return tuple((value is None, value if value is not None else 0) for value in values)

    return key


def work_counts(user: User) -> list[tuple[Spec, int]]:
    """How many cases each of the person's lists holds, in one query: one count per list, so that
    each is read from its own index (an OR of the lists would read them all through one scan)."""
    specs = _specs(user)
    if not specs:
        return []
    counts = count_each([Case.objects.filter(spec.condition) for spec in specs])
    return list(zip(specs, counts, strict=True))


# --- 网上咨询待答复 (disputes/consultations.py) ----------------------------------------------------


@dataclass
class ConsultationWorklist:
    title: str
    hint: str
    rows: list
    total: int
    link: str


def consultation_worklist(user: User) -> ConsultationWorklist | None:
    """Center staff: the questions of the jurisdiction waiting for an answer, the nearest deadline
    first. Two queries (one when there are fewer than a page)."""
    from disputes.models import Consultation

    if not user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        return None
    waiting = Consultation.objects.visible_to(user).filter(state=Consultation.State.WAITING)
    rows = list(
        waiting.select_related("center", "township").order_by("answer_due", "received_at", "pk")[:ROWS_PER_LIST]
    )
    total = len(rows) if len(rows) < ROWS_PER_LIST else waiting.count()
    return ConsultationWorklist(
        _("网上咨询待答复"),
        _("群众在“码上办”提出的咨询，请在期限内答复"),
        rows,
        total,
        f"{reverse('disputes-consultations')}?show=waiting",
    )
