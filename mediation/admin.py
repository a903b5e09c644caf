from django.contrib import admin

from governance.admin import HistoryAdmin
from mediation.models import Mediator, Membership, Organisation, SubsidyRate, Training


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["mediator"]


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["unit", "kind", "field", "region", "phone"]
    list_filter = ["kind", "field"]
    search_fields = ["unit__name", "unit__code"]
    raw_id_fields = ["unit", "region"]
    inlines = [MembershipInline]


class TrainingInline(admin.TabularInline):
    model = Training
    extra = 0


@admin.register(Mediator)
class MediatorAdmin(HistoryAdmin):
    list_display = ["name", "employment", "background", "is_active"]
    list_filter = ["employment", "background", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["specialties"]
    raw_id_fields = ["user"]
    inlines = [TrainingInline]


@admin.register(SubsidyRate)
class SubsidyRateAdmin(HistoryAdmin):
    list_display = ["difficulty", "category", "amount", "valid_from"]
    list_filter = ["difficulty"]
