"""Forms validate and clean what a person typed; `visits/services.py` applies the rules."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.forms import ChineseErrorsMixin
from disputes.models import Category
from governance.models import Role, Unit, User
from governance.scoping import jurisdiction
from governance.validators import validate_phone
from grids.models import Region
from visits.models import DEFAULT_START, Kind, Visit
from visits.services import Ending, default_issue_due

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_COVERAGE_DAYS = 366


class LeaderChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        parts = [str(user)]
        if user.title:
            parts.append(user.title)
        return "（".join(parts) + ("）" if user.title else "")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user}（{user.unit}）" if user.unit_id else str(user)


class PlanForm(ChineseErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.NIGHT_VISIT, widget=forms.RadioSelect)
    date = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    start_time = forms.TimeField(
        label=_("开始时间"), initial=DEFAULT_START, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    village = forms.ModelChoiceField(label=_("走访村（社区）"), queryset=Region.objects.none(), required=False)
    center = forms.ModelChoiceField(label=_("接访地点（综治中心）"), queryset=Unit.objects.none(), required=False)
    leaders = LeaderChoiceField(
        label=_("带队领导"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("副科级（含）以上领导干部或后备干部；县级领导可到各镇，镇领导到本镇。"),
    )
    grid_worker = PersonChoiceField(
        label=_("陪同网格员"), queryset=User.objects.none(), required=False, help_text=_("发挥网格员“活地图”作用。")
    )
    topic = forms.CharField(label=_("走访重点"), max_length=200, required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        region = jurisdiction(user)
        prefix = region.prefix if region is not None else "-"
        county_prefix = region.code[:6] if region is not None else "-"
        self.fields["village"].queryset = (
            Region.objects.filter(code__startswith=prefix).villages().select_related("parent").order_by("code")
        )
        self.fields["village"].label_from_instance = lambda r: f"{r.parent.name} · {r.name}"
        self.fields["center"].queryset = Unit.objects.filter(
            region__code__startswith=prefix,
            kind__in=(Unit.Kind.COUNTY_CENTER, Unit.Kind.TOWNSHIP_CENTER),
            is_active=True,
        ).order_by("code")
        # County leaders anywhere; township leaders of this jurisdiction. The service re-checks the place.
        leaders = User.objects.with_role(Role.LEADER).filter(
            is_active=True, unit__region__code__startswith=county_prefix
        )
        if region is not None and region.level != Region.Level.COUNTY:
            leaders = leaders.filter(unit__region__code__in=[region.code[:6] + "000000", region.code])
        self.fields["leaders"].queryset = leaders.order_by("unit__region__code", "username")
        self.fields["grid_worker"].queryset = (
            User.objects.with_role(Role.GRID_WORKER)
            .filter(is_active=True, grids__code__startswith=prefix)
            .distinct()
            .select_related("unit")
            .order_by("username")
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == Kind.NIGHT_VISIT and not data.get("village"):
            self.add_error("village", _("请选择走访的村（社区）。"))
        if data.get("kind") == Kind.RECEPTION and not data.get("center"):
            self.add_error("center", _("请选择接访的综治中心。"))
        if data.get("date") and data["date"] < timezone.localdate():
            self.add_error("date", _("不能安排已过去的日期，请选择今天或以后的日期。"))
        return data


class VersionedForm(ChineseErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RecordForm(VersionedForm):
    households_visited = forms.IntegerField(label=_("走访户数"), min_value=0, max_value=10000, required=False)
    people_received = forms.IntegerField(label=_("接待群众（人次）"), min_value=0, max_value=10000, required=False)
    people_met = forms.CharField(
        label=_("座谈、走访对象"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：村“两委”干部、老党员、重点人员家属等。"),
    )
    summary = forms.CharField(label=_("会商情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(VersionedForm):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


ENDING_CHOICES = (
    (Ending.RESOLVE, _("当场解决")),
    (Ending.ASSIGN, _("交办责任单位限期办结")),
    (Ending.CASE, _("转为矛盾纠纷案件")),
)


class IssueForm(ChineseErrorsMixin, forms.Form):
    summary = forms.CharField(label=_("反映问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ModelChoiceField(label=_("问题类别"), queryset=Category.objects.filter(is_active=True))
    village = forms.ModelChoiceField(label=_("所属村（社区）"), queryset=Region.objects.none())
    raised_by_name = forms.CharField(
        label=_("反映人"), max_length=40, required=False, help_text=_("转为案件时必填（作为申请人）。")
    )
    leader = forms.ModelChoiceField(label=_("首访负责领导"), queryset=User.objects.none())
    ending = forms.ChoiceField(label=_("处置方式"), choices=ENDING_CHOICES, widget=forms.RadioSelect)
    resolution = forms.CharField(
        label=_("当场解决情况"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none(), required=False)
    due = forms.DateField(label=_("办结期限"), required=False, widget=DATE_WIDGET, help_text=_("默认7个工作日。"))
    phone = forms.CharField(
        label=_("反映人联系电话"), max_length=20, required=False, help_text=_("转为案件时填写，加密保存。")
    )

    def __init__(self, *args, visit: Visit, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        villages = Region.objects.filter(code__startswith=visit.region.prefix).villages().select_related("parent")
        self.fields["village"].queryset = villages.order_by("code")
        self.fields["village"].label_from_instance = lambda r: f"{r.parent.name} · {r.name}"
        if visit.village_id:
            self.fields["village"].initial = visit.village_id
        leaders = User.objects.filter(pk__in=visit.leader_rows.filter(is_active=True).values("leader_id"))
        self.fields["leader"].queryset = leaders.order_by("username")
        # 首访负责制: by default the leader filling the form, or the visit's only leader.
        leader_ids = [row.leader_id for row in getattr(visit, "active_leaders", [])]
        if user is not None and user.pk in leader_ids:
            self.fields["leader"].initial = user.pk
        elif len(leader_ids) == 1:
            self.fields["leader"].initial = leader_ids[0]
        county_prefix = visit.region.code[:6]
        self.fields["owner_unit"].queryset = (
            Unit.objects.filter(is_active=True, region__code__startswith=county_prefix)
            .exclude(kind=Unit.Kind.LEADERSHIP)
            .select_related("region")
            .order_by("region__code", "kind", "code")
        )
        self.fields["due"].initial = default_issue_due()

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        return validate_phone(raw) if raw else ""

    def clean(self) -> dict:
        data = super().clean()
        ending = data.get("ending")
        if ending == Ending.RESOLVE and not data.get("resolution", "").strip():
            self.add_error("resolution", _("请填写当场解决的情况。"))
        if ending == Ending.ASSIGN:
            if not data.get("owner_unit"):
                self.add_error("owner_unit", _("请选择责任单位。"))
            if data.get("due") and data["due"] < timezone.localdate():
                self.add_error("due", _("办结期限不能早于今天。"))
        if ending == Ending.CASE and not data.get("raised_by_name", "").strip():
            self.add_error("raised_by_name", _("转为案件须填写反映人姓名（作为申请人）。"))
        return data


class CloseForm(VersionedForm):
    answer = forms.CharField(label=_("办理结果"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ConvertForm(VersionedForm):
    phone = forms.CharField(label=_("反映人联系电话"), max_length=20, required=False)

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        return validate_phone(raw) if raw else ""


class PeriodForm(ChineseErrorsMixin, forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("结束日期"), widget=DATE_WIDGET)

    @staticmethod
    def default_period(today: date) -> tuple[date, date]:
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return start, end

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise ValidationError(_("结束日期不能早于开始日期。"))
            if (end - start).days >= MAX_COVERAGE_DAYS:
                raise ValidationError(_("统计期间不能超过一年。"))
        return data
