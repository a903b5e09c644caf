from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import (
    Category,
    Channel,
    RiskLevel,
    StageLimit,
    StatutoryLimit,
    Step,
    TimeLimitRule,
    WarningRule,
    WorkOrderSource,
)
from disputes.workorders import algorithm_available, new_secret, resume
from governance.admin import HistoryAdmin
from governance.models import AuditEvent, Unit
from governance.services import record_audit


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


class WorkOrderSourceForm(forms.ModelForm):
    channel = forms.ChoiceField(label=_("对应渠道"), choices=Channel.choices)

    class Meta:
        model = WorkOrderSource
        fields = (
            "code",
            "name",
            "channel",
            "center",
            "algorithm",
            "category_map",
            "status_map",
            "callback_url",
            "is_active",
        )
        help_texts = {
            "category_map": _('来源类别代码 → 本系统纠纷类别代码，如 {"A01": "neighbourhood"}。'),
            "status_map": _(
                "本系统环节 → 来源的状态代码；未列出的环节不回调。环节：accept 签收、return 退回、extension 延期申请、close 办结、visit 回访。"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Unit.objects.filter(
            kind__in=[Unit.Kind.COUNTY_CENTER, Unit.Kind.TOWNSHIP_CENTER], is_active=True
        )

    def clean_algorithm(self) -> str:
        algorithm = self.cleaned_data["algorithm"]
        if not algorithm_available(algorithm):
            raise ValidationError(_("本机的密码库不支持 %(a)s，不能选用。") % {"a": algorithm})
        return algorithm

    def clean_category_map(self) -> dict:
        mapping = self.cleaned_data["category_map"] or {}
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise ValidationError(_("类别映射应为“来源代码: 本系统类别代码”的对象。"))
        unknown = sorted(set(mapping.values()) - set(Category.objects.values_list("code", flat=True)))
        if unknown:
            raise ValidationError(_("没有这些纠纷类别代码：%(c)s。") % {"c": "、".join(unknown)})
        return mapping

    def clean_status_map(self) -> dict:
        mapping = self.cleaned_data["status_map"] or {}
        if not isinstance(mapping, dict) or not all(isinstance(v, str) and v for v in mapping.values()):
            raise ValidationError(_("状态映射应为“环节: 来源状态代码”的对象。"))
        unknown = sorted(set(mapping) - set(Step.values))
        if unknown:
            raise ValidationError(_("没有这些环节：%(s)s。") % {"s": "、".join(unknown)})
        return mapping


@admin.register(WorkOrderSource)
class WorkOrderSourceAdmin(HistoryAdmin):
    """工单来源 (disputes/workorders.py): managed by the security administrator. A secret is shown
    once, when it is made; the one before stays valid until the next rotation."""

    form = WorkOrderSourceForm
    list_display = (
        "name",
        "code",
        "channel_label",
        "center",
        "algorithm",
        "secret_state",
        "callback_state",
        "is_active",
    )
    readonly_fields = ("secret_set_at", "paused_at", "pause_reason")
    actions = ["rotate_secret", "resume_callbacks"]

    @admin.display(description=_("对应渠道"))
    def channel_label(self, source: WorkOrderSource) -> str:
        return Channel(source.channel).label if source.channel in Channel.values else source.channel

    @admin.display(description=_("密钥"))
    def secret_state(self, source: WorkOrderSource) -> str:
        if not source.secret_encrypted:
            return _("未设置（请用“生成新密钥”）")
        return _("已设置，%(t)s 更换") % {"t": timezone.localtime(source.secret_set_at).strftime("%Y-%m-%d %H:%M")}

    @admin.display(description=_("回调"))
    def callback_state(self, source: WorkOrderSource) -> str:
        return _("已暂停：%(r)s") % {"r": source.pause_reason} if source.paused_at else _("正常")

    @admin.action(description=_("生成新密钥（旧密钥在下次更换前仍有效）"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        secrets = [(source, new_secret(source)) for source in queryset]
        for source, _secret in secrets:
            record_audit(
                AuditEvent.Action.ADMIN_CHANGE,
                request=request,
                user=request.user,
                detail=f"work order source {source.code}: new secret",
            )
        return TemplateResponse(
            request,
            "admin/disputes/workordersource/secrets.html",
            {**self.admin_site.each_context(request), "secrets": secrets, "title": _("新密钥（仅显示这一次）")},
        )

    @admin.action(description=_("恢复回调"), permissions=["change"])
    def resume_callbacks(self, request, queryset):
        for source in queryset:
            resume(source)
        self.message_user(request, _("已恢复 %(n)d 个来源的回调。") % {"n": queryset.count()})
