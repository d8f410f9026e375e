"""Offboarding cases (each with its items and evidence report), planned leaving dates and the tenant's
lifecycle settings, in the staff admin."""
from django.contrib import admin
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin_base import TenantAdmin
from apps.core.admin_inlines import TenantTabularInline
from apps.core.admin_words import words_changelist
from apps.core.people import label_rows, people_inline_formset, person_label
from apps.files.models import Attachment, Origin

from .actions import (
    BIRTHRIGHT_RULE_ACTIONS, LIFECYCLE_SETTINGS_ACTIONS, OFFBOARDING_CASE_ACTIONS, OFFBOARDING_ITEM_ACTIONS,
    ONBOARDING_CHECKLIST_ACTIONS, PLANNED_LEAVE_ACTIONS, SCHEDULED_REVOKE_ACTIONS,
)
from .choices import ItemStatus
from .models import (
    BirthrightRule, LifecycleSettings, OffboardingCase, OffboardingItem, OnboardingChecklist, PlannedLeave, ScheduledRevoke,
)


def titled_relations_changelist(model, *relations: str):
    """The model's changelist (its rows' people labelled in one go) that also labels the people the
    title of each related record (`relations`, loaded by list_select_related) names: one lookup per
    relation for the page, never one per row."""

    class TitledRelationsChangeList(words_changelist(model)):
        def get_results(self, request):
            super().get_results(request)
            for relation in relations:
                related = [r for r in (getattr(row, relation) for row in self.result_list) if r is not None]
                if related:
                    related_model = type(related[0])
                    label_rows(related, related_model.title_format.person_fields(related_model))

    return TitledRelationsChangeList


def _items_of_case(*statuses: str):
    """The case's (undeleted) items, of `statuses` when given, counted in a subquery of the list's query."""
    items = OffboardingItem.objects.filter(case=OuterRef("pk"))
    if statuses:
        items = items.filter(status__in=statuses)
    counted = items.order_by().values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class ItemInline(TenantTabularInline):
    model = OffboardingItem
    fields = ("item", "kind", "target", "status", "action_taken", "done_by_name", "done_at", "confirmation", "last_error")
    readonly_fields = fields
    verbose_name_plural = "Items (a flagged one is resolved from its own page)"
    ordering = ("kind", "id")
    formset = people_inline_formset("done_by")  # one lookup for the page's people, not one per row

    def get_queryset(self, request):
        return OffboardingItem.objects.order_by("kind", "id")

    @admin.display(description="Item")
    def item(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:lifecycle_offboardingitem_change", args=[obj.pk]), obj.label)

    @admin.display(description="By")
    def done_by_name(self, obj):
        return person_label(obj, "done_by") if obj.done_by else "—"


@admin.register(OffboardingCase)
class OffboardingCaseAdmin(TenantAdmin):
    """A leaver's case: what they held and what became of it. The engine opens and closes it."""

    record_actions = OFFBOARDING_CASE_ACTIONS
    list_display = ("__str__", "person_id", "trigger", "status", "overdue", "progress", "created_at", "closed_at")
    list_filter = ("status", "trigger")
    search_fields = ("person_id__exact",)
    ordering = ("-created_at", "id")
    inlines = [ItemInline]
    readonly_fields = ("overdue", "progress", "evidence")

    def has_add_permission(self, request):
        return False  # a deactivation opens a case

    def get_queryset(self, request):
        """Each case with what its list columns read of its items (`overdue`, `progress`): subqueries
        of the page's one query, not a query per row."""
        return super().get_queryset(request).annotate(
            has_failed_item=Exists(OffboardingItem.objects.filter(case=OuterRef("pk"), status=ItemStatus.FAILED)),
            items_total=_items_of_case(), items_done=_items_of_case(ItemStatus.DONE, ItemStatus.CANCELLED))

    @admin.display(description="Overdue", boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(description="Done")
    def progress(self, obj):
        if not hasattr(obj, "items_total"):  # a case not read through the list's queryset
            items = list(obj.items.values_list("status", flat=True))
            return f"{sum(1 for s in items if s in ('done', 'cancelled'))} of {len(items)}"
        return f"{obj.items_done} of {obj.items_total}"

    @admin.display(description="Evidence report")
    def evidence(self, obj):
        files = Attachment.objects.filter(tenant_id=obj.tenant_id, record_id=obj.pk,
                                          origin=Origin.REPORT).order_by("filename")  # not an admin's upload
        if not files:
            return "Attached when the case closes." if obj.status == "open" else "Being attached (retried every minute)."
        return format_html_join(" · ", '<a href="{}">{}</a>',
                                ((reverse("admin:files_attachment_download", args=[f.pk]), f.filename) for f in files))


@admin.register(OffboardingItem)
class OffboardingItemAdmin(TenantAdmin):
    """One item of a case; an admin resolves a flagged item once they settled it (the button below)."""

    record_actions = OFFBOARDING_ITEM_ACTIONS
    list_display = ("label", "kind", "case", "status", "target", "done_at")
    list_filter = ("status", "kind")
    search_fields = ("label", "subject_id__exact")
    list_select_related = ("case",)
    ordering = ("-created_at", "id")

    def get_changelist(self, request, **kwargs):
        return titled_relations_changelist(self.model, "case")  # the case's title names its leaver

    def has_add_permission(self, request):
        return False


@admin.register(PlannedLeave)
class PlannedLeaveAdmin(TenantAdmin):
    """A leaving date set in advance: that day the scheduler deactivates the person, which opens their case."""

    record_actions = PLANNED_LEAVE_ACTIONS
    list_display = ("person_id", "leaves_on", "note", "done_at")
    ordering = ("leaves_on", "id")


@admin.register(LifecycleSettings)
class LifecycleSettingsAdmin(TenantAdmin):
    record_actions = LIFECYCLE_SETTINGS_ACTIONS
    list_display = ("__str__", "mover_grace_days", "offboarding_due_days")


@admin.register(BirthrightRule)
class BirthrightRuleAdmin(TenantAdmin):
    """Access everyone in a group, department or location gets when they join, approved by the rule."""

    record_actions = BIRTHRIGHT_RULE_ACTIONS
    list_display = ("entitlement", "group", "department", "location", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("entitlement__system", "group")


@admin.register(OnboardingChecklist)
class OnboardingChecklistAdmin(TenantAdmin):
    """What a newcomer to the group gets opened for them: equipment, HR requests, policies to acknowledge."""

    record_actions = ONBOARDING_CHECKLIST_ACTIONS
    list_display = ("group", "equipment_type", "is_active")
    list_select_related = ("group",)


@admin.register(ScheduledRevoke)
class ScheduledRevokeAdmin(TenantAdmin):
    """Birthright grants of people who moved: handed to the connector when the grace period ends."""

    record_actions = SCHEDULED_REVOKE_ACTIONS
    list_display = ("grant", "person_id", "due_at", "handed_over_at", "cancelled_at")
    list_select_related = ("grant__entitlement__system",)  # the grant's title reads its system
    ordering = ("due_at", "id")

    def get_changelist(self, request, **kwargs):
        return titled_relations_changelist(self.model, "grant")  # the grant's title names its requester

    def has_add_permission(self, request):
        return False  # a move schedules them

    def has_change_permission(self, request, obj=None):
        return False  # the sweep hands them over; moving back cancels them
