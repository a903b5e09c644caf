"""Dispute cases (矛盾纠纷) and their workflow.

统一受理 → 分类登记 → 分流转办 → 跟踪督办 → 办结反馈 → 群众评价 → 定期回访. Which step is allowed
when is declared on `Case` below (one transition method per step, with its guard); what a step
does is in `disputes/services.py`. Nothing else writes `status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Lookup, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from disputes import rules
from governance.crypto import mask
from governance.models import Unit

if TYPE_CHECKING:
    from datetime import date, datetime

    from governance.models import User


class Category(models.Model):
    """纠纷类别: a table the system administrator can extend."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("纠纷类别")
        verbose_name_plural = _("纠纷类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class RiskLevel(models.Model):
    """风险等级: 红/黄/蓝 by default; some counties use four colours, so it is a table."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=20)
    color = models.CharField(_("颜色"), max_length=7, help_text=_("如 #d93025"))
    severity = models.PositiveSmallIntegerField(_("严重程度"), help_text=_("数字越大越严重"))
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("风险等级")
        verbose_name_plural = _("风险等级")
        ordering = ["-severity"]

    def __str__(self) -> str:
        return self.name

    @property
    def text_color(self) -> str:
        """Black or white, whichever reads better on this colour (WCAG relative luminance), so a
        badge in any colour the administrator picks stays legible: white on 黄色 is 2:1."""
        try:
            channels = [int(self.color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        except ValueError:
            return "#fff"
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
        # Contrast with white (1.05 / (L + .05)) against contrast with #212529 ((L + .05) / .0681).
        return "#fff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0681 else "#212529"


class Channel(models.TextChoices):
    VISIT = "visit", _("来访")
    PHONE = "phone", _("电话")
    LETTER = "letter", _("来信")
    GRID = "grid", _("网格上报")
    POLICE_110 = "police_110", _("110非警务警情")
    HOTLINE_12345 = "hotline_12345", _("12345热线")
    ONLINE = "online", _("网上/扫码")
    COURT = "court", _("法院诉前委派")
    NIGHT_VISIT = "night_visit", _("平安夜访")
    # 信访: a letter or visit taken in as a petition (信访工作条例), or forwarded by the 信访 bureau. It
    # waits for acceptance like the other submissions: the 15-day 受理告知 and 60 (+30) day 办理 limits
    # of the statutes run on it (disputes.deadlines.acceptance_due, petition_cap).
    PETITION = "petition", _("信访")


# Walk-ins, calls and letters are taken in at the center's desk and registered at once; the other
# channels arrive as submissions the center must accept or reject.
DIRECT_CHANNELS = frozenset({Channel.VISIT, Channel.PHONE, Channel.LETTER})
# 当场化解: a walk-in or a call the center settles at its desk, closed in the step that records it.
SETTLE_CHANNELS = frozenset({Channel.VISIT, Channel.PHONE})
# 群体性纠纷: a dispute of this many people or more (reported up to the county, 越级集体访).
GROUP_PEOPLE = 5


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    REGISTERED = "registered", _("已受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("已分流待签收")
    IN_PROGRESS = "in_progress", _("办理中")
    PENDING_REVIEW = "pending_review", _("办结待审核")
    CLOSED = "closed", _("已办结")
    EVALUATED = "evaluated", _("已评价")
    ARCHIVED = "archived", _("已归档")


OPEN_STATUSES = (Status.SUBMITTED, Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.PENDING_REVIEW)
HANDLING_STATUSES = (Status.DISPATCHED, Status.IN_PROGRESS)


def overdue_q(today: date, status: str = "status", due: str = "handle_due") -> Q:
    """超期 (逾期未办结) on `today`: being handled (已分流待签收, 办理中) past the handling deadline.
    `status` and `due` name the columns, so the daily statistics apply the same rule to the state
    and deadline a case had at a past moment (disputes/stats.py)."""
    return Q(**{f"{status}__in": HANDLING_STATUSES, f"{due}__lt": today})


def sign_late_q(now: datetime) -> Q:
    """应办理未办理: dispatched and not signed for past the sign deadline (签收时限)."""
    return Q(status=Status.DISPATCHED, sign_due__lt=now)


class RejectReason(models.TextChoices):
    IN_COURT = "in_court", _("已由人民法院受理或正在诉讼、执行中")
    POLICE = "police", _("已由公安机关依法处理")
    OTHER_AGENCY = "other_agency", _("已由其他国家机关受理或处理")
    SPECIALISED = "specialised", _("依法应由专门机关处理（如劳动仲裁、行政复议、信访）")
    NOT_DISPUTE = "not_dispute", _("不属于矛盾纠纷（咨询、求助、建议等）")
    DUPLICATE = "duplicate", _("重复反映，已并入在办案件")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("调解成功")
    PARTIAL = "partial", _("部分成功")
    FAILED = "failed", _("调解不成功")


class Route(models.TextChoices):
    """Where the parties are guided when mediation does not settle everything."""

    LITIGATION = "litigation", _("引导诉讼")
    ARBITRATION = "arbitration", _("引导仲裁")
    ADMIN_REVIEW = "admin_review", _("引导行政复议")
    PETITION = "petition", _("引导信访")
    # People's mediation also tells parties of these (人民调解法 Art. 26).
    ADMINISTRATIVE = "administrative", _("引导行政处理")
    PRE_LITIGATION = "pre_litigation", _("引导法院诉前调解")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class VisitMethod(models.TextChoices):
    """How a return visit (回访) reached the parties."""

    PHONE = "phone", _("电话回访")
    HOME = "visit", _("上门回访")
    DESK = "desk", _("来访当面回访")
    MESSAGE = "message", _("短信/微信回访")


class Hold(models.TextChoices):
    RUNNING = "running", _("正常计时")
    MATERIALS = "materials", _("待当事人补充材料")
    APPRAISAL = "appraisal", _("鉴定中")


PAUSED_HOLDS = (Hold.MATERIALS, Hold.APPRAISAL)


class AnyOf(Lookup):
    """`column = ANY(ARRAY(subquery))` on PostgreSQL: the subquery runs once and its ids are looked
    up by index. Elsewhere (SQLite, the embedded default) the same rows as `column IN (subquery)`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs.query if isinstance(self.rhs, QuerySet) else self.rhs)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        if connection.vendor != "postgresql":
            return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class Visibility:
    """Who sees which case, as the parts whose union a person sees: center staff and leaders the
    cases of their region, handling units the cases they lead or co-handle, anybody the cases
    granted to them by name (django-guardian). Each part is one indexable condition on the case
    table (an equality, or an id or foreign-key subquery; never a join), so that the database can
    draw each part from its own index (disputes/listing.py) instead of scanning every case."""

    region_id: int | None = None  # the person's own region (a township center's township)
    prefix: str | None = None  # ... and the code prefix of everything under it
    level: str | None = None
    lead_unit_id: int | None = None
    co_handled: QuerySet | None = None  # case ids, from the co-unit table
    granted: QuerySet | None = None  # case ids, from the guardian grants

    @classmethod
    def of(cls, user: User) -> Visibility:
        from governance.models import REGIONAL_ROLES
        from governance.scoping import jurisdiction

        if not user.is_authenticated:
            return cls()
        region = jurisdiction(user) if user.has_role(*REGIONAL_ROLES) else None
        lead_unit_id = co_handled = None
        if user.unit_id is not None and user.has_role(*rules.HANDLING_ROLES):
            lead_unit_id = user.unit_id
            co_handled = Case.co_units.through.objects.filter(unit_id=user.unit_id).values("case_id")
        granted = CaseUserObjectPermission.objects.filter(user=user, permission__codename="view_case")
        granted_ids = granted.values("content_object_id")
        if region is None:
            return cls(lead_unit_id=lead_unit_id, co_handled=co_handled, granted=granted_ids)
        return cls(region.pk, region.prefix, region.level, lead_unit_id, co_handled, granted_ids)

    def region_parts(self) -> list[Q]:
        """The cases whose township's code starts with the person's prefix. A case's township is
        always a township (every intake path picks one), so that is the person's own region by
        equality (an ordered index scan for a township center), and for a county the townships
        under it by id."""
        from grids.models import Region

        if self.prefix is None:
            return []
        own = Q(township_id=self.region_id)
        if self.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
            return [own]
        under = Region.objects.filter(code__startswith=self.prefix, level=Region.Level.TOWNSHIP)
        return [own, Q(township__in=under.exclude(pk=self.region_id).values("pk"))]

    def region(self) -> Q | None:
        parts = self.region_parts()
        return reduce(or_, parts) if parts else None

    def parts(self) -> list[Q]:
        """Each part as a condition on cases; their OR is exactly what the person sees."""
        parts = self.region_parts()
        if self.lead_unit_id is not None:
            parts.append(Q(lead_unit_id=self.lead_unit_id))
        parts += [Q(pk__in=ids) for ids in (self.co_handled, self.granted) if ids is not None]
        return parts

    def drawn_parts(self) -> list[Q]:
        """The parts as the database can draw each from an index: an id set as
        `id = ANY(ARRAY(subquery))`, looked up by primary key (the subquery runs once), where
        `id IN (subquery)` is a join or a hashed filter that only a scan of the cases can apply."""
        drawn = [*self.region_parts()]
        if self.lead_unit_id is not None:
            drawn.append(Q(lead_unit_id=self.lead_unit_id))
        return drawn + [Q(AnyOf(F("pk"), ids)) for ids in (self.co_handled, self.granted) if ids is not None]

    def disjoint_parts(self) -> list[Q]:
        """The parts, each without the rows of the ones before it (so their counts add up), each
        drawn from its own index (a police station's co-handled cases are sparse among a million:
        walking a list's order to find them would read most of the cases)."""
        parts = self.parts()
        return [reduce(and_, (~earlier for earlier in parts[:i]), part) for i, part in enumerate(self.drawn_parts())]

    def condition(self) -> Q:
        """The person's cases as one condition, for one query.

        With a region, an OR of the drawn parts: a list walks its order's index and keeps the rows
        of any part (a township holds a tenth of a county's cases, so it finds a page at once),
        and a count or a narrow filter (overdue, a status) combines the parts' indexes (a bitmap
        OR) rather than read every case of the county. Without a region the parts are small and
        sparse among a million cases, so the case ids are drawn from the parts' own indexes first
        (one UNION of id subqueries)."""
        if self.prefix is not None:
            return reduce(or_, self.drawn_parts())
        ids = [ids for ids in (self.co_handled, self.granted) if ids is not None]
        if self.lead_unit_id is not None:
            ids.insert(0, Case.objects.order_by().filter(lead_unit_id=self.lead_unit_id).values("pk"))
        if not ids:
            return Q(pk__in=[])
        first, *rest = ids
        return Q(pk__in=first.union(*rest, all=True) if rest else first)


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CaseQuerySet:
        """The cases this person may see (`Visibility`), in one query."""
        if not user.is_authenticated:
            return self.none()
        # Subqueries rather than joins: no duplicate rows, so no DISTINCT on large lists.
        return self.filter(Visibility.of(user).condition())

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None) -> CaseQuerySet:
        return self.filter(overdue_q(today or timezone.localdate()))


