from django.contrib import admin

from accounts.models import AuditEvent, Membership, Organisation, ServiceUnit, UserIdentity
from accounts.services import unit_create


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "org_number", "level", "is_private"]
    list_filter = ["level"]
    search_fields = ["name", "org_number"]


@admin.register(ServiceUnit)
class ServiceUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "kind", "phone"]
    list_filter = ["kind", "organisation"]
    search_fields = ["name"]
    fields = [
        "organisation",
        "name",
        "kind",
        "email",
        "phone",
        "postal_address",
        "visiting_address",
        "visiting_instructions",
    ]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            created = unit_create(
                organisation=obj.organisation,
                name=obj.name,
                kind=obj.kind,
                email=obj.email,
                phone=obj.phone,
                postal_address=obj.postal_address,
                visiting_address=obj.visiting_address,
                visiting_instructions=obj.visiting_instructions,
            )
            obj.pk, obj.group = created.pk, created.group


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "active_from", "active_to"]
    list_filter = ["role", "unit__organisation"]
    search_fields = ["user__username", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(UserIdentity)
class UserIdentityAdmin(admin.ModelAdmin):
    """Where an administrator connects a staff user to their HelseID person identity."""

    list_display = ["user", "kind", "helseid_pid"]
    list_filter = ["kind"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "unit", "patient_id", "action", "object_type", "basis"]
    list_filter = ["action", "basis"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
