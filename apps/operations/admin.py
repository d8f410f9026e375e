from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.text import Truncator
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


class AccessRequestForm(forms.ModelForm):
    """A request naming a catalog entitlement takes its system and name from it (the service checks them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "system_id" in self.fields and "entitlement" in self.fields:
            self.fields["system_id"].required = False
            self.fields["system_id"].help_text = "Filled from the entitlement when one is chosen."

    def clean(self):
        data = super().clean()
        entitlement = data.get("entitlement")
        if entitlement is not None:
            for name, value in (("system_id", entitlement.system_id), ("asset_id", entitlement.system_id),
                                ("entitlement_type", entitlement.name)):
                if name in self.fields and not data.get(name):
                    data[name] = value
        elif "system_id" in self.fields and not data.get("system_id"):
            self.add_error("system_id", "Name the system, or choose a catalog entitlement.")
        return data


@admin.register(AccessRequest)
class AccessRequestAdmin(RequestAdmin):
    form = AccessRequestForm
    record_actions = named.ACCESS_REQUEST_ACTIONS
    list_display = ("system_id", "status", "requester_id", "entitlement_type", "access_type", "expires_at",
                    "target_error", "age")
    list_filter = ("status", "access_type", "principal_type", "provisioning_op")
    search_fields = ("id", "requester_id", "system_id", "entitlement_type", "justification")
    list_select_related = ("entitlement",)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "entitlement") if obj is not None and "entitlement" not in fields else fields

    @admin.display(description="Target's error")
    def target_error(self, obj):
        """What the connector's target last answered, while a grant or a removal is failing."""
        return Truncator(obj.provisioning_error).chars(80) if obj.provisioning_error else ""


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
