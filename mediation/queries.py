"""Read-only questions the mediation pages ask: assignment suggestions, work lists, the expert
pool, the subsidy statement and mediator performance. Each is one query (or a fixed few),
whatever the number of rows; scoping comes from `visible_to` or the person's region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.deadlines import statutory
from disputes.models import HANDLING_STATUSES, OPEN_STATUSES, Case, Outcome, Satisfaction
from governance.models import Role, User
from governance.scoping import region_prefix
from grids.models import Region
from mediation.models import (
    CONFIRMATION_WARNING_DAYS,
    Agreement,
    Assignment,
    Confirmation,
    FollowUp,
    Mediator,
    Membership,
    Organisation,
    SubsidyRate,
)

SUGGESTIONS = 10
ROWS = 30


def _open_workload() -> Subquery:
    """Active assignments of a mediator on open cases: a correlated count, so no row is doubled."""
    open_assignments = (
        Assignment.objects.filter(mediator=OuterRef("pk"), withdrawn_at__isnull=True, case__status__in=OPEN_STATUSES)
        .order_by()
        .values("mediator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(open_assignments, output_field=IntegerField()), 0)


def serving_q(case: Case) -> Q:
    """An organisation serves a case when its region is the case's village, township or county
    (the county as a subquery, so the filter adds no query of its own)."""
    here = [pk for pk in (case.village_id, case.township_id) if pk is not None]
    county = Region.objects.filter(pk=case.township_id).values("parent_id")
    return Q(organisation__region_id__in=here) | Q(organisation__region_id__in=county)


def suggest_mediators(case: Case) -> QuerySet[Mediator]:
    """Active mediators whose specialty is the case's category and whose organisation serves the
    case's place, least busy first. One query."""
    serving = Membership.objects.filter(serving_q(case), mediator=OuterRef("pk"))
    skilled = Mediator.specialties.through.objects.filter(mediator_id=OuterRef("pk"), category_id=case.category_id)
    assigned = Assignment.objects.filter(mediator=OuterRef("pk"), case=case, withdrawn_at__isnull=True)
    own = Membership.objects.filter(mediator=OuterRef("pk"), organisation__unit_id=case.lead_unit_id)
    return (
        Mediator.objects.filter(Exists(serving), Exists(skilled), is_active=True)
        .exclude(Exists(assigned))
        .annotate(workload=_open_workload(), own_org=Exists(own))
        .order_by("workload", "-own_org", "name", "pk")[:SUGGESTIONS]
    )


def assignable_mediators(case: Case) -> QuerySet[Mediator]:
    """The choice list: the organisation's own mediators and the suggested experts of others."""
    own = Membership.objects.filter(mediator=OuterRef("pk"), organisation__unit_id=case.lead_unit_id)
    suggested = [m.pk for m in suggest_mediators(case)]
    assigned = Assignment.objects.filter(mediator=OuterRef("pk"), case=case, withdrawn_at__isnull=True)
    return (
        Mediator.objects.filter(Q(Exists(own)) | Q(pk__in=suggested), is_active=True)
        .exclude(Exists(assigned))
        .annotate(workload=_open_workload())
        .order_by("workload", "name", "pk")
    )


# --- The mediator's work list ----------------------------------------------------------------------


@dataclass
class Section:
    key: str
    title: str
    hint: str
    rows: list
    total: int


def _section(key: str, title: str, hint: str, rows: QuerySet) -> Section:
    return Section(key, title, hint, list(rows[:ROWS]), rows.count())


def work_sections(user: User, today: date | None = None) -> list[Section]:
    """What the organisation has to do: cases to assign, mediations with their one-month clock
    (Art. 36), follow-ups falling due, and confirmation windows closing (Art. 33)."""
    today = today or timezone.localdate()
    unit_id = user.unit_id
    mine = Case.objects.visible_to(user).filter(lead_unit_id=unit_id)
    active = Assignment.objects.filter(case=OuterRef("pk"), withdrawn_at__isnull=True)
    cases = mine.select_related("township", "village", "category", "risk_level")
    to_assign = cases.filter(status__in=HANDLING_STATUSES).exclude(Exists(active)).order_by("handle_due", "received_at")
    mediating = (
        cases.filter(status__in=HANDLING_STATUSES, mediation__isnull=False, mediation__failed_at__isnull=True)
        .select_related("mediation")
        .order_by("mediation__due_on", "received_at")
    )
    follow_ups = (
        FollowUp.objects.filter(
            done_at__isnull=True,
            due_on__lte=today + timedelta(days=7),
            obligation__agreement__case__in=mine.values("pk"),
        )
        .select_related("obligation__agreement__case")
        .order_by("due_on", "pk")
    )
    newest = Agreement.objects.filter(supersedes=OuterRef("pk"))
    # The window in calendar days, from the statutory-limit table (人民调解法 Art. 33: 30 days).
    window = statutory("judicial_confirmation").amount
    closing = (
        Agreement.objects.filter(
            case__in=mine.values("pk"),
            status=Agreement.Status.FINAL,
            signed_on__gte=today - timedelta(days=window),
            signed_on__lte=today - timedelta(days=window - CONFIRMATION_WARNING_DAYS),
        )
        .exclude(Exists(newest))
        .exclude(Exists(Confirmation.objects.filter(agreement=OuterRef("pk"))))
        .select_related("case")
        .order_by("signed_on", "pk")
    )
    return [
        _section("to_assign", _("待指派调解员"), _("已分流到本组织、尚未指派调解员的案件"), to_assign),
        _section("mediating", _("调解中"), _("调解一般应在一个月内结束（人民调解工作若干规定第三十六条）"), mediating),
        _section(
            "follow_up", _("履行回访"), _("协议履行期限已到或七日内到期，请回访履行情况（第三十九条）"), follow_ups
        ),
        _section(
            "confirmation",
            _("司法确认期限将至"),
            _("协议生效三十日内可共同申请司法确认（人民调解法第三十三条），剩余不足十日"),
            closing,
        ),
    ]


