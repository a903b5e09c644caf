"""The spatial hierarchy 县 → 镇/街道 → 村/社区 → 网格.

Codes follow GB/T 2260 and the statistical division codes built on it: a region's code has 12
digits (county 6 + township 3 + village 3, zero-padded above the village level) and a grid's code
is its village's code plus a 3-digit sequence. Because the codes nest, everything under a region
is one indexed prefix filter (`code LIKE '990101001%'`), never a walk of the tree.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from governance.models import User

# How many leading digits of the code are significant at each level.
PREFIX_LENGTH = {"county": 6, "township": 9, "village": 12}
# The level a region's parent must have (a county has none).
PARENT_LEVEL = {"county": None, "township": "county", "village": "township"}
GRID_CODE_RE = re.compile(r"^\d{15}$")


def region_code_error(code: str, level: str, parent: Region | None) -> str | None:
    """Why `code` cannot be the code of a region of `level` under `parent`, or None when it can.

    Jurisdiction follows the code (a prefix filter), so a village coded under another township
    would be seen by that township's staff: the code must extend its parent's prefix, and the
    digits below its own level must be zeros (GB/T 2260)."""
    if not re.fullmatch(r"\d{12}", code or "") or level not in PREFIX_LENGTH:
        return _("区划代码应为12位数字")
    own = PREFIX_LENGTH[level]
    if code[own:].strip("0") or code[own - 3 : own] == "000":
        return _("%(level)s的区划代码应以%(digits)d位有效数字开头、其后补零，例如 %(example)s。") % {
            "level": Region.Level(level).label,
            "digits": own,
            "example": (code[: own - 3] + "001").ljust(12, "0"),
        }
    expected_parent = PARENT_LEVEL[level]
    if expected_parent is None:
        return _("县（区）不能有上级区划。") if parent is not None else None
    if parent is None or parent.level != expected_parent:
        return _("%(level)s的上级区划应为%(parent)s。") % {
            "level": Region.Level(level).label,
            "parent": Region.Level(expected_parent).label,
        }
    if not code.startswith(parent.prefix):
        return _("区划代码 %(code)s 不在上级区划“%(parent)s”（%(prefix)s）之下，应以 %(prefix)s 开头。") % {
            "code": code,
            "parent": parent.name,
            "prefix": parent.prefix,
        }
    return None


def grid_code_error(code: str, village: Region) -> str | None:
    """Why `code` cannot be a grid code under `village` (GB/T 2260 village code + 3-digit
    sequence), or None when it can."""
    if not GRID_CODE_RE.fullmatch(code or "") or not code.startswith(village.code):
        return _("网格编码应为所属村（社区）的12位区划代码 %(village)s 加3位序号，共15位数字，例如 %(example)s。") % {
            "village": village.code,
            "example": f"{village.code}001",
        }
    if code.endswith("000"):
        return _("网格编码的最后3位序号应从 001 开始，不能是 000。")
    return None


class RegionQuerySet(models.QuerySet):
    def within(self, region: Region) -> RegionQuerySet:
        """The region itself and everything under it."""
        return self.filter(code__startswith=region.prefix)

    def visible_to(self, user: User) -> RegionQuerySet:
        from governance.scoping import region_prefix

        prefix = region_prefix(user)
        return self.none() if prefix is None else self.filter(code__startswith=prefix)

    def townships(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.TOWNSHIP)

    def villages(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.VILLAGE)


class Region(models.Model):
    class Level(models.TextChoices):
        COUNTY = "county", _("县（区）")
        TOWNSHIP = "township", _("镇（街道）")
        VILLAGE = "village", _("村（社区）")

    class Kind(models.TextChoices):
        COUNTY = "county", _("县")
        TOWN = "town", _("镇")
        TOWNSHIP = "township", _("乡")
        SUBDISTRICT = "subdistrict", _("街道")
        VILLAGE = "village", _("行政村")
        COMMUNITY = "community", _("社区")

    code = models.CharField(
        _("区划代码"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("区划代码应为12位数字"))],
    )
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    history = HistoricalRecords()

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            # The code's shape follows the level; that the code extends the parent's prefix is a
            # trigger on PostgreSQL (grids/migrations), since a check cannot read another row.
            models.CheckConstraint(
                name="region_code_matches_level",
                condition=(
                    models.Q(level="county", parent__isnull=True, code__endswith="000000")
                    | models.Q(level="township", parent__isnull=False, code__endswith="000")
                    & ~models.Q(code__endswith="000000")
                    | models.Q(level="village", parent__isnull=False) & ~models.Q(code__endswith="000")
                ),
                violation_error_message=_("区划代码与层级或上级区划不符。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    def clean(self) -> None:
        super().clean()
        error = region_code_error(self.code, self.level, self.parent)
        if error:
            raise ValidationError({"code": error})


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合网格")
    SPECIAL = "special", _("专属网格")


class GridQuerySet(models.QuerySet):
    def within(self, region: Region) -> GridQuerySet:
        return self.filter(code__startswith=region.prefix)

    def visible_to(self, user: User) -> GridQuerySet:
        from governance.models import Role
        from governance.scoping import region_prefix

        if user.is_authenticated and user.has_role(Role.GRID_WORKER) and not user.sees_region():
            return self.filter(workers=user)
        prefix = region_prefix(user)
        return self.none() if prefix is None else self.filter(code__startswith=prefix)


class Grid(models.Model):
    """A grid (网格): the smallest unit where disputes are found, under one village/community."""

    code = models.CharField(
        _("网格编码"),
        max_length=15,
        unique=True,
        validators=[RegexValidator(r"^\d{15}$", _("网格编码应为15位数字（村级区划代码+3位序号）"))],
    )
    name = models.CharField(_("网格名称"), max_length=60)
    village = models.ForeignKey(
        Region,
        verbose_name=_("所属村（社区）"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    kind = models.CharField(_("网格类型"), max_length=15, choices=GridKind.choices, default=GridKind.COMPREHENSIVE)
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    workers = models.ManyToManyField("governance.User", verbose_name=_("网格员"), blank=True, related_name="grids")
    history = HistoricalRecords(m2m_fields=[workers])

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.village_id and (error := grid_code_error(self.code, self.village)):
            raise ValidationError({"code": error})


class GridWorker(models.Model):
    """A grid worker's profile: the person is a User (role 网格员); the grids they cover are
    `Grid.workers`."""

    class Employment(models.TextChoices):
        FULL_TIME = "full_time", _("专职")
        PART_TIME = "part_time", _("兼职")

    user = models.OneToOneField(
        "governance.User", verbose_name=_("账号"), on_delete=models.CASCADE, related_name="grid_worker"
    )
    employment = models.CharField(_("类型"), max_length=10, choices=Employment.choices, default=Employment.FULL_TIME)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")

    def __str__(self) -> str:
        return str(self.user)


class PatrolLog(models.Model):
    """巡查日志: what a grid worker checked on a day in a grid, and what they found."""

    worker = models.ForeignKey("governance.User", verbose_name=_("网格员"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="patrols")
    date = models.DateField(_("巡查日期"), db_index=True)
    checked = models.TextField(_("巡查内容"))
    findings = models.TextField(_("发现情况"), blank=True)
    case = models.ForeignKey(
        "disputes.Case",
        verbose_name=_("上报的案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrols",
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("巡查日志")
        verbose_name_plural = _("巡查日志")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.grid} {self.date}"

    @property
    def has_findings(self) -> bool:
        """Something to report (grids.patrols.found_something): not blank, not "无"."""
        from grids.patrols import found_something

        return found_something(self.findings)


class ReportSettings(models.Model):
    """The county's zero-report rules (one row)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("星期一")
        TUESDAY = 1, _("星期二")
        WEDNESDAY = 2, _("星期三")
        THURSDAY = 3, _("星期四")
        FRIDAY = 4, _("星期五")
        SATURDAY = 5, _("星期六")
        SUNDAY = 6, _("星期日")

    weekly_weekday = models.PositiveSmallIntegerField(
        _("平时每周报送日"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    cutoff = models.TimeField(_("截止时间"), default=datetime.time(17, 0))
    grace_minutes = models.PositiveSmallIntegerField(_("宽限时间（分钟）"), default=120)
    start_date = models.DateField(
        _("起报日期"),
        null=True,
        blank=True,
        help_text=_("从这一天起各村（社区）须报送日排查零报告；此前的日子不计应报、漏报。空着表示一直须报。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("零报告设置")
        verbose_name_plural = _("零报告设置")

    def __str__(self) -> str:
        return str(_("零报告设置"))

    @classmethod
    def current(cls) -> ReportSettings:
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings


class SensitivePeriod(models.Model):
    """重大节点、敏感时期: reports are daily from start to end (both included)."""

    name = models.CharField(_("名称"), max_length=60)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("敏感时期")
        verbose_name_plural = _("敏感时期")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="period_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.name


class ZeroReport(models.Model):
    """日排查零报告 of one reporting unit (a village/community, or a grid) for one day.
    "有事报事、无事报平安": either figures, or an explicit 零报告."""

    village = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="zero_reports"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="zero_reports"
    )
    date = models.DateField(_("报告日期"), db_index=True)
    is_zero = models.BooleanField(_("零报告（无矛盾纠纷）"), default=False)
    disputes_found = models.PositiveIntegerField(_("排查发现纠纷（件）"), default=0)
    disputes_resolved = models.PositiveIntegerField(_("已化解纠纷（件）"), default=0)
    key_persons = models.PositiveIntegerField(_("关注重点人员（人）"), default=0)
    note = models.TextField(_("情况说明"), blank=True)
    reporter = models.ForeignKey(
        "governance.User", verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    is_late = models.BooleanField(_("迟报"), default=False)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("零报告")
        verbose_name_plural = _("零报告")
        ordering = ["-date", "village__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "date"], condition=models.Q(grid__isnull=True), name="one_village_report_a_day"
            ),
            models.UniqueConstraint(
                fields=["grid", "date"], condition=models.Q(grid__isnull=False), name="one_grid_report_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid or self.village} {self.date}"


class ZeroReportItem(models.Model):
    """One dispute a report lists; the center can turn it into a case in one step."""

    report = models.ForeignKey(ZeroReport, verbose_name=_("零报告"), on_delete=models.CASCADE, related_name="items")
    summary = models.CharField(_("纠纷简况"), max_length=500)
    category = models.ForeignKey(
        "disputes.Category",
        verbose_name=_("纠纷类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.OneToOneField(
        "disputes.Case", verbose_name=_("案件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("零报告纠纷条目")
        verbose_name_plural = _("零报告纠纷条目")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.summary[:30]


class ZeroReportReminder(models.Model):
    """A missed report, found by the check: at most one per (unit, date)."""

    class Level(models.TextChoices):
        TOWNSHIP = "township", _("通报镇（街道）")
        COUNTY = "county", _("通报县综治中心")

    village = models.ForeignKey(Region, verbose_name=_("村（社区）"), on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("报告日期"), db_index=True)
    level = models.CharField(_("通报层级"), max_length=10, choices=Level.choices, default=Level.TOWNSHIP)
    misses_in_a_row = models.PositiveSmallIntegerField(_("连续漏报次数"), default=1)
    created_at = models.DateTimeField(_("提醒时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("漏报提醒")
        verbose_name_plural = _("漏报提醒")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "date"], condition=models.Q(grid__isnull=True), name="one_village_reminder_a_day"
            ),
            models.UniqueConstraint(
                fields=["grid", "date"], condition=models.Q(grid__isnull=False), name="one_grid_reminder_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid or self.village} {self.date}"
