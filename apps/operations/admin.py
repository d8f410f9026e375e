from django.contrib import admin
from django.utils import timezone
from django.utils.timesince import timesince

from apps.core.admin_base import TenantAdmin

from .models import AccessRequest, Equipment, HRRequest, Pending, Travel
from . import actions as named


class RequestAdmin(TenantAdmin):
    """Lists lead with what the request is for and its status: on a phone those stay in view."""

    date_hierarchy = "created_at"
    list_filter = ("status",)

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at, timezone.now())


@admin.register(AccessRequest)
class AccessRequestAdmin(RequestAdmin):
    record_actions = named.ACCESS_REQUEST_ACTIONS
    list_display = ("system_id", "status", "requester_id", "entitlement_type", "access_type", "expires_at", "age")
    list_filter = ("status", "access_type", "principal_type")
    search_fields = ("id", "requester_id", "system_id", "entitlement_type", "justification")


@admin.register(HRRequest)
class HRRequestAdmin(RequestAdmin):
    record_actions = named.HR_REQUEST_ACTIONS
    list_display = ("type", "status", "requester_id", "deliverable_type", "fulfilled_at", "age")
    list_filter = ("status", "type", "deliverable_type")
    search_fields = ("id", "requester_id", "description")


@admin.register(Equipment)
class EquipmentAdmin(RequestAdmin):
    record_actions = named.EQUIPMENT_ACTIONS
    list_display = ("equipment_type", "status", "requester_id", "cost", "ordered_at", "delivered_at", "age")
    search_fields = ("id", "requester_id", "equipment_type", "specification")


@admin.register(Travel)
class TravelAdmin(RequestAdmin):
    record_actions = named.TRAVEL_ACTIONS
    list_display = ("destination", "status", "requester_id", "departure_at", "return_at", "estimated_cost", "age")
    search_fields = ("id", "requester_id", "destination", "purpose")


@admin.register(Pending)
class PendingAdmin(RequestAdmin):
    record_actions = named.PENDING_ACTIONS
    list_display = ("title", "status", "priority", "assignee_id", "type", "due_at", "age")
    list_filter = ("status", "type", "priority")
    search_fields = ("title", "source_id", "entity_id", "assignee_id")
    ordering = ("priority", "due_at")
