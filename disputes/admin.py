from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from disputes.models import Category, RiskLevel, StageLimit, StatutoryLimit, TimeLimitRule, WarningRule
from governance.admin import HistoryAdmin


@admin.register(Category)
class CategoryAdmin(HistoryAdmin):
    list_display = ("name", "order", "is_active")  # the code is for rules, not for reading
    list_editable = ("order", "is_active")
    search_fields = ("name", "code")


@admin.register(RiskLevel)
class RiskLevelAdmin(HistoryAdmin):
    list_display = ("name", "color", "severity", "is_active")  # the code is for rules, not for reading


class StageLimitInline(admin.TabularInline):
    model = StageLimit
    extra = 0
    fields = ("stage", "amount", "unit", "due_soon", "yellow_after", "red_after", "statute")


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(HistoryAdmin):
    """时限矩阵: one row per level × category × risk colour (blank = any); the most specific row
    that matches a case gives each stage's limit and its 临期 / 黄牌 / 红牌 thresholds."""

    list_display = ("__str__", "level", "category", "risk_level", "stage_summary", "note")
    list_filter = ("level", "risk_level", "category")
    inlines = [StageLimitInline]

    @admin.display(description=_("各环节时限"))
    def stage_summary(self, rule: TimeLimitRule) -> str:
        return "；".join(str(stage) for stage in rule.stages.all())

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category", "risk_level").prefetch_related("stages")


@admin.register(StatutoryLimit)
class StatutoryLimitAdmin(HistoryAdmin):
    list_display = ("name", "amount", "unit", "extension", "citation", "handled_by_kind", "handled_by_sector")
    readonly_fields = ("code",)


@admin.register(WarningRule)
class WarningRuleAdmin(HistoryAdmin):
    """预警规则: a county's thresholds per kind of warning (disputes/warnings.py); a kind without a
    row uses the defaults there."""

    list_display = ("county", "kind", "threshold", "days", "hours", "is_active")
    list_filter = ("kind", "is_active")
    list_editable = ("threshold", "days", "hours", "is_active")