# --- Organisations and the expert pool ---------------------------------------------------------------


def organisations_for(user: User) -> QuerySet[Organisation]:
    """Organisations in the person's jurisdiction and those serving it from above (county-wide)."""
    prefix = region_prefix(user)
    if prefix is None:
        return Organisation.objects.none()
    above = _ancestors(user)
    return (
        Organisation.objects.filter(Q(region__code__startswith=prefix) | Q(region_id__in=above))
        .select_related("unit", "region")
        .annotate(members=Count("memberships"))
        .order_by("region__code", "kind", "unit__code")
    )


def _ancestors(user: User) -> list[int]:
    region = user.unit.region if user.unit_id else None
    ids = []
    while region is not None and region.parent_id is not None:
        ids.append(region.parent_id)
        region = region.parent
    return ids


def expert_pool(
    user: User, *, category=None, region: Region | None = None, background: str = "", q: str = ""
) -> QuerySet[Mediator]:
    """调解专家库: active mediators of the organisations the person sees, by specialty and region."""
    orgs = organisations_for(user).order_by().values("pk")
    memberships = Membership.objects.filter(mediator=OuterRef("pk"), organisation__in=orgs)
    if region is not None:
        memberships = memberships.filter(
            Q(organisation__region__code__startswith=region.prefix) | Q(organisation__region__level=Region.Level.COUNTY)
        )
    mediators = Mediator.objects.filter(Exists(memberships), is_active=True)
    if category is not None:
        mediators = mediators.filter(
            Exists(Mediator.specialties.through.objects.filter(mediator_id=OuterRef("pk"), category=category))
        )
    if background:
        mediators = mediators.filter(background=background)
    if q:
        mediators = mediators.filter(name__icontains=q)
    return mediators.annotate(workload=_open_workload()).order_by("workload", "name", "pk")


# --- 一案一补 and performance -------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


@dataclass
class RateSchedule:
    """一案一补 as the county's justice bureau set it (SubsidyRate): the one place the rule is
    applied. A case earns the newest rate in force on its closing day for its difficulty, a rate
    for its category before the general one, nothing when none applies."""

    rates: list[SubsidyRate]

    @classmethod
    def load(cls) -> RateSchedule:
        return cls(list(SubsidyRate.objects.order_by("-valid_from", "-pk")))

    def amount(self, difficulty: str, category_id: int | None, day: date) -> Decimal:
        applies = [
            r
            for r in self.rates
            if r.difficulty == difficulty and r.category_id in (category_id, None) and r.valid_from <= day
        ]
        # Newest first already; a rate for the category wins over the general one whatever its date.
        chosen = min(applies, key=lambda r: r.category_id is None, default=None)
        return chosen.amount if chosen is not None else Decimal(0)

    def of(self, case: Case) -> Decimal:
        """The case's subsidy (a case of `subsidised_cases`, with its `closed_day`)."""
        return self.amount(case.mediation.difficulty, case.category_id, case.closed_day)


def subsidised_cases(user: User, month: date) -> QuerySet[Case]:
    """Cases mediated successfully and closed (approved by the center) in the month, with their
    closing day and lead mediator; `RateSchedule.of` gives the subsidy each earns. The month's
    closures come from the partial index of successful closures (case_resolved_closed)."""
    start, end = month_bounds(month)
    lead = Assignment.objects.filter(case=OuterRef("pk"), withdrawn_at__isnull=True).order_by("-is_lead", "pk")
    return (
        _mediation_cases(user)
        .filter(outcome=Outcome.RESOLVED, closed_at__gte=_aware(start), closed_at__lt=_aware(end))
        .annotate(
            closed_day=TruncDate("closed_at", tzinfo=timezone.get_current_timezone()),
            lead_mediator_id=Subquery(lead.values("mediator_id")[:1]),
            lead_mediator=Subquery(lead.values("mediator__name")[:1]),
        )
        .select_related("mediation__organisation__unit", "category")
        .order_by("mediation__organisation__unit__code", "closed_at", "pk")
    )


