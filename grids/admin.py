from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from grids.models import Grid, Region


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "kind", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(Grid)
class GridAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "village")
    search_fields = ("code", "name", "village__name")
    list_select_related = ("village",)
    raw_id_fields = ("village",)
    filter_horizontal = ("workers",)
