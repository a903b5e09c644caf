"""The spatial hierarchy 县 → 镇/街道 → 村/社区 → 网格.

Codes follow GB/T 2260 and the statistical division codes built on it: a region's code has 12
digits (county 6 + township 3 + village 3, zero-padded above the village level) and a grid's code
is its village's code plus a 3-digit sequence. Because the codes nest, everything under a region
is one indexed prefix filter (`code LIKE '990101001%'`), never a walk of the tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from governance.models import User

# How many leading digits of the code are significant at each level.
PREFIX_LENGTH = {"county": 6, "township": 9, "village": 12}


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

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]


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
    workers = models.ManyToManyField("governance.User", verbose_name=_("网格员"), blank=True, related_name="grids")
    history = HistoricalRecords(m2m_fields=[workers])

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
