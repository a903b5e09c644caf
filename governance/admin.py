from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from governance.models import AuditEvent, CalendarDay, Unit, User


class ResetPasswordForm(AdminPasswordChangeForm):
    """A password set by the security administrator is temporary: the owner changes it at login."""

    def save(self, commit: bool = True) -> User:
        self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class StaffAdmin(UserAdmin, SimpleHistoryAdmin):
    change_password_form = ResetPasswordForm
    list_display = ("username", "full_name", "unit", "is_unit_head", "is_active", "must_change_password", "last_login")
    list_filter = ("groups", "is_active", "unit__kind")
    search_fields = ("username", "full_name", "phone", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "unit", "title", "is_unit_head")}),
        (_("角色与状态"), {"fields": ("groups", "is_active", "must_change_password", "is_staff")}),
        (_("时间"), {"fields": ("last_login", "password_changed_at", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "unit", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "password_changed_at", "date_joined")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
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
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "is_working_day", "name")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("name",)
