from django.contrib import admin

from governance.admin import HistoryAdmin
from grids.models import Grid, Region, ReportSettings, SensitivePeriod


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    list_display = ("code", "name", "level", "kind", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(Grid)
class GridAdmin(HistoryAdmin):
    list_display = ("code", "name", "village")
    search_fields = ("code", "name", "village__name")
    list_select_related = ("village",)
    raw_id_fields = ("village",)
    filter_horizontal = ("workers",)


@admin.register(ReportSettings)
class ReportSettingsAdmin(HistoryAdmin):
    list_display = ("__str__", "start_date", "weekly_weekday", "cutoff", "grace_minutes")

    def has_add_permission(self, request) -> bool:
        return not ReportSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SensitivePeriod)
class SensitivePeriodAdmin(HistoryAdmin):
    list_display = ("name", "start", "end", "note")
    date_hierarchy = "start"
