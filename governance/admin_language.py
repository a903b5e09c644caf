"""The admin in Chinese (issue 15, finding 10): what Django and django-axes leave in English or
show as codes. Their translatable strings missing from Django's own zh_Hans catalogue are in
locale/zh_Hans/LC_MESSAGES/django.po; what no catalogue can reach is set here."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import Role


def role_label(group: Group) -> str:
    """A role group by its Chinese name, not by its code (the group's name)."""
    return Role(group.name).label if group.name in Role.values else group.name


class RoleFilter(admin.SimpleListFilter):
    """The account list's filter by role, named in Chinese (the groups' own names are codes)."""

    title = _("岗位")
    parameter_name = "role"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return list(Role.choices)

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        return queryset.filter(groups__name=self.value()) if self.value() in Role.values else queryset


class RoleGroupAdmin(GroupAdmin):
    list_display = ("role",)

    @admin.display(description=_("岗位"), ordering="name")
    def role(self, group: Group) -> str:
        return role_label(group)


def _boolean_icon(value: bool | None) -> SafeString:
    # Django writes alt="True" / alt="False" (hard-coded, not translatable): a screen reader says it.
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    alt = {True: gettext("是"), False: gettext("否"), None: gettext("未知")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), alt)


admin_list._boolean_icon = _boolean_icon  # utils and helpers import it from there when called
# django-axes names its section after its label ("Axes") and its status column after the method.
apps.get_app_config("axes").verbose_name = _("登录失败与锁定")
AccessAttemptAdmin.status.short_description = _("状态")
AccessAttemptAdmin.expiration.short_description = _("到期时间")
# Their rows' names (in the list's select boxes and the delete confirmation) are English f-strings.
AccessAttempt.__str__ = lambda row: gettext("%(user)s 的登录失败计数") % {"user": row.username}
AccessLog.__str__ = lambda row: gettext("%(user)s 的登录日志") % {"user": row.username}
AccessFailureLog.__str__ = lambda row: gettext("%(user)s 的登录失败记录") % {"user": row.username}
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
