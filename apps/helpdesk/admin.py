from django.contrib import admin

from apps.core.admin_base import TenantAdmin, principal_for

from .models import SLAPolicy, Ticket


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "My tickets"), ("unassigned", "Unassigned")]

    def queryset(self, request, queryset):
        open_ = queryset.exclude(status__in=["resolved", "closed"])
        principal = principal_for(request)
        if self.value() == "mine" and principal:
            return open_.filter(assigned_to_id=principal.person_id)
        if self.value() == "unassigned":
            return open_.filter(assigned_to_id__isnull=True)
        return queryset


@admin.register(Ticket)
class TicketAdmin(TenantAdmin):
    list_display = ("number", "title", "status", "priority", "type", "assigned_to_id", "due_at", "created_at")
    list_filter = (QueueFilter, "status", "priority", "type")
    search_fields = ("number", "title", "description")
    date_hierarchy = "created_at"
    readonly_fields = ("number", "sla_policy", "due_at", "first_response_due_at", "resolved_at")


@admin.register(SLAPolicy)
class SLAPolicyAdmin(TenantAdmin):
    list_display = ("name", "priority", "first_response_minutes", "resolution_minutes", "business_hours_only", "status")
    list_filter = ("status", "priority", "business_hours_only")
    search_fields = ("name",)
