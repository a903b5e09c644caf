"""Leadership night visits (平安夜访) and reception days (领导接访).

"访前调查准备 + 访中会商 + 访后限期办结": a center schedules leaders to a village (or to a
reception at a center); the visit is recorded with the households visited and the issues heard;
every issue ends one of three ways — resolved on the spot, assigned to an owner unit with a
deadline, or turned into a dispute case. Which step is allowed when is declared here (one
transition per step); what a step does is in `visits/services.py`.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from visits import rules

if TYPE_CHECKING:
    from governance.models import User

DEFAULT_START = datetime.time(19, 30)


class Kind(models.TextChoices):
    NIGHT_VISIT = "night_visit", _("平安夜访")
    RECEPTION = "reception", _("领导接访")


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VisitQuerySet:
        """Center staff and leaders: visits held in their jurisdiction; a leader also every visit
        they are scheduled on. One query, no per-object checks."""
        from governance.models import REGIONAL_ROLES
        from governance.scoping import region_prefix

        if not user.is_authenticated or not user.has_role(*REGIONAL_ROLES):
            return self.none()
        condition = Q(pk__in=[])
        prefix = region_prefix(user)
        if prefix is not None:
            condition |= Q(region__code__startswith=prefix)
        condition |= Q(pk__in=VisitLeader.objects.filter(leader=user).values("visit_id"))
        return self.filter(condition)


class Visit(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("已安排")
        RECORDED = "recorded", _("已开展")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.NIGHT_VISIT, db_index=True)
    status = FSMField(_("状态"), default=Status.PLANNED, choices=Status.choices, protected=True, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    date = models.DateField(_("日期"), db_index=True)
    start_time = models.TimeField(_("开始时间"), default=DEFAULT_START)
    # The region the visit is scoped by: the village of a night visit, the center's region of a reception.
    region = models.ForeignKey("grids.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        "grids.Region",
        verbose_name=_("走访村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    center = models.ForeignKey(
        "governance.Unit",
        verbose_name=_("接访地点（综治中心）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receptions",
    )
    organiser = models.ForeignKey(
        "governance.Unit", verbose_name=_("安排单位"), on_delete=models.PROTECT, related_name="+"
    )
    planned_by = models.ForeignKey(
        "governance.User", verbose_name=_("安排人"), on_delete=models.PROTECT, related_name="+"
    )
    leaders = models.ManyToManyField(
        "governance.User", verbose_name=_("带队领导"), through="VisitLeader", related_name="visits"
    )
    grid_worker = models.ForeignKey(
        "governance.User",
        verbose_name=_("陪同网格员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guided_visits",
    )
    topic = models.CharField(_("走访重点"), max_length=200, blank=True)

    households_visited = models.PositiveIntegerField(_("走访户数"), null=True, blank=True)
    people_received = models.PositiveIntegerField(_("接待群众（人次）"), null=True, blank=True)
    people_met = models.TextField(_("座谈、走访对象"), blank=True)
    summary = models.TextField(_("会商情况"), blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "governance.User", verbose_name=_("记录人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("安排时间"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("夜访与接访")
        verbose_name_plural = _("夜访与接访")
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["region", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="night_visit", village__isnull=False) | Q(kind="reception", center__isnull=False),
                name="visit_has_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.place_name}"

    @property
    def place_name(self) -> str:
        place = self.village if self.kind == Kind.NIGHT_VISIT else self.center
        return str(place) if place is not None else ""

    # --- Transitions ---------------------------------------------------------------------------

    @transition(
        field=status,
        source=Status.PLANNED,
        target=Status.RECORDED,
        conditions=[rules.has_begun],
        permission=rules.may_record_visit,
    )
    def record(self) -> None:
        """访中会商: households visited, people met, what was discussed."""

    @transition(field=status, source=Status.PLANNED, target=Status.CANCELLED, permission=rules.may_plan_visit)
    def cancel(self) -> None:
        """The visit will not take place; its leaders are free that evening again."""


class VisitLeader(models.Model):
    """A leader on a visit. The date and kind are copied from the visit so that the database
    itself refuses a double booking: two concurrent plannings of the same leader on the same
    evening cannot both commit."""

    visit = models.ForeignKey(Visit, verbose_name=_("夜访"), on_delete=models.CASCADE, related_name="leader_rows")
    leader = models.ForeignKey("governance.User", verbose_name=_("领导"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("带队领导")
        verbose_name_plural = _("带队领导")
        ordering = ["visit", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "date", "kind"], condition=Q(is_active=True), name="leader_one_visit_a_day"
            ),
            models.UniqueConstraint(fields=["visit", "leader"], name="leader_once_per_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.leader_id} {self.date}"


class VisitIssueQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VisitIssueQuerySet:
        """Issues of visits the person sees or of villages in their jurisdiction, the issues their
        unit owns, and those they heard."""
        from governance.models import REGIONAL_ROLES
        from governance.scoping import region_prefix

        if not user.is_authenticated:
            return self.none()
        condition = Q(visit__in=Visit.objects.visible_to(user).values("pk")) | Q(leader=user)
        prefix = region_prefix(user)
        if prefix is not None and user.has_role(*REGIONAL_ROLES):
            # A county reception day's issue about a village is the township's business too.
            condition |= Q(village__code__startswith=prefix)
        if user.unit_id is not None and user.has_role(*rules.HANDLING_ROLES):
            condition |= Q(owner_unit_id=user.unit_id)
        return self.filter(condition)

    def open(self) -> VisitIssueQuerySet:
        return self.filter(status__in=OPEN_ISSUE_STATUSES)

    def overdue(self, today: datetime.date) -> VisitIssueQuerySet:
        return self.filter(status=VisitIssue.Status.ASSIGNED, due__lt=today)


class VisitIssue(FSMModelMixin, models.Model):
    """An issue a leader heard (访中会商); it ends one of three ways (访后限期办结)."""

    class Status(models.TextChoices):
        RAISED = "raised", _("待处置")
        RESOLVED = "resolved", _("当场解决")
        ASSIGNED = "assigned", _("已交办")
        CLOSED = "closed", _("已办结")
        CASE = "case", _("已转矛盾纠纷案件")

    visit = models.ForeignKey(Visit, verbose_name=_("夜访/接访"), on_delete=models.PROTECT, related_name="issues")
    village = models.ForeignKey(
        "grids.Region", verbose_name=_("所属村（社区）"), on_delete=models.PROTECT, related_name="visit_issues"
    )
    category = models.ForeignKey(
        "disputes.Category", verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="visit_issues"
    )
    summary = models.TextField(_("反映问题"))
    raised_by_name = models.CharField(_("反映人"), max_length=40, blank=True)
    leader = models.ForeignKey(
        "governance.User",
        verbose_name=_("首访负责领导"),
        on_delete=models.PROTECT,
        related_name="heard_issues",
        help_text=_("首访负责制：听取问题的领导对办理结果负责。"),
    )
    status = FSMField(_("状态"), default=Status.RAISED, choices=Status.choices, protected=True, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    resolution = models.TextField(_("当场解决情况"), blank=True)
    owner_unit = models.ForeignKey(
        "governance.Unit",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_issues",
    )
    due = models.DateField(_("办结期限"), null=True, blank=True, db_index=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    answer = models.TextField(_("办理结果"), blank=True)
    answered_by = models.ForeignKey(
        "governance.User", verbose_name=_("办结人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    case = models.OneToOneField(
        "disputes.Case",
        verbose_name=_("转立案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_issue",
    )
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = VisitIssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("夜访问题")
        verbose_name_plural = _("夜访问题")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "due"])]

    def __str__(self) -> str:
        return self.summary[:30]

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.ASSIGNED and self.due is not None and self.due < today

    @property
    def closed_on_time(self) -> bool:
        if self.status == self.Status.RESOLVED:
            return True
        return (
            self.status == self.Status.CLOSED
            and self.closed_at is not None
            and timezone.localdate(self.closed_at) <= self.due
        )

    # --- Transitions: the three endings, and closure of an assigned issue -----------------------

    @transition(field=status, source=Status.RAISED, target=Status.RESOLVED, permission=rules.may_record_issue)
    def resolve(self) -> None:
        """当场解决: answered on the spot."""

    @transition(
        field=status,
        source=Status.RAISED,
        target=Status.ASSIGNED,
        conditions=[rules.has_owner_and_due],
        permission=rules.may_record_issue,
    )
    def assign(self) -> None:
        """限期交办: to an owner unit with a deadline (default 7 working days)."""

    @transition(
        field=status,
        source=[Status.RAISED, Status.ASSIGNED],
        target=Status.CASE,
        permission=rules.may_record_issue,
    )
    def convert(self) -> None:
        """转为矛盾纠纷案件 (channel 平安夜访), the visit linked."""

    @transition(field=status, source=Status.ASSIGNED, target=Status.CLOSED, permission=rules.is_owner_unit_staff)
    def close(self) -> None:
        """办结: the owner unit reports what it did."""


OPEN_ISSUE_STATUSES = (VisitIssue.Status.RAISED, VisitIssue.Status.ASSIGNED)
