"""Forms validate and clean what a person typed; the services apply the workflow's rules."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.deadlines import dispatch_due
from disputes.dispatching import unit_groups, usual_lead_unit
from disputes.models import (
    Attachment,
    Case,
    Category,
    Channel,
    Hold,
    Outcome,
    Party,
    RejectReason,
    RiskLevel,
    Route,
    Status,
    VisitMethod,
)
from disputes.services import SETTLE_OUTCOMES, SettleData
from governance.bounds import bound_form_fields, validate_received_date
from governance.models import Unit, User
from governance.scoping import jurisdiction
from governance.submissions import SubmissionTokenField
from governance.validators import validate_id_number, validate_phone
from governance.widgets import QuickSelect, fetch_choices_at_once
from grids.models import Grid, Region

# Default handling limits in working days by risk colour (DESIGN.md: 30 / 15 / 7).


def style_widgets(form: forms.BaseForm, small: bool = False) -> None:
    """Bootstrap classes on every widget, so templates can render fields as they are."""
    size = " form-control-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            css = ""
        elif isinstance(widget, forms.Select):
            css = "form-select" + (" form-select-sm" if small else "")
        else:
            css = "form-control" + size
        if css:
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class ChineseErrorsMixin:
    """Field errors in the words a county clerk uses; Bootstrap-styled widgets."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        style_widgets(self)
        for field in self.fields.values():
            field.error_messages.setdefault("required", _("此项为必填项。"))
            field.error_messages["required"] = _("此项为必填项。")
            if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
                field.error_messages["invalid_choice"] = _("所选项不存在或不可用，请重新选择。")
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.error_messages["invalid_choice"] = _("所选项不存在或不可用，请重新选择。")
                field.error_messages["invalid_pk_value"] = _("所选项不存在或不可用，请重新选择。")
            if isinstance(field, forms.IntegerField | forms.DecimalField):
                field.error_messages["invalid"] = _("请输入数字。")
                field.error_messages["min_value"] = _("不能小于 %(limit_value)s。")
                field.error_messages["max_value"] = _("不能大于 %(limit_value)s。")
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.error_messages["invalid"] = _("日期格式不正确。")
        bound_form_fields(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class VersionedForm(ChineseErrorsMixin, forms.Form):
    """Carries the case version the person saw, so a stale page is refused, not applied."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class IntakeForm(ChineseErrorsMixin, forms.Form):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices, initial=Channel.VISIT)
    source_ref = forms.CharField(label=_("来源单号"), max_length=40, required=False)
    received_at = forms.DateTimeField(
        label=_("收到时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    township = forms.ModelChoiceField(label=_("所属镇（街道）"), queryset=Region.objects.none())
    village = forms.ModelChoiceField(label=_("所属村（社区）"), queryset=Region.objects.none(), required=False)
    grid = forms.ModelChoiceField(label=_("所属网格"), queryset=Grid.objects.none(), required=False)
    place = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    category = forms.ModelChoiceField(label=_("纠纷类别"), queryset=Category.objects.filter(is_active=True))
    risk_level = forms.ModelChoiceField(label=_("风险等级"), queryset=RiskLevel.objects.filter(is_active=True))
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=1, max_value=100000, initial=2)
    amount = forms.DecimalField(label=_("涉及金额（元）"), min_value=0, max_digits=14, decimal_places=2, required=False)
    summary = forms.CharField(label=_("纠纷简要情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    demands = forms.CharField(
        label=_("当事人诉求"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    may_turn_criminal = forms.BooleanField(label=_("可能激化为治安、刑事案件（立即通知派出所）"), required=False)
    major_emergency = forms.BooleanField(label=_("重大紧急（立即上报县综治中心）"), required=False)
    attachments = MultipleFileField(label=_("申请材料、证据等附件"), required=False)
    confirm_not_duplicate = forms.BooleanField(label=_("已核对，不是重复案件，继续登记"), required=False)
    # 当场化解 (templates/disputes/_intake_settle.html): registered and closed with its result at once.
    settled = forms.BooleanField(label=_("当场化解（来访、来电在窗口已调解或答复完毕，登记即办结）"), required=False)
    settle_outcome = forms.ChoiceField(
        label=_("化解结果"),
        choices=[(o.value, o.label) for o in map(Outcome, SETTLE_OUTCOMES)],
        widget=forms.RadioSelect,
        required=False,
    )
    settle_routes = forms.MultipleChoiceField(
        label=_("引导途径（部分化解时必填）"),
        choices=Route.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    settle_summary = forms.CharField(
        label=_("化解情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=_("如：经窗口调解，双方当场达成一致，已当面兑现。"),
    )
    submission = SubmissionTokenField()

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        region = jurisdiction(user)
        regions = Region.objects.within(region) if region else Region.objects.none()
        self.fields["township"].queryset = regions.townships()
        self.fields["village"].queryset = regions.villages().select_related("parent")
        self.fields["grid"].queryset = (
            Grid.objects.within(region).select_related("village") if region else Grid.objects.none()
        )
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if region is not None and region.level == Region.Level.TOWNSHIP:
            self.fields["township"].initial = region.pk

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        validate_received_date(value)
        if value > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("收到时间不能晚于现在。"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("settled"):
            if not data.get("settle_outcome"):
                self.add_error("settle_outcome", _("当场化解的，请选择化解结果。"))
            if not (data.get("settle_summary") or "").strip():
                self.add_error("settle_summary", _("当场化解的，请填写化解情况。"))
        return data

    def settle_data(self):
        """The 当场化解 part for the service, or None."""
        data = self.cleaned_data
        if not data.get("settled"):
            return None
        return SettleData(data["settle_outcome"], data["settle_summary"], list(data["settle_routes"]))


class PartyForm(ChineseErrorsMixin, forms.Form):
    role = forms.ChoiceField(label=_("当事人类型"), choices=Party.Role.choices)
    kind = forms.ChoiceField(label=_("主体"), choices=Party.Kind.choices, initial=Party.Kind.PERSON)
    name = forms.CharField(label=_("姓名/名称"), max_length=80)
    id_number = forms.CharField(label=_("身份证号"), max_length=24, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip()
        if not value:
            return ""
        if self.cleaned_data.get("kind") == Party.Kind.ORGANISATION:
            return value.upper()  # 统一社会信用代码 is not checked here
        return validate_id_number(value)

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return validate_phone(value) if value else ""

    def has_changed(self) -> bool:
        """A block counts once something is typed into it: its role and kind lists always hold a
        value, so a block added with 增加当事人 and left blank is skipped, not refused."""
        return any(self[name].value() not in (None, "") for name in ("name", "id_number", "phone", "address"))


class BasePartyFormSet(forms.BaseFormSet):
    def initial_form_count(self) -> int:
        # The pre-filled applicant and respondent rows are optional rows: one left blank is skipped.
        return 0

    def clean(self) -> None:
        if any(self.errors):
            return
        roles = [f.cleaned_data.get("role") for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if Party.Role.APPLICANT not in roles:
            raise ValidationError(_("请至少填写一名申请人。"))


# Two blocks (applicant, respondent), no min_num: any block may be left blank and is skipped;
# clean() asks for the applicant.
PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=2, max_num=20, validate_max=True)


class KeyPersonCheckForm(ChineseErrorsMixin, forms.Form):
    """The numbers the intake form checks against the register as the clerk types them."""

    id_number = forms.CharField(max_length=24, required=False)
    phone = forms.CharField(max_length=24, required=False)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip()
        return validate_id_number(value) if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return validate_phone(value) if value else ""


def party_initial() -> list[dict]:
    return [{"role": Party.Role.APPLICANT}, {"role": Party.Role.RESPONDENT}]


class AcceptForm(VersionedForm):
    category = forms.ModelChoiceField(label=_("纠纷类别"), queryset=Category.objects.filter(is_active=True))
    risk_level = forms.ModelChoiceField(label=_("风险等级"), queryset=RiskLevel.objects.filter(is_active=True))


class RejectForm(VersionedForm):
    reason = forms.ChoiceField(label=_("不予受理理由"), choices=[("", "---------"), *RejectReason.choices])
    route = forms.CharField(
        label=_("告知当事人的解决途径"),
        max_length=200,
        help_text=_("如：向人民法院起诉、向劳动人事争议仲裁委员会申请仲裁"),
    )


class DispatchForm(VersionedForm):
    lead_unit = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(
        label=_("协办单位（联合调处）"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    due = forms.DateField(label=_("办理期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(
        label=_("转办意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000
    )

    def __init__(self, *args, case: Case, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        queryset = dispatch_targets(user)
        units = list(queryset)
        self.fields["lead_unit"].queryset = queryset
        self.fields["co_units"].queryset = queryset
        # Grouped by place and kind; the queryset still decides what is valid.
        grouped = [(label, [(u.pk, u.name) for u in members]) for label, members in unit_groups(units)]
        self.fields["lead_unit"].choices = [("", _("请选择或输入单位名称搜索")), *grouped]
        self.fields["co_units"].choices = grouped
        self.suggestion = usual_lead_unit(case, units)
        today = timezone.localdate()
        advice = dispatch_due(case, today, self.suggestion.unit if self.suggestion else None)
        self.fields["due"].initial = advice.due
        self.fields["due"].help_text = advice.reason
        if self.suggestion is not None:
            self.fields["lead_unit"].initial = self.suggestion.unit.pk
            self.fields["lead_unit"].help_text = self.suggestion.text
        # The deadline each unit would start with, for the page to follow the choice of lead unit:
        # the matrix's for all, a statute's for the units it governs.
        plain = dispatch_due(case, today)
        self.due_by_unit = {
            "": {"due": plain.due.isoformat(), "reason": plain.reason},
            **{
                str(unit.pk): {"due": advice.due.isoformat(), "reason": advice.reason}
                for unit in units
                if (advice := dispatch_due(case, today, unit)).statute is not None
            },
        }


def dispatch_targets(user: User):
    """Units a center may hand a case to: those of its own jurisdiction and the county's."""
    region = jurisdiction(user)
    units = (
        Unit.objects.filter(is_active=True)
        .exclude(kind__in=[Unit.Kind.LEADERSHIP])
        .select_related("region", "region__parent")
    )
    if region is None:
        return units.none()
    return units.filter(Q(region__code__startswith=region.prefix) | Q(region__level=Region.Level.COUNTY)).order_by(
        "region__code", "kind", "name"
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class SignForm(VersionedForm):
    pass


class ProgressForm(ChineseErrorsMixin, forms.Form):
    note = forms.CharField(label=_("办理进展"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    submission = SubmissionTokenField()


class ReportForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("化解结果"), choices=Outcome.choices, widget=forms.RadioSelect)
    routes = forms.MultipleChoiceField(
        label=_("引导途径（未完全化解时必填）"),
        choices=Route.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("办理情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class PauseForm(VersionedForm):
    reason = forms.ChoiceField(
        label=_("暂停原因"),
        choices=[(h.value, h.label) for h in (Hold.MATERIALS, Hold.APPRAISAL)],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("等待事项"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_("如：待申请人补充医疗费票据；已委托司法鉴定，预计两周出具意见。"),
    )


class ResumeForm(VersionedForm):
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000)


class NoteForm(VersionedForm):
    note = forms.CharField(
        label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000
    )


class EvaluateForm(VersionedForm):
    satisfaction = forms.ChoiceField(
        label=_("群众评价"),
        choices=[("satisfied", _("满意")), ("basically", _("基本满意")), ("dissatisfied", _("不满意"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("电话回访记录"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000
    )


class VisitForm(VersionedForm):
    method = forms.ChoiceField(label=_("回访方式"), choices=VisitMethod.choices, widget=forms.RadioSelect)
    visited_on = forms.DateField(label=_("回访日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    visitor = forms.CharField(label=_("回访人"), max_length=60)
    came_back = forms.TypedChoiceField(
        label=_("纠纷是否复发"),
        choices=[("0", _("未复发，可以归档")), ("1", _("纠纷复发，重新办理"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ArchiveForm(VersionedForm):
    note = forms.CharField(
        label=_("归档意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000
    )


class SettleForm(VersionedForm):
    outcome = forms.ChoiceField(
        label=_("化解结果"),
        choices=[(o.value, o.label) for o in map(Outcome, SETTLE_OUTCOMES)],
        widget=forms.RadioSelect,
    )
    routes = forms.MultipleChoiceField(
        label=_("引导途径（部分化解时必填）"),
        choices=Route.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("化解情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class AttachmentForm(ChineseErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=Attachment.Kind.choices)
    file = forms.FileField(label=_("文件"))
    submission = SubmissionTokenField()


class CaseFilterForm(forms.Form):
    """The list's filters; every field optional, bad values are ignored rather than refused."""

    q = forms.CharField(label=_("搜索"), required=False)
    # QuickSelect: the list's filter bar is on every page view of the list (issue 13).
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *Status.choices], required=False, widget=QuickSelect
    )
    township = forms.ModelChoiceField(
        label=_("镇（街道）"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("全部镇街"),
        widget=QuickSelect,
    )
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.all(), required=False, empty_label=_("全部类别"), widget=QuickSelect
    )
    risk_level = forms.ModelChoiceField(
        label=_("风险等级"),
        queryset=RiskLevel.objects.all(),
        required=False,
        empty_label=_("全部等级"),
        widget=QuickSelect,
    )
    channel = forms.ChoiceField(
        label=_("来源"), choices=[("", _("全部来源")), *Channel.choices], required=False, widget=QuickSelect
    )
    lead_unit = forms.ModelChoiceField(
        label=_("主办单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位"), widget=QuickSelect
    )
    # 回访: the evaluated cases awaiting their return visit, or visited (我的待办's 待回访 / 待归档).
    visited = forms.ChoiceField(
        label=_("回访"),
        choices=[("", _("全部")), ("no", _("未回访")), ("yes", _("已回访"))],
        required=False,
        widget=QuickSelect,
    )
    overdue = forms.BooleanField(label=_("仅看逾期"), required=False)
    sign_late = forms.BooleanField(label=_("仅看超时未签收"), required=False)
    date_from = forms.DateField(
        label=_("收到日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        region = jurisdiction(user)
        self.fields["township"].queryset = (
            Region.objects.within(region).townships() if region else Region.objects.none()
        )
        # Only names and ids are shown: no unit's region read into a model per option (405 for the county).
        self.fields["lead_unit"].queryset = dispatch_targets(user).select_related(None).only("pk", "name")
        fetch_choices_at_once(self)
        style_widgets(self, small=True)


class ExtensionRequestForm(ChineseErrorsMixin, forms.Form):
    days = forms.IntegerField(label=_("申请延长（工作日）"), min_value=1, max_value=60)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ExtensionDecisionForm(ChineseErrorsMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("批准")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(label=_("批准延长（工作日）"), min_value=1, max_value=60, required=False)
    note = forms.CharField(label=_("审批意见"), max_length=500, required=False)


class RevealForm(ChineseErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=200, help_text=_("如：电话回访联系不上，需核对号码"))


class SuperviseForm(ChineseErrorsMixin, forms.Form):
    instruction = forms.CharField(label=_("领导批示"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    due = forms.DateField(label=_("督办期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class SupervisionAnswerForm(ChineseErrorsMixin, forms.Form):
    answer = forms.CharField(label=_("办理回复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
