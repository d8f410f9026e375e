"""The drift findings page (reconciliation, apps/integration/reconcile.py)."""
from django.contrib import admin

from apps.core.admin_base import TenantAdmin

from .actions import DRIFT_FINDING_ACTIONS
from .drift_models import DriftFinding


@admin.register(DriftFinding)
class DriftFindingAdmin(TenantAdmin):
    """Drift found by reconciliation (`sync_connector`); IT and the entitlement's owner resolve it with the
    record's buttons: adopt, revoke, re-grant (through the connector) or dismiss with a reason."""

    record_actions = DRIFT_FINDING_ACTIONS
    list_display = ("user_name", "kind", "status", "entitlement", "connector", "person_id", "owner_id",
                    "last_seen_at")
    list_filter = ("status", "kind")
    search_fields = ("user_name",)
    list_select_related = ("entitlement__system", "connector")
    ordering = ("-last_seen_at", "id")
    # What the sync found and how it was resolved: written by the sync and the buttons, read here.
    readonly_fields = ("kind", "user_name", "entitlement", "connector", "person_id", "owner_id", "grant_request",
                       "first_seen_at", "last_seen_at", "last_error", "resolved_at", "resolved_by_id",
                       "resolution_note")

    def has_add_permission(self, request):
        return False  # findings are opened by a sync, never typed in