def with_subsidy(cases, schedule: RateSchedule | None = None) -> list[Case]:
    """The cases (of `subsidised_cases`) with `subsidy` set."""
    schedule = schedule or RateSchedule.load()
    rows = list(cases)
    for case in rows:
        case.subsidy = schedule.of(case)
    return rows


def latest_subsidised(cases: QuerySet[Case], n: int) -> list[Case]:
    """The month's `n` latest closures, newest first: their ids in the order of the closures'
    index, then only those rows read whole (the statement's own order, by organisation, sorted
    every row of a busy month; the export keeps it)."""
    ids = list(cases.order_by("-closed_at", "-pk").values_list("pk", flat=True)[:n])
    return with_subsidy(cases.filter(pk__in=ids).order_by("-closed_at", "-pk"))


def _aware(day: date):
    from datetime import datetime, time

    return datetime.combine(day, time.min, timezone.get_current_timezone())


def _mediation_cases(user: User) -> QuerySet[Case]:
    """Cases handled by mediation that the person may count: a mediator their organisation's,
    center staff and leaders their jurisdiction's."""
    cases = Case.objects.filter(mediation__isnull=False)
    if user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.LEADER):
        # The scope's condition on these same rows, not `pk IN (the person's cases)`: that joined a
        # second pass over the case table back to every row of a month (issue 13).
        return cases.visible_to(user)
    if user.has_role(Role.MEDIATOR) and user.unit_id is not None:
        return cases.filter(mediation__organisation__unit_id=user.unit_id)
    return cases.none()


def agreements_for(user: User) -> QuerySet[Agreement]:
    """The agreements of the mediation cases the person may count (`_mediation_cases`)."""
    return Agreement.objects.filter(case__in=_mediation_cases(user).values("pk"))


def subsidy_totals(cases: QuerySet[Case]) -> dict[str, list[dict]]:
    """The statement's sums per mediator and per organisation: one grouped query of the month's
    cases by what decides their subsidy (difficulty, category, closing day) and who is paid,
    each group priced by the RateSchedule. Each case has one lead mediator, so an organisation's
    sum is its mediators'."""
    org = "mediation__organisation__unit__name"
    groups = list(
        cases.order_by()
        .values(org, "lead_mediator_id", "mediation__difficulty", "category_id", "closed_day")
        .annotate(n=Count("pk"))
        .order_by(org)
    )
    # The lead mediator's id per case (one index probe each), their names once; within each
    # organisation (in the database's order of names) the mediators by name, none last.
    names = dict(Mediator.objects.filter(pk__in={g["lead_mediator_id"] for g in groups}).values_list("pk", "name"))
    place = {name: i for i, name in enumerate(dict.fromkeys(g[org] for g in groups))}
    groups.sort(key=lambda g: (place[g[org]], g["lead_mediator_id"] not in names, names.get(g["lead_mediator_id"], "")))
    schedule = RateSchedule.load()
    by_mediator: dict[tuple, dict] = {}
    for group in groups:
        name = names.get(group["lead_mediator_id"])
        row = by_mediator.setdefault(
            (group[org], name), {org: group[org], "lead_mediator": name, "n": 0, "amount": Decimal(0)}
        )
        row["n"] += group["n"]
        row["amount"] += group["n"] * schedule.amount(
            group["mediation__difficulty"], group["category_id"], group["closed_day"]
        )
    by_org: dict[str, dict] = {}
    for row in by_mediator.values():
        total = by_org.setdefault(row[org], {org: row[org], "n": 0, "amount": Decimal(0)})
        total["n"] += row["n"]
        total["amount"] += row["amount"]
    return {"organisations": list(by_org.values()), "mediators": list(by_mediator.values())}


def mediator_performance(user: User) -> QuerySet[Mediator]:
    """Cases handled, success rate, average days from assignment to closure report, satisfaction,
    per mediator of the organisations the person sees. One grouped query."""
    cases = _mediation_cases(user).values("pk")
    done = Q(assignments__case__reported_at__isnull=False)
    in_scope = Q(assignments__withdrawn_at__isnull=True, assignments__case__in=cases)
    duration = ExpressionWrapper(
        F("assignments__case__reported_at") - F("assignments__assigned_at"), output_field=DurationField()
    )
    rated = Q(assignments__case__satisfaction__in=Satisfaction.values)
    good = Q(assignments__case__satisfaction__in=(Satisfaction.SATISFIED, Satisfaction.BASICALLY))
    return (
        Mediator.objects.filter(Exists(Assignment.objects.filter(mediator=OuterRef("pk"), case__in=cases)))
        .annotate(
            handled=Count("assignments", filter=in_scope),
            reported=Count("assignments", filter=in_scope & done),
            resolved=Count("assignments", filter=in_scope & Q(assignments__case__outcome=Outcome.RESOLVED)),
            open_now=Count("assignments", filter=in_scope & Q(assignments__case__status__in=OPEN_STATUSES)),
            average=Avg(duration, filter=in_scope & done),
            rated=Count("assignments", filter=in_scope & rated),
            satisfied=Count("assignments", filter=in_scope & good),
        )
        .order_by("-handled", "name", "pk")
    )


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