class Case(FSMModelMixin, models.Model):
    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    status = FSMField(_("状态"), default=Status.SUBMITTED, choices=Status.choices, protected=True, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    source_ref = models.CharField(_("来源单号"), max_length=40, blank=True, help_text=_("如12345工单号、110警情编号"))
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now, db_index=True)
    intake_unit = models.ForeignKey(
        "governance.Unit", verbose_name=_("受理单位"), on_delete=models.PROTECT, related_name="cases_taken_in"
    )
    registered_by = models.ForeignKey(
        "governance.User", verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    township = models.ForeignKey(
        "grids.Region", verbose_name=_("所属镇（街道）"), on_delete=models.PROTECT, related_name="township_cases"
    )
    village = models.ForeignKey(
        "grids.Region",
        verbose_name=_("所属村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_cases",
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("所属网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    place = models.CharField(_("发生地点"), max_length=200, blank=True)

    category = models.ForeignKey(
        Category, verbose_name=_("纠纷类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    risk_level = models.ForeignKey(
        RiskLevel, verbose_name=_("风险等级"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    summary = models.TextField(_("纠纷简要情况"))
    demands = models.TextField(_("当事人诉求"), blank=True)
    may_turn_criminal = models.BooleanField(
        _("可能激化为治安、刑事案件"), default=False, help_text=_("勾选后立即通知属地派出所（人民调解法第二十五条）。")
    )
    major_emergency = models.BooleanField(
        _("重大紧急"), default=False, help_text=_("勾选后立即上报县综治中心。群体性纠纷（5人以上）自动上报。")
    )

    lead_unit = models.ForeignKey(
        "governance.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_led",
    )
    co_units = models.ManyToManyField(
        "governance.Unit", verbose_name=_("协办单位"), blank=True, related_name="cases_co_handled"
    )
    dispatched_at = models.DateTimeField(_("分流时间"), null=True, blank=True)
    handle_due = models.DateField(_("办理期限"), null=True, blank=True, db_index=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("办结反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    outcome = models.CharField(_("化解结果"), max_length=10, choices=Outcome.choices, blank=True)
    routes = models.CharField(_("引导途径"), max_length=60, blank=True, help_text=_("多个以逗号分隔"))
    outcome_summary = models.TextField(_("办理情况"), blank=True)

    satisfaction = models.CharField(_("群众评价"), max_length=15, choices=Satisfaction.choices, blank=True)
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    # 计时暂停: while waiting for a party's materials or an appraisal the handling clock stops.
    hold = FSMField(_("计时状态"), default=Hold.RUNNING, choices=Hold.choices, protected=True)
    sign_due = models.DateTimeField(_("签收期限"), null=True, blank=True)

    reject_reason = models.CharField(_("不予受理理由"), max_length=20, choices=RejectReason.choices, blank=True)
    reject_route = models.CharField(_("告知的解决途径"), max_length=200, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("矛盾纠纷案件")
        verbose_name_plural = _("矛盾纠纷案件")
        ordering = ["-received_at", "-id"]
        permissions = [("reveal_personal_data", _("查看当事人完整身份证号和电话"))]
        indexes = [
            models.Index(fields=["status", "handle_due"]),
            models.Index(fields=["township", "received_at"]),
            # The overdue scan and its digest read only the open cases and those awaiting their
            # return visit (a third of a large county's), and only these columns: an index-only
            # scan instead of reading the whole table (disputes/scan.py).
            models.Index(
                fields=["status"],
                include=[
                    "sign_due",
                    "handle_due",
                    "hold",
                    "reported_at",
                    "closed_at",
                    "visited_at",
                    "category_id",
                    "risk_level_id",
                    "intake_unit_id",
                    "lead_unit_id",
                    "township_id",
                ],
                condition=models.Q(status__in=OPEN_STATUSES)
                | models.Q(status__in=[Status.CLOSED, Status.EVALUATED], visited_at__isnull=True),
                name="case_open_or_unvisited",
            ),
            # Each part of a person's cases from its own index, in the lists' orders (issue 13):
            # a unit's cases newest first; a status's cases of a township by deadline (my work,
            # the home counts); the cases being handled by deadline, all and per township (the
            # overdue lists walk only those, not every deadline since the county began).
            models.Index(fields=["lead_unit", "received_at"], name="case_lead_received"),
            models.Index(fields=["lead_unit", "status", "handle_due"], name="case_lead_status_due"),
            models.Index(fields=["status", "township", "handle_due"], name="case_status_township_due"),
            # With every column the scoping reads (township, lead unit, id), so a jurisdiction's
            # overdue count (the supervision list, the leader's work) is read from this index alone.
            models.Index(
                fields=["handle_due", "received_at"],
                include=["township", "lead_unit", "id"],
                condition=Q(status__in=HANDLING_STATUSES),
                name="case_handling_due_scoped",
            ),
            models.Index(
                fields=["township", "handle_due"],
                condition=Q(status__in=HANDLING_STATUSES),
                name="case_handling_township",
            ),
            # The supervision list's 应办理未办理 and 应受理未受理, counted and listed from these alone.
            models.Index(
                fields=["sign_due"],
                include=["township", "lead_unit", "id"],
                condition=Q(status=Status.DISPATCHED),
                name="case_unsigned_scoped",
            ),
            models.Index(
                fields=["received_at"],
                include=["township", "lead_unit", "id"],
                condition=Q(status=Status.SUBMITTED),
                name="case_unaccepted_scoped",
            ),
            # The overdue ledger (超期台账): cases not reported, by deadline; cases reported since a day.
            models.Index(
                fields=["handle_due"],
                include=["lead_unit_id", "township_id", "id"],  # the scope, for an index-only count
                condition=Q(reported_at__isnull=True),
                name="case_unreported_due",
            ),
            models.Index(fields=["reported_at"], name="case_reported_at"),
            # The overdue scan's steady runs read only the cases changed since the day's full pass.
            models.Index(fields=["updated_at"], name="case_updated_at"),
            # Unit performance (disputes/performance.py): a period's dispatches and reports, and the
            # deadlines of the cases being handled, each with the columns its figures and the
            # person's scope read (township, lead unit, id), so an index-only scan of the period's
            # rows counts them without visiting the table.
            models.Index(
                fields=["dispatched_at"],
                include=["lead_unit_id", "township_id", "signed_at", "id"],
                condition=Q(dispatched_at__isnull=False),
                name="case_perf_dispatched",
            ),
            models.Index(
                fields=["reported_at"],
                # number: the overdue ledger's late part in its order (disputes.performance).
                include=["lead_unit_id", "township_id", "handle_due", "dispatched_at", "status", "id", "number"],
                condition=Q(reported_at__isnull=False),
                name="case_perf_reported",
            ),
            models.Index(
                fields=["handle_due"],
                include=["lead_unit_id", "township_id", "status", "id"],
                condition=Q(status__in=HANDLING_STATUSES),
                name="case_perf_handling",
            ),
            # 一案一补: a month's successful closures with what their statement reads and the
            # person's scope (mediation/queries.py subsidised_cases), an index-only scan.
            models.Index(
                fields=["closed_at"],
                include=["township_id", "lead_unit_id", "category_id", "id"],
                condition=Q(outcome="resolved"),
                name="case_resolved_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_group(self) -> bool:
        """群体性纠纷: five or more people."""
        return self.people_involved >= GROUP_PEOPLE

    @property
    def must_report_upward(self) -> bool:
        return self.is_group or self.major_emergency

    @property
    def route_labels(self) -> str:
        return "、".join(str(Route(r).label) for r in self.routes.split(",") if r in Route.values)

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status in HANDLING_STATUSES and self.handle_due is not None and self.handle_due < today

    # --- Transitions: which step is allowed from which state, by whom --------------------------
    # The bodies are empty on purpose: the fields each step writes are set by its service in
    # disputes/services.py, inside the transaction that locks the case.

    @transition(field=status, source=Status.SUBMITTED, target=Status.REGISTERED, permission=rules.is_case_center)
    def accept(self) -> None:
        """受理: the center takes in a submission."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED, permission=rules.is_case_center)
    def reject(self) -> None:
        """不予受理, with a reason and the route offered to the citizen."""

    @transition(
        field=status,
        source=Status.REGISTERED,
        target=Status.DISPATCHED,
        conditions=[rules.is_classified],
        permission=rules.is_case_center,
    )
    def dispatch(self) -> None:
        """分流转办 (中心吹哨): to a lead unit, optionally co-handling units, with a deadline."""

    @transition(field=status, source=Status.DISPATCHED, target=Status.IN_PROGRESS, permission=rules.is_lead_unit_staff)
    def sign(self) -> None:
        """签收 (部门报到)."""

    @transition(
        field=status,
        source=[Status.DISPATCHED, Status.IN_PROGRESS],
        target=Status.REGISTERED,
        permission=rules.is_lead_unit_staff,
    )
    def return_to_center(self) -> None:
        """退回中心, with a reason (not ours, wrong unit)."""

    @transition(
        field=status, source=Status.IN_PROGRESS, target=Status.PENDING_REVIEW, permission=rules.is_lead_unit_staff
    )
    def report(self) -> None:
        """办结反馈: the lead unit reports the outcome."""

    @transition(field=status, source=Status.PENDING_REVIEW, target=Status.CLOSED, permission=rules.is_case_center)
    def approve(self) -> None:
        """审核通过: the center accepts the closure report."""

    @transition(field=status, source=Status.PENDING_REVIEW, target=Status.IN_PROGRESS, permission=rules.is_case_center)
    def send_back(self) -> None:
        """审核退回: the report is not good enough; the unit goes on."""

    @transition(field=status, source=Status.CLOSED, target=Status.EVALUATED, permission=rules.is_case_center)
    def evaluate(self) -> None:
        """群众评价 (满意/基本满意/不满意), recorded from a phone call."""

    @transition(
        field=status,
        source=Status.REGISTERED,
        target=Status.CLOSED,
        conditions=[rules.is_classified, rules.is_settled_at_desk],
        permission=rules.is_case_center,
    )
    def settle(self) -> None:
        """当场化解: a walk-in or call settled at the center's desk, closed with its result at once
        (then evaluated and visited like any closed case)."""

    @transition(
        field=status,
        source=Status.EVALUATED,
        target=Status.EVALUATED,
        conditions=[rules.is_not_visited],
        permission=rules.is_case_center,
    )
    def visit(self) -> None:
        """回访 (定期回访), once the citizen has rated the case: how, when, by whom, and whether the
        dispute came back (then the service reopens the case)."""

    @transition(
        field=status,
        source=Status.EVALUATED,
        target=Status.ARCHIVED,
        conditions=[rules.is_visited, rules.is_not_dissatisfied],
        permission=rules.is_case_center,
    )
    def archive(self) -> None:
        """归档 after the return visit found the dispute settled: 案结事了."""

    @transition(field=status, source=Status.EVALUATED, target=Status.REGISTERED, permission=rules.is_case_center)
    def reopen(self) -> None:
        """重新办理: the citizen was dissatisfied, or the return visit found the dispute back."""

    # --- The handling clock: paused while the case waits on something outside the unit --------

    @transition(
        field=hold,
        source=Hold.RUNNING,
        target=RETURN_VALUE(*PAUSED_HOLDS),
        conditions=[rules.is_in_progress],
        permission=rules.is_lead_unit_staff,
    )
    def pause(self, reason: str) -> str:
        """暂停计时: 待当事人补充材料 or 鉴定中."""
        return reason

    @transition(field=hold, source=list(PAUSED_HOLDS), target=Hold.RUNNING, permission=rules.may_resume_clock)
    def resume(self) -> None:
        """恢复计时: the materials arrived or the appraisal is back."""


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian grants on one case to one person (a named mediator, a consulted expert),
    with a direct foreign key so that scoping stays one indexed join."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("案件授权")
        verbose_name_plural = _("案件授权")


class CaseSequence(models.Model):
    """The last number given per township and year; incremented under a row lock."""

    township = models.ForeignKey("grids.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["township", "year"], name="unique_case_sequence")]

    def __str__(self) -> str:
        return f"{self.year}-{self.township_id}: {self.last}"


class Party(models.Model):
    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        THIRD = "third", _("第三人")

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("单位")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("当事人类型"), max_length=12, choices=Role.choices)
    kind = models.CharField(_("主体"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("姓名/名称"), max_length=80)
    id_number_encrypted = models.TextField(_("身份证号（加密）"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    phone_encrypted = models.TextField(_("联系电话（加密）"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["id_number_encrypted", "phone_encrypted"])

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "role", "id"]

    def __str__(self) -> str:
        return self.name

    def set_identifiers(self, *, id_number: str, phone: str) -> None:
        from governance.crypto import blind_index, encrypt

        self.id_number_encrypted, self.id_number_index = encrypt(id_number), blind_index(id_number)
        self.id_number_masked = mask(id_number)
        self.phone_encrypted, self.phone_index, self.phone_masked = encrypt(phone), blind_index(phone), mask(phone)


class KeyPersonQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> KeyPersonQuerySet:
        """The register of the person's jurisdiction, for the roles that need it (rules.py)."""
        from governance.scoping import region_q

        if not rules.may_view_key_persons(user):
            return self.none()
        return self.filter(region_q(user, "township"))

    def active(self) -> KeyPersonQuerySet:
        return self.filter(state=KeyPerson.State.ACTIVE)

    def matching(self, parties) -> KeyPersonQuerySet:
        """Entries naming any of these parties: the party itself, or the same ID or phone number."""
        parties = list(parties)
        ids = {p.id_number_index for p in parties if p.id_number_index}
        phones = {p.phone_index for p in parties if p.phone_index}
        return self.filter(
            Q(party__in=[p.pk for p in parties]) | Q(id_number_index__in=ids) | Q(phone_index__in=phones)
        )


class KeyPerson(models.Model):
    """重点人员名单: who was marked, why, by whom, when, from which case, and whether the mark still
    stands. Only the centers and leaders of the jurisdiction see it (rules.may_view_key_persons);
    viewing it and every change are audited (disputes/key_persons.py)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("在册")
        REMOVED = "removed", _("已撤销")

    class Source(models.TextChoices):
        RULE = "rule", _("系统规则：一年内涉及3件及以上纠纷")
        MANUAL = "manual", _("人工标记")

    party = models.ForeignKey(Party, verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="key_marks")
    case = models.ForeignKey(Case, verbose_name=_("来源案件"), on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(
        "grids.Region", verbose_name=_("镇（街道）"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=80)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    reason = models.TextField(_("列入理由"))
    marked_by = models.ForeignKey(
        "governance.User",
        verbose_name=_("标记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空白表示由系统规则列入"),
    )
    marked_at = models.DateTimeField(_("列入时间"), default=timezone.now)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)
    removed_by = models.ForeignKey(
        "governance.User", verbose_name=_("撤销人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    removal_reason = models.TextField(_("撤销理由"), blank=True)
    history = HistoricalRecords()

    objects = KeyPersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点人员")
        verbose_name_plural = _("重点人员名单")
        ordering = ["-marked_at", "-id"]
        constraints = [
            # One standing mark per party: two clerks marking at once cannot both succeed.
            models.UniqueConstraint(fields=["party"], condition=Q(state="active"), name="key_person_one_active"),
        ]

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case.number}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", _("申请材料")
        EVIDENCE = "evidence", _("证据材料")
        AGREEMENT = "agreement", _("协议书")
        PHOTO = "photo", _("现场照片")
        OTHER = "other", _("其他")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    # None: sent by the citizen on the public pages (码上办).
    uploaded_by = models.ForeignKey(
        "governance.User", verbose_name=_("上传人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(models.Model):
    """One step of a case: who, when, from which state to which, and why. The timeline."""

    class Action(models.TextChoices):
        REGISTER = "register", _("登记受理")
        SUBMIT = "submit", _("提交待受理")
        ACCEPT = "accept", _("受理")
        REJECT = "reject", _("不予受理")
        DISPATCH = "dispatch", _("分流转办")
        SIGN = "sign", _("签收")
        RETURN = "return", _("退回中心")
        PROGRESS = "progress", _("办理进展")
        REPORT = "report", _("办结反馈")
        APPROVE = "approve", _("审核通过")
        SEND_BACK = "send_back", _("审核退回")
        EVALUATE = "evaluate", _("群众评价")
        SETTLE = "settle", _("当场化解")
        VISIT = "visit", _("回访")
        ARCHIVE = "archive", _("归档")
        REOPEN = "reopen", _("重新办理")
        NOTIFY_POLICE = "notify_police", _("通知派出所")
        REPORT_UPWARD = "report_upward", _("上报县综治中心")
        ATTACH = "attach", _("上传材料")
        EXTENSION_REQUEST = "extension_request", _("申请延期")
        EXTENSION_APPROVE = "extension_approve", _("批准延期")
        EXTENSION_REFUSE = "extension_refuse", _("不批准延期")
        SUPERVISE = "supervise", _("挂牌督办")
        SUPERVISION_ANSWER = "supervision_answer", _("督办回复")
        SUPERVISION_LIFT = "supervision_lift", _("撤销挂牌")
        GRANT = "grant", _("指定人员")
        PAUSE = "pause", _("暂停计时")
        RESUME = "resume", _("恢复计时")
        # From the citizen on the public pages (码上办): a note or photo added to an open case, and
        # 不满意 with a reason, which asks the center to reopen the case.
        CITIZEN_NOTE = "citizen_note", _("群众补充情况")
        REOPEN_REQUEST = "reopen_request", _("群众申请重新办理")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        "governance.User", verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_unit = models.ForeignKey(
        "governance.Unit", verbose_name=_("操作单位"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    # When the row was written, whatever `at` says: a step dated on a day already counted makes
    # that day's statistics dirty (governance.stats).
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now, db_index=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件流转记录")
        verbose_name_plural = _("案件流转记录")
        ordering = ["at", "id"]
        # (at): the daily statistics read one day's steps at a time.
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["at"], name="case_event_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def details(self) -> list[str]:
        """What the step decided, in words, for the timeline: the result of a 办结反馈 or 当场化解,
        the citizen's rating, how the return visit went (an archive written before the visit was
        its own step carries the visit's method)."""
        data, lines = self.data or {}, []
        if self.action in (self.Action.REPORT, self.Action.SETTLE) and data.get("outcome") in Outcome.values:
            routes = "、".join(str(Route(r).label) for r in data.get("routes") or () if r in Route.values)
            parts = [str(_("化解结果：%(o)s") % {"o": Outcome(data["outcome"]).label})]
            if routes:
                parts.append(str(_("引导途径：%(r)s") % {"r": routes}))
            lines.append("；".join(parts))
        if self.action == self.Action.EVALUATE and data.get("satisfaction") in Satisfaction.values:
            lines.append(str(_("评价结果：%(s)s") % {"s": Satisfaction(data["satisfaction"]).label}))
        if self.action == self.Action.CITIZEN_NOTE and data.get("attachment"):
            lines.append(str(_("照片：%(n)s") % {"n": data["attachment"]}))
        if self.action in (self.Action.VISIT, self.Action.ARCHIVE) and data.get("method") in VisitMethod.values:
            parts = [str(_("回访方式：%(m)s") % {"m": VisitMethod(data["method"]).label})]
            if data.get("visited_on"):
                parts.append(str(_("回访日期：%(d)s") % {"d": data["visited_on"]}))
            if data.get("visitor"):
                parts.append(str(_("回访人：%(p)s") % {"p": data["visitor"]}))
            if "came_back" in data:
                parts.append(str(_("纠纷复发，重新办理") if data["came_back"] else _("纠纷未复发")))
            lines.append("；".join(parts))
        return lines


class ExtensionRequest(models.Model):
    """延期申请: the lead unit asks for more working days; the deadline moves only on approval."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不批准")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        "governance.User", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    days = models.PositiveSmallIntegerField(_("申请延长（工作日）"))
    reason = models.TextField(_("延期理由"))
    decision = models.CharField(_("审批结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        "governance.User", verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approved_days = models.PositiveSmallIntegerField(_("批准延长（工作日）"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    old_due = models.DateField(_("原办理期限"))
    new_due = models.DateField(_("新办理期限"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(decision="pending"), name="one_pending_extension_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class Supervision(models.Model):
    """挂牌督办: a leader lists a case with an instruction (批示) and a deadline of their own; the
    handling unit must answer; the leader lifts the listing."""

    class State(models.TextChoices):
        OPEN = "open", _("督办中")
        ANSWERED = "answered", _("已回复")
        LIFTED = "lifted", _("已撤牌")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="supervisions")
    leader = models.ForeignKey(
        "governance.User", verbose_name=_("督办领导"), on_delete=models.PROTECT, related_name="+"
    )
    instruction = models.TextField(_("领导批示"))
    due = models.DateField(_("督办期限"))
    created_at = models.DateTimeField(_("挂牌时间"), default=timezone.now)
    state = models.CharField(_("督办状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    answer = models.TextField(_("办理回复"), blank=True)
    answered_by = models.ForeignKey(
        "governance.User", verbose_name=_("回复人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("撤牌时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("挂牌督办")
        verbose_name_plural = _("挂牌督办")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=~models.Q(state="lifted"), name="one_active_supervision_per_case"
            )
        ]
        # The supervision list's 挂牌督办, by deadline: walked in order until a page of the person's is found.
        indexes = [
            models.Index(fields=["due", "id"], condition=~models.Q(state="lifted"), name="supervision_active_due")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_state_display()}"


# --- Time limits (时限) --------------------------------------------------------------------------


class Stage(models.TextChoices):
    """The clocks a case runs through; each belongs to one status."""

    SIGN = "sign", _("签收")
    HANDLE = "handle", _("办理")
    REVIEW = "review", _("审核")
    VISIT = "visit", _("回访")


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    HOURS = "hours", _("小时")
    MONTHS = "months", _("个月")


class StatutoryLimit(models.Model):
    """A time limit set by law or regulation, with its citation: shown beside the countdown of
    every case it governs, and used by the mediation and petition work."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    amount = models.PositiveSmallIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=15, choices=LimitUnit.choices)
    extension = models.PositiveSmallIntegerField(_("可延长"), default=0, help_text=_("经批准可延长的期限，同一单位"))
    citation = models.CharField(_("依据"), max_length=120, help_text=_("如：《人民调解工作若干规定》第三十六条"))
    text = models.TextField(_("条文"), blank=True)
    handled_by_kind = models.CharField(
        _("适用的主办单位类型"),
        max_length=20,
        blank=True,
        choices=[("", "—"), *Unit.Kind.choices],
        help_text=_("案件转办给此类单位时，办理期限不超过本时限"),
    )
    handled_by_sector = models.CharField(
        _("适用的主办单位条线"),
        max_length=20,
        blank=True,
        choices=[("", "—"), *Unit.Sector.choices],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("法定时限")
        verbose_name_plural = _("法定时限")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.citation}）"


class TimeLimitRule(models.Model):
    """One row of the time-limit matrix: level × category × risk colour, each blank meaning
    "any". The most specific row that matches a case wins; the all-blank row is the default."""

    class Level(models.TextChoices):
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("镇（街道）级")

    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("纠纷类别"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    risk_level = models.ForeignKey(
        RiskLevel, verbose_name=_("风险等级"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则（时限矩阵）")
        ordering = ["level", "category__order", "-risk_level__severity", "id"]

    def __str__(self) -> str:
        parts = [
            self.get_level_display() if self.level else _("各层级"),
            self.category.name if self.category_id else _("各类别"),
            self.risk_level.name if self.risk_level_id else _("各风险等级"),
        ]
        return " × ".join(str(p) for p in parts)

    @property
    def specificity(self) -> int:
        return bool(self.level) + (self.category_id is not None) + (self.risk_level_id is not None)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        twins = TimeLimitRule.objects.filter(
            level=self.level, category=self.category, risk_level=self.risk_level
        ).exclude(pk=self.pk)
        if twins.exists():
            raise ValidationError(_("已有相同层级、类别和风险等级的时限规则，请直接修改该规则。"))


class StageLimit(models.Model):
    """The limit of one stage in a matrix row, with its thresholds, all in the stage's unit:
    临期 when this much is left; 黄牌 when this much past the deadline (0: as soon as it is
    missed); 红牌 when this much past it."""

    rule = models.ForeignKey(TimeLimitRule, verbose_name=_("时限规则"), on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices)
    amount = models.PositiveSmallIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=15, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)
    due_soon = models.PositiveSmallIntegerField(_("临期提醒（剩余）"), default=2)
    yellow_after = models.PositiveSmallIntegerField(_("黄牌（超期）"), default=0)
    red_after = models.PositiveSmallIntegerField(_("红牌（超期）"), default=3)
    statute = models.ForeignKey(
        StatutoryLimit,
        verbose_name=_("法定依据"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        ordering = ["rule", "stage"]
        constraints = [models.UniqueConstraint(fields=["rule", "stage"], name="one_limit_per_stage")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.amount}{self.get_unit_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.amount == 0:
            raise ValidationError({"amount": _("时限须大于 0。")})
        if self.red_after < self.yellow_after:
            raise ValidationError({"red_after": _("红牌阈值不能小于黄牌阈值。")})
        if self.due_soon >= self.amount:
            raise ValidationError({"due_soon": _("临期提醒须小于时限本身。")})


class UnitMonth(models.Model):
    """Unit performance's finished work per month, lead unit and township (disputes/performance.py):
    the cases dispatched in the month (and of them the signed ones with their total time to sign)
    and the 办结反馈 of the month on time or late (with the total time from dispatch). Exact
    counters kept by the database: on PostgreSQL a trigger on the case table takes each row's old
    contribution off and adds its new one in the transaction that changes it, whatever the path
    (a service, a data fix, a bulk load), so the sums equal a count over the cases at every commit
    (migration 0013). The same counts are written once in `disputes.performance.measure_q`; the
    embedded SQLite has no trigger and counts the cases instead. Never written by the code."""

    month = models.DateField(_("月份"))
    lead_unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    township = models.ForeignKey("grids.Region", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    dispatched = models.IntegerField(_("承办"), default=0)
    signed = models.IntegerField(_("已签收"), default=0)
    sign_us = models.BigIntegerField(_("签收用时合计（微秒）"), default=0)
    on_time = models.IntegerField(_("按时办结"), default=0)
    late = models.IntegerField(_("超期办结"), default=0)
    reported = models.IntegerField(_("已分流的办结"), default=0)
    report_us = models.BigIntegerField(_("办结用时合计（微秒）"), default=0)

    class Meta:
        verbose_name = _("单位月度办理统计")
        verbose_name_plural = _("单位月度办理统计")
        constraints = [
            models.UniqueConstraint(fields=["month", "lead_unit", "township"], name="unit_month_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.lead_unit_id}/{self.township_id}"


# --- Early warnings (预警) -------------------------------------------------------------------------


class WarningKind(models.TextChoices):
    SPIKE = "spike", _("同类纠纷短期高发")
    GROUP = "group", _("群体性纠纷")
    REPEAT_PARTY = "repeat_party", _("当事人反复纠纷")
    UPWARD = "upward", _("越级上报")
    RED_UNSIGNED = "red_unsigned", _("红色案件超时未签收")


class WarningRule(models.Model):
    """One county's threshold for one kind of warning, kept by the system administrator. A county
    without a row for a kind uses `disputes.warnings.DEFAULT_RULES`; a row switched off silences
    that kind. Which of `threshold`, `days` and `hours` a kind reads is in `WARNING_PARAMETERS`."""

    county = models.ForeignKey(
        "grids.Region",
        verbose_name=_("县（区）"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    kind = models.CharField(_("预警类型"), max_length=20, choices=WarningKind.choices)
    threshold = models.PositiveSmallIntegerField(
        _("阈值"), help_text=_("高发：件数；群体性：涉及人数；反复纠纷：案件数；越级、超时未签收：不使用")
    )
    days = models.PositiveSmallIntegerField(_("统计天数"), default=0, help_text=_("高发、反复纠纷、越级：最近多少天"))
    hours = models.PositiveSmallIntegerField(_("小时数"), default=0, help_text=_("红色案件分流后超过多少小时未签收"))
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["county", "kind"]
        constraints = [models.UniqueConstraint(fields=["county", "kind"], name="one_warning_rule_per_county_kind")]

    def __str__(self) -> str:
        return f"{self.county} {self.get_kind_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        needs = WARNING_PARAMETERS.get(self.kind, ())
        if "threshold" in needs and (self.threshold or 0) < 2:
            errors["threshold"] = _("阈值至少为 2。")
        if "days" in needs and not self.days:
            errors["days"] = _("请填写统计天数（至少 1 天）。")
        if "days" in needs and (self.days or 0) > 366:
            errors["days"] = _("统计天数不能超过 366 天。")
        if "hours" in needs and not self.hours:
            errors["hours"] = _("请填写小时数（至少 1 小时）。")
        if errors:
            raise ValidationError(errors)


# The parameters each kind reads (the others are ignored).
WARNING_PARAMETERS: dict[str, tuple[str, ...]] = {
    WarningKind.SPIKE: ("threshold", "days"),
    WarningKind.GROUP: ("threshold",),
    WarningKind.REPEAT_PARTY: ("threshold", "days"),
    WarningKind.UPWARD: ("days",),
    WarningKind.RED_UNSIGNED: ("hours",),
}


class EarlyWarningQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> EarlyWarningQuerySet:
        """Center staff and leaders see the warnings of their jurisdiction; nobody else any."""
        from governance.models import REGIONAL_ROLES
        from governance.scoping import region_q

        if not user.is_authenticated or not user.has_role(*REGIONAL_ROLES):
            return self.none()
        return self.filter(region_q(user, "township"))

    def open(self) -> EarlyWarningQuerySet:
        return self.filter(state=EarlyWarning.State.OPEN)


class EarlyWarning(models.Model):
    """A warning the scan raised (disputes/warnings.py): once per `key`, enforced by the database."""

    class State(models.TextChoices):
        OPEN = "open", _("待处置")
        CLOSED = "closed", _("已处置")

    kind = models.CharField(_("预警类型"), max_length=20, choices=WarningKind.choices)
    key = models.CharField(_("唯一键"), max_length=120, unique=True)
    # What the warning is about, without its day: a later window of the same spike or person is
    # looked up by it (a new warning only once the earlier window has passed).
    subject = models.CharField(_("对象"), max_length=100, db_index=True)
    township = models.ForeignKey(
        "grids.Region", verbose_name=_("所属镇（街道）"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "grids.Region",
        verbose_name=_("所属村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("预警内容"), max_length=200)
    cases = models.ManyToManyField(Case, verbose_name=_("相关案件"), related_name="warnings", blank=True)
    raised_at = models.DateTimeField(_("预警时间"), default=timezone.now, db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    closed_by = models.ForeignKey(
        "governance.User", verbose_name=_("处置人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    close_note = models.TextField(_("处置情况"), blank=True)

    objects = EarlyWarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["township", "state", "raised_at"], name="warning_township_state")]

    def __str__(self) -> str:
        return self.title


# 联席例会 and 会商研判: the meeting's record, the cases and warnings it discussed, and its decisions,
# each with an owner unit and a deadline, chased like night-visit issues (disputes/meeting_scan.py for
# the reminders, the supervision list, closure with an answer).


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> MeetingQuerySet:
        """Center staff and leaders: the meetings held in their jurisdiction (a county sees its
        townships'); anyone: the meetings that gave their unit a decision."""
        from governance.models import REGIONAL_ROLES
        from governance.scoping import region_q

        if not user.is_authenticated or user.is_administrator:
            return self.none()
        condition = Q(pk__in=[])
        if user.has_role(*REGIONAL_ROLES):
            condition |= region_q(user, "region")
        if user.unit_id is not None:
            condition |= Q(pk__in=MeetingDecision.objects.filter(owner_unit_id=user.unit_id).values("meeting_id"))
        return self.filter(condition)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        JOINT = "joint", _("联席例会")
        CONSULT = "consult", _("会商研判")

    kind = models.CharField(_("会议类型"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("会议日期"), db_index=True)
    region = models.ForeignKey("grids.Region", verbose_name=_("召开地区"), on_delete=models.PROTECT, related_name="+")
    convened_by = models.ForeignKey(
        "governance.Unit", verbose_name=_("召集单位"), on_delete=models.PROTECT, related_name="+"
    )
    chair = models.CharField(_("主持人"), max_length=60)
    units = models.ManyToManyField("governance.Unit", verbose_name=_("参会单位"), related_name="+")
    cases = models.ManyToManyField("disputes.Case", verbose_name=_("研判案件"), related_name="meetings", blank=True)
    warnings = models.ManyToManyField(
        "disputes.EarlyWarning", verbose_name=_("研判预警"), related_name="meetings", blank=True
    )
    summary = models.TextField(_("会议情况"))
    recorded_by = models.ForeignKey(
        "governance.User", verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("联席例会/会商研判")
        verbose_name_plural = _("联席例会/会商研判")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class MeetingDecisionQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> MeetingDecisionQuerySet:
        return self.filter(meeting__in=Meeting.objects.visible_to(user).values("pk"))

    def overdue(self, today: date) -> MeetingDecisionQuerySet:
        return self.filter(status=MeetingDecision.Status.ASSIGNED, due__lt=today)


class MeetingDecision(models.Model):
    """One decision of a meeting (议定事项): an owner unit, a deadline, and an answer that closes it."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("办理中")
        DONE = "done", _("已办结")

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("议定事项"))
    owner_unit = models.ForeignKey(
        "governance.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="meeting_decisions"
    )
    due = models.DateField(_("办结期限"), db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ASSIGNED, db_index=True)
    answer = models.TextField(_("办理结果"), blank=True)
    answered_by = models.ForeignKey(
        "governance.User", verbose_name=_("回复人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = MeetingDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.ASSIGNED and self.due < (today or timezone.localdate())


class CaseCode(models.Model):
    """一案一码: the query code a citizen follows a case with, printed with its QR on the intake
    receipt and given at once after an online report. Looking a case up needs the code and a
    phone of one of its applicants, proved by SMS code (disputes/citizen.py)."""

    class Mediation(models.TextChoices):
        ONLINE = "online", _("网上调解")
        IN_PERSON = "in_person", _("到场调解")

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="public_code")
    code = models.CharField(_("查询码"), max_length=12, unique=True)
    # Asked of a citizen who reports online; blank for a case taken in at the desk.
    mediation = models.CharField(_("调解方式意愿"), max_length=10, choices=Mediation.choices, blank=True)
    # When the citizen acknowledged the privacy notice (PIPL), and which version of it.
    consented_at = models.DateTimeField(_("同意个人信息告知时间"), null=True, blank=True)
    notice_version = models.CharField(_("告知书版本"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("案件查询码")
        verbose_name_plural = _("案件查询码")

    def __str__(self) -> str:
        return self.code


# --- 网上咨询 (online enquiries, disputes/consultations.py) ---------------------------------------


class ConsultationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ConsultationQuerySet:
        """Center staff and leaders: the enquiries answered by a center of their jurisdiction (the
        county sees its townships'). Nobody else: an enquiry is not yet anybody's case."""
        from governance.models import REGIONAL_ROLES
        from governance.scoping import region_q

        if not user.is_authenticated or not user.has_role(*REGIONAL_ROLES):
            return self.none()
        return self.filter(region_q(user, "center__region"))

    def overdue(self, today: date) -> ConsultationQuerySet:
        return self.filter(state=Consultation.State.WAITING, answer_due__lt=today)


class Consultation(models.Model):
    """网上咨询: a question a citizen asks on the public pages instead of reporting a dispute. The
    center of the place answers it within CITIZEN_CONSULT_WORKING_DAYS working days (chased by the
    overdue scan like a visit issue), or, when it is really a dispute, turns it into a case."""

    class State(models.TextChoices):
        WAITING = "waiting", _("待答复")
        ANSWERED = "answered", _("已答复")
        TURNED = "turned", _("转为纠纷")

    code = models.CharField(_("查询码"), max_length=12, unique=True)
    question = models.TextField(_("咨询内容"))
    name = models.CharField(_("姓名"), max_length=40)
    phone_encrypted = models.TextField(_("联系电话（加密）"))
    phone_index = models.CharField(max_length=64, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20)
    township = models.ForeignKey(
        "grids.Region",
        verbose_name=_("所属镇（街道）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    village = models.ForeignKey(
        "grids.Region",
        verbose_name=_("所属村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    center = models.ForeignKey(
        "governance.Unit", verbose_name=_("答复中心"), on_delete=models.PROTECT, related_name="consultations"
    )
    received_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    answer_due = models.DateField(_("答复期限"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.WAITING)
    answer = models.TextField(_("答复内容"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "governance.User", verbose_name=_("答复人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.OneToOneField(
        Case, verbose_name=_("转为案件"), null=True, blank=True, on_delete=models.PROTECT, related_name="consultation"
    )
    # When the citizen acknowledged the privacy notice (PIPL), and which version of it.
    consented_at = models.DateTimeField(_("同意个人信息告知时间"))
    notice_version = models.CharField(_("告知书版本"), max_length=20)
    history = HistoricalRecords(excluded_fields=["phone_encrypted"])

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("网上咨询")
        verbose_name_plural = _("网上咨询")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The waiting list and the overdue scan: the unanswered by deadline.
            models.Index(fields=["state", "answer_due"]),
            models.Index(fields=["center", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.question[:40]

    def set_phone(self, phone: str) -> None:
        from governance.crypto import blind_index, encrypt

        self.phone_encrypted, self.phone_index, self.phone_masked = encrypt(phone), blind_index(phone), mask(phone)

    def is_overdue(self, today: date | None = None) -> bool:
        return self.state == self.State.WAITING and self.answer_due < (today or timezone.localdate())

    @property
    def due_is_estimated(self) -> bool:
        """The deadline was counted through a year whose official schedule is not known (预估)."""
        from governance.workdays import touches_estimated

        return touches_estimated(timezone.localtime(self.received_at).date(), self.answer_due)


# Work orders from other systems (12345, 110, 信访, 法院): disputes/workorder_models.py.
from disputes.workorder_models import Algorithm, Callback, InboundOrder, Step, WorkOrderSource  # noqa: E402, F401
