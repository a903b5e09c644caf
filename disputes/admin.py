from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from disputes.models import Category, RiskLevel


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name", "code")


@admin.register(RiskLevel)
class RiskLevelAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "color", "severity", "is_active")
