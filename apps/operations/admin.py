from django.contrib import admin
from django.utils import timezone
from django.utils.timesince import timesince

from apps.core.admin_base import TenantAdmin

from .models import AccessRequest, Equipment, HRRequest, Pending, Travel


class RequestAdmin(TenantAdmin):
    date_hierarchy = "created_at"
    list_filter = ("status",)

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at, timezone.now())


@admin.register(AccessRequest)
class AccessRequestAdmin(RequestAdmin):
    list_display = ("id", "requester_id", "system_id", "access_type", "entitlement_type", "status", "expires_at", "age")
    list_filter = ("status", "access_type", "principal_type")
    search_fields = ("id", "requester_id", "system_id", "entitlement_type", "justification")


@admin.register(HRRequest)
class HRRequestAdmin(RequestAdmin):
    list_display = ("id", "requester_id", "type", "deliverable_type", "status", "fulfilled_at", "age")
    list_filter = ("status", "type", "deliverable_type")
    search_fields = ("id", "requester_id", "description")


@admin.register(Equipment)
class EquipmentAdmin(RequestAdmin):
    list_display = ("id", "requester_id", "equipment_type", "status", "cost", "ordered_at", "delivered_at", "age")
    search_fields = ("id", "requester_id", "equipment_type", "specification")


@admin.register(Travel)
class TravelAdmin(RequestAdmin):
    list_display = ("id", "requester_id", "destination", "departure_at", "return_at", "status", "estimated_cost", "age")
    search_fields = ("id", "requester_id", "destination", "purpose")


@admin.register(Pending)
class PendingAdmin(RequestAdmin):
    list_display = ("title", "type", "assignee_id", "priority", "due_at", "status", "age")
    list_filter = ("status", "type", "priority")
    search_fields = ("title", "source_id", "entity_id", "assignee_id")
    ordering = ("priority", "due_at")
