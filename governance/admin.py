from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from governance import twofactor
from governance.accounts import (
    AccountActionRefused,
    account_edit_error,
    check_role_change,
    password_reset_error,
    record_account_created,
    reset_password,
    set_account_active,
)
from governance.admin_language import RoleFilter, role_label
from governance.forms import OfficialScheduleForm
from governance.models import (
    ADMIN_ROLES,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    Indicator,
    ReportColumn,
    ReportForm,
    ReportRow,
    Role,
    ScoreBand,
    Unit,
    User,
)
from governance.report_tables import KIND_LABELS
from governance.services import record_audit, record_official_schedule
from governance.workdays import forget_overrides


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, except that its page of a past version saves a POST for
    anyone allowed to *view* the history: a view-only administrator (the security administrator
    on units) could rewrite the row. Saving needs the change permission, as on the change page."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ResetPasswordForm(AdminPasswordChangeForm):
    """A password set by the security administrator (governance.accounts.reset_password is what
    saves it: temporary, audited). No "disable password" option: every account signs in."""

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True


class StaffChangeForm(UserChangeForm):
    acting_user: User | None = None  # set per request by StaffAdmin.get_form

    def clean_groups(self):
        groups = self.cleaned_data.get("groups")
        if groups is not None and self.acting_user is not None and self.instance.pk:
            check_role_change(
                by=self.acting_user,
                user=self.instance,
                before=self.instance.role_codes,
                after={group.name for group in groups},
            )
        return groups

    def clean_phone(self) -> str:
        # The SMS number: checked and normalised like every phone entered (0086/+86 dropped).
        from governance.validators import validate_phone

        phone = self.cleaned_data.get("phone", "").strip()
        return validate_phone(phone) if phone else ""


@admin.register(User)
class StaffAdmin(UserAdmin, HistoryAdmin):
    """Accounts, for the security administrator. The 三权分立 rules are in governance/accounts.py:
    administrator roles are not offered, one's own roles and state are read-only, other
    administrators' accounts are view-only and their passwords are reset on the server."""

    form = StaffChangeForm
    change_password_form = ResetPasswordForm
    list_display = ("username", "full_name", "unit", "is_unit_head", "is_active", "must_change_password", "last_login")
    list_filter = (RoleFilter, "is_active", "unit__kind")
    search_fields = ("username", "full_name", "phone", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    actions = ("disable_accounts", "enable_accounts", "reset_two_factor")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "unit", "title", "is_unit_head")}),
        (_("角色与状态"), {"fields": ("groups", "is_active", "must_change_password", "is_staff")}),
        (_("时间"), {"fields": ("last_login", "password_changed_at", "reactivated_at", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "unit", "password1", "password2")}),
    )
    # Enabling and disabling go through the list's actions, which audit them and stamp the re-enabling.
    readonly_fields = ("is_active", "last_login", "password_changed_at", "reactivated_at", "date_joined")

    @admin.action(description=_("重置动态口令（下次登录时重新绑定手机）"), permissions=["reset_two_factor"])
    def reset_two_factor(self, request, queryset) -> None:
        users = list(queryset)
        for user in users:
            twofactor.reset(user=user, by=request.user, request=request)
        self.message_user(
            request,
            ngettext(
                "已重置 %(n)d 个账号的动态口令，其下次登录时须重新绑定手机。",
                "已重置 %(n)d 个账号的动态口令，其下次登录时须重新绑定手机。",
                len(users),
            )
            % {"n": len(users)},
        )

    def get_list_display(self, request):
        return (*super().get_list_display(request), "two_factor_enrolled")

    def get_queryset(self, request):
        # One EXISTS in the list query, not one query per row.
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(otp_enrolled=Exists(enrolled))

    @admin.display(description=_("已绑定动态口令"), boolean=True, ordering="otp_enrolled")
    def two_factor_enrolled(self, obj: User) -> bool:
        return obj.otp_enrolled

    def has_reset_two_factor_permission(self, request) -> bool:
        # Accounts are the security administrator's (三权分立), not the system administrator's.
        return request.user.has_role(Role.SECURITY_ADMIN)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += ("groups", "is_staff", "must_change_password")
        return fields

    def get_form(self, request: HttpRequest, obj: User | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if issubclass(form, StaffChangeForm):
            form = type(form.__name__, (form,), {"acting_user": request.user})
        return form

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.exclude(name__in=ADMIN_ROLES).order_by("name")
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label_from_instance = role_label
        return field

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and account_edit_error(by=request.user, user=obj):
            return False  # view-only
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            record_account_created(user=obj, by=request.user, request=request)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        target = self.get_object(request, unquote(id))
        if target is not None and (refusal := password_reset_error(by=request.user, user=target)):
            record_audit(AuditEvent.Action.ACCESS_DENIED, request=request, user=request.user, detail=refusal)
            messages.error(request, refusal)
            return redirect("admin:governance_user_change", target.pk)
        if request.method == "POST" and target is not None and self.has_change_permission(request, target):
            form = self.change_password_form(target, request.POST)
            if form.is_valid():
                reset_password(user=target, password=form.cleaned_data["password1"], by=request.user, request=request)
                self.log_change(request, target, self.construct_change_message(request, form, None))
                messages.success(request, _("密码已重置，该账号下次登录时须修改密码。"))
                return redirect("admin:governance_user_change", target.pk)
        return super().user_change_password(request, id, form_url)  # the form, or its errors

    @admin.action(description=_("停用所选账号"), permissions=["change"])
    def disable_accounts(self, request: HttpRequest, queryset) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("重新启用所选账号"), permissions=["change"])
    def enable_accounts(self, request: HttpRequest, queryset) -> None:
        self._set_active(request, queryset, active=True)

    def _set_active(self, request: HttpRequest, queryset, *, active: bool) -> None:
        changed = 0
        for user in queryset:
            try:
                changed += set_account_active(user=user, active=active, by=request.user, request=request)
            except AccountActionRefused as refusal:
                messages.error(request, f"{user.username}：{refusal}")
        if changed:
            messages.success(request, _("已处理 %(n)d 个账号。") % {"n": changed})


