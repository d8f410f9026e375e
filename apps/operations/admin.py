from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
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


def system_link(system) -> str:
    """A catalog system by its name, linked to its page."""
    return format_html('<a href="{}" class="text-link">{}</a>',
                       reverse("admin:integration_accesssystem_change", args=[system.pk]), system.name)


@admin.register(AccessRequest)
class AccessRequestAdmin(RequestAdmin):
    """A catalog request's `system_id` and `asset_id` hold the catalog system's id: staff read the system
    by its name, linked (the ids stay in the API and in the collapsed "Record" section)."""

    form = AccessRequestForm
    record_actions = named.ACCESS_REQUEST_ACTIONS
    list_display = ("system", "status", "requester_id", "entitlement_type", "access_type", "asset", "expires_at",
                    "target_error", "age")
    list_filter = ("status", "access_type", "principal_type", "provisioning_op")
    search_fields = ("id__exact", "requester_id__exact", "system_id", "entitlement_type", "justification")
    list_select_related = ("entitlement__system",)
    CATALOG_IDS = ("system_id", "asset_id")  # a catalog request's: filled from its entitlement, never typed

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        fields = (*fields, "entitlement") if "entitlement" not in fields else fields
        if obj.entitlement_id:
            fields = (*fields, *(f for f in self.CATALOG_IDS if f not in fields), "asset")
        return (*fields, "system")

    def get_fieldsets(self, request, obj=None):
        """A catalog request's system and asset by name; their ids in "Record"."""
        fieldsets = super().get_fieldsets(request, obj)
        readonly = self.get_readonly_fields(request, obj)
        if obj is None or "system_id" not in readonly:
            return [(name, {**o, "fields": [f for f in o["fields"] if f not in ("system", "asset")]})
                    for name, o in fieldsets]
        named_as = {"system_id": "system", "asset_id": "asset" if obj.entitlement_id else "asset_id"}
        ids = [f for f in self.CATALOG_IDS if obj.entitlement_id]
        shown = []
        for name, o in fieldsets:
            if name == "Record":
                shown.append((name, {**o, "fields": [*o["fields"], *ids]}))
                continue
            fields = [named_as.get(f, f) for f in o["fields"] if f not in ("system", "asset")]
            shown.append((name, {**o, "fields": fields}))
        return shown

    @admin.display(description="System", ordering="system_id")
    def system(self, obj):
        return system_link(obj.entitlement.system) if obj.entitlement_id else obj.system_id

    @admin.display(description="Asset", ordering="asset_id")
    def asset(self, obj):
        """A catalog request's asset is its system (by the spec, `asset_id` is the system's id)."""
        if obj.entitlement_id and obj.asset_id == obj.entitlement.system_id:
            return system_link(obj.entitlement.system)
        return obj.asset_id or "—"

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """A change of a system id reads as the systems' names."""
        from apps.integration.catalog_models import AccessSystem

        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        labels = {capfirst(str(AccessRequest._meta.get_field(f).verbose_name)) for f in self.CATALOG_IDS}
        changes = [c for r in historical_records for c in getattr(r, "history_delta_changes", None) or ()
                   if c["field"] in labels]
        ids = {v for c in changes for v in (c["old"], c["new"]) if v}
        if not changes or not ids:
            return
        tenant_id = next(iter(historical_records)).tenant_id
        names = dict(AccessSystem.all_objects.filter(tenant_id=tenant_id, pk__in=ids).values_list("pk", "name"))
        for change in changes:
            change["field"] = change["field"].removesuffix(" id")
            change["old"], change["new"] = (names.get(v, v) for v in (change["old"], change["new"]))

    @admin.display(description="Target's error")
    def target_error(self, obj):
        """What the connector's target last answered, while a grant or a removal is failing."""
        return Truncator(obj.provisioning_error).chars(80) if obj.provisioning_error else ""


@admin.register(HRRequest)
class HRRequestAdmin(RequestAdmin):
    record_actions = named.HR_REQUEST_ACTIONS
    list_display = ("type", "status", "requester_id", "deliverable_type", "fulfilled_at", "age")
    list_filter = ("status", "type", "deliverable_type")
    search_fields = ("id__exact", "requester_id__exact", "description")


@admin.register(Equipment)
class EquipmentAdmin(RequestAdmin):
    record_actions = named.EQUIPMENT_ACTIONS
    list_display = ("equipment_type", "status", "requester_id", "cost", "ordered_at", "delivered_at", "age")
    search_fields = ("id__exact", "requester_id__exact", "equipment_type", "specification")


@admin.register(Travel)
class TravelAdmin(RequestAdmin):
    record_actions = named.TRAVEL_ACTIONS
    list_display = ("destination", "status", "requester_id", "departure_at", "return_at", "estimated_cost", "age")
    search_fields = ("id__exact", "requester_id__exact", "destination", "purpose")


@admin.register(Pending)
class PendingAdmin(RequestAdmin):
    record_actions = named.PENDING_ACTIONS
    list_display = ("title", "status", "priority", "assignee_id", "type", "due_at", "age")
    list_filter = ("status", "type", "priority")
    search_fields = ("title", "source_id__exact", "entity_id", "assignee_id__exact")
    ordering = ("priority", "due_at")
