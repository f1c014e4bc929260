from django.contrib import admin

from referrals.models import TreatmentPlace


@admin.register(TreatmentPlace)
class TreatmentPlaceAdmin(admin.ModelAdmin):
    list_display = ["unit", "form", "location", "health_trust", "free_places", "active"]
    list_filter = ["form", "health_trust", "active"]
    search_fields = ["unit__name", "location"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["capacity_updated_at", "capacity_updated_by", "capacity_version"]