@admin.register(Unit)
class UnitAdmin(HistoryAdmin):
    list_display = ("code", "name", "kind", "sector", "region", "is_active")
    list_filter = ("kind", "sector", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("region",)
    raw_id_fields = ("region", "parent")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "username", "ip_address", "path", "detail", "request_id")
    list_filter = ("action",)
    search_fields = ("username", "ip_address", "request_id")
    list_display = ("at", "action", "username", "actor", "ip_address", "path", "detail")
    list_filter = ("action",)
    search_fields = ("username", "actor", "ip_address")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(HistoryAdmin):
    list_display = ("date", "is_working_day", "name")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("name",)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)  # a bulk delete skips the model's delete()
        forget_overrides()


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("date", "is_working_day", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(HistoryAdmin):
    """The system administrator enters a year's 放假安排 from the State Council's notice in one
    form; afterwards the year is read-only here (its days can be corrected one by one under
    节假日与调休, or the year deleted and entered again)."""

    list_display = ("year", "source", "entered_by", "entered_at")
    inlines = [CalendarDayInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return OfficialScheduleForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["year", "source"]}), *OfficialScheduleForm.holiday_fieldsets()]
        return [(None, {"fields": ["year", "source", "entered_by", "entered_at"]})]

    def get_readonly_fields(self, request, obj=None):
        return ("year", "entered_by", "entered_at") if obj is not None else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        entry = record_official_schedule(
            year=form.cleaned_data["year"],
            source=form.cleaned_data["source"],
            holidays=form.cleaned_data["holidays"],
            working_days=form.cleaned_data["working_days"],
            by=request.user,
        )
        obj.pk, obj.entered_by, obj.entered_at = entry.pk, entry.entered_by, entry.entered_at
        obj._state.adding = False

    def save_related(self, request, form, formsets, change) -> None:
        if change:  # the add form has no related rows of its own: the service wrote the days
            super().save_related(request, form, formsets, change)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        forget_overrides()


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    """The dashboard's indicators (口径): the system administrator adjusts a definition, a target or
    the 口径说明 for the county; the row's history shows who changed what. Switched off, not deleted."""

    # The code and the formulas (written in metric codes) are on the form, not in the list a person reads.
    list_display = ("order", "name", "unit", "target", "weight", "active")
    list_display_links = ("name",)
    list_filter = ("active", "unit", "date_basis")
    search_fields = ("name", "code", "explanation")
    fieldsets = [
        (None, {"fields": ["code", "name", "order", "active", "unit", "beside"]}),
        (
            _("计算口径"),
            {"fields": ["numerator", "numerator_filter", "denominator", "denominator_filter", "date_basis", "mode"]},
        ),
        (_("目标与颜色"), {"fields": ["direction", "target", "good_at", "warn_at", "weight"]}),
        (_("口径说明"), {"fields": ["explanation"]}),
    ]


@admin.register(ScoreBand)
class ScoreBandAdmin(HistoryAdmin):
    """The bands of the dashboard's ranking score (优秀 / 良好 / 一般 / 较差): the system
    administrator sets them with the indicators' weights."""

    list_display = ("name", "min_score", "tone")


class ReportRowInline(admin.TabularInline):
    model = ReportRow
    extra = 0
    fields = ("order", "code", "label", "group", "terms", "filter", "denominator", "denominator_filter", "typed")
    fields += ("per_category",)


class ReportColumnInline(admin.TabularInline):
    model = ReportColumn
    extra = 0
    fields = ("order", "code", "label", "group", "terms", "filter", "denominator", "denominator_filter", "typed")
    fields += ("span", "sums_typed", "own_level")


@admin.register(ReportForm)
class ReportFormAdmin(HistoryAdmin):
    """统计报表样式: a province's own form is added here, rows and columns as data (the metrics and
    filters in the indicators' notation); submitted tables keep the layout they were filed with."""

    list_display = ("order", "name", "periods", "due_day", "active")
    list_display_links = ("name",)
    inlines = [ReportRowInline, ReportColumnInline]

    @admin.display(description=_("报送周期"))
    def periods(self, form: ReportForm) -> str:
        return "、".join(str(KIND_LABELS.get(kind.strip(), kind)) for kind in form.kinds.split(",") if kind.strip())


# django-otp registers admin pages for its devices. No role manages devices there (the security
# administrator resets a person's second factor with the action on the account list), so the pages
# are removed: fewer doors, and no page that shows a device's secret key.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
