from django.contrib import admin
from django.db.models import Q
from unfold.admin import TabularInline

from apps.core.admin_base import TenantAdmin, principal_for

from .choices import OPEN_STEP_STATES
from .models import ApprovalChain, ApprovalRequest, ApprovalStep


@admin.register(ApprovalChain)
class ApprovalChainAdmin(TenantAdmin):
    list_display = ("name", "entity_type", "approver_ids", "due_in_hours", "is_active")
    list_filter = ("entity_type", "is_active")
    search_fields = ("name", "entity_type")


class StepInline(TabularInline):
    model = ApprovalStep
    fields = ("step_index", "approver_id", "status", "decision", "comment", "decided_at", "delegated_to_id")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(TenantAdmin):
    list_display = ("title", "entity_type", "requested_by_id", "status", "current_step_index", "total_steps", "due_at", "created_at")
    list_filter = ("status", "entity_type")
    search_fields = ("title", "entity_id", "requested_by_id")
    date_hierarchy = "created_at"
    inlines = [StepInline]


class MineFilter(admin.SimpleListFilter):
    title = "my approvals"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("open", "Waiting for me"), ("all", "All mine")]

    def queryset(self, request, queryset):
        principal = principal_for(request)
        if not self.value() or principal is None:
            return queryset
        mine = queryset.filter(Q(approver_id=principal.person_id, delegated=False) | Q(delegated_to_id=principal.person_id))
        return mine.filter(status__in=OPEN_STEP_STATES) if self.value() == "open" else mine


@admin.register(ApprovalStep)
class ApprovalStepAdmin(TenantAdmin):
    list_display = ("approval_request", "step_index", "approver_id", "status", "decision", "delegated_to_id", "decided_at")
    list_filter = (MineFilter, "status", "decision")
    search_fields = ("approver_id", "delegated_to_id", "approval_request__title")
    list_select_related = ("approval_request",)
    fields = readonly_fields = ("approval_request", "step_index", "approver_id", "status", "decision", "comment",
                                "decided_at", "delegated", "delegated_to_id")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # steps belong to their request; cancel the request instead
