"""联席例会 and 会商研判: the meeting's record, the cases and warnings it discussed, and its
decisions, each with an owner unit and a deadline, chased like night-visit issues (meetings/scan.py
for the reminders, the supervision list, closure with an answer)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from governance.models import User


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
            condition |= Q(pk__in=Decision.objects.filter(owner_unit_id=user.unit_id).values("meeting_id"))
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


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DecisionQuerySet:
        return self.filter(meeting__in=Meeting.objects.visible_to(user).values("pk"))

    def overdue(self, today: date) -> DecisionQuerySet:
        return self.filter(status=Decision.Status.ASSIGNED, due__lt=today)


class Decision(models.Model):
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

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.ASSIGNED and self.due < (today or timezone.localdate())
