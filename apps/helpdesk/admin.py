from django.contrib import admin
from unfold.admin import TabularInline

from apps.core.admin_base import TenantAdmin, principal_for

from .models import BusinessCalendar, SLAPolicy, Ticket, TicketComment


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


class CommentInline(TabularInline):
    model = TicketComment
    fields = ("created_at", "author_id", "internal", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Conversation (reply through the API or the ticket's portal)"

    def has_add_permission(self, request, obj=None):
        return False


SLA_FIELDS = ("sla_policy", "sla_state", "first_response_at", "first_response_due_at", "first_response_warn_at",
              "first_response_warned_at", "first_response_breached_at", "due_at", "resolution_warn_at",
              "resolution_warned_at", "resolution_breached_at", "resolved_at")


@admin.register(Ticket)
class TicketAdmin(TenantAdmin):
    list_display = ("number", "title", "status", "priority", "type", "assigned_to_id", "sla_state", "due_at", "created_at")
    list_filter = (QueueFilter, "status", "priority", "type", "sla_state")
    search_fields = ("number", "title", "description")
    date_hierarchy = "created_at"
    readonly_fields = ("number", *SLA_FIELDS)
    inlines = [CommentInline]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(TenantAdmin):
    list_display = ("name", "priority", "first_response_minutes", "resolution_minutes", "business_hours_only", "status")
    list_filter = ("status", "priority", "business_hours_only")
    search_fields = ("name",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(TenantAdmin):
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision", "updated_at")
    search_fields = ("name",)
