from django.contrib import admin

from governance.admin import HistoryAdmin
from visits.models import Visit, VisitIssue


@admin.register(Visit)
class VisitAdmin(HistoryAdmin):
    list_display = ("date", "kind", "region", "status")
    list_filter = ("kind", "status")
    readonly_fields = ("status",)


@admin.register(VisitIssue)
class VisitIssueAdmin(HistoryAdmin):
    list_display = ("summary", "village", "status", "owner_unit", "due")
    list_filter = ("status",)
    readonly_fields = ("status",)
