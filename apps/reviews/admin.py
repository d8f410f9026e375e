"""Access reviews in the admin: campaigns (scope, launch, close, sign off; progress by reviewer and by
system from the tallies), items (keep or revoke with a reason, one by one or selected), a reviewer's
bulk keep of their low-risk items, and the tenant's review settings."""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse

from apps.core.admin_base import TenantAdmin, principal_for
from apps.core.admin_panels import record_panel
from apps.core.admin_words import column_name
from apps.core.exceptions import DomainError

from .actions import REVIEW_CAMPAIGN_ACTIONS, REVIEW_ITEM_ACTIONS, REVIEW_SETTINGS_ACTIONS
from .choices import CampaignStatus, ItemStatus
from .models import ReviewCampaign, ReviewItem, ReviewSettings, ReviewTally
from .services import progress_rows, review_campaign_keep_low_risk


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(TenantAdmin):
    record_actions = REVIEW_SETTINGS_ACTIONS
    list_display = ("__str__", "revoke_at_once", "approver_cooldown_days")


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(TenantAdmin):
    record_actions = REVIEW_CAMPAIGN_ACTIONS
    list_display = ("name", "status", "owner_id", "due_at", "progress", "revokes")
    list_filter = ("status", "reviewer_rule", "unanswered_rule")
    search_fields = ("id__exact", "name", "description")
    fields = ("name", "description", "owner_id", "reviewer_rule", "unanswered_rule", "system", "entitlement",
              "min_risk", "group", "due_at", "remind_days_before", "escalate_days_before", "launched_at",
              "closed_at", "tags")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("system", "entitlement", "group")

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "launched_at", "closed_at"]
        return tuple(dict.fromkeys(readonly))

    @admin.display(description="Decided")
    def progress(self, obj):
        return f"{obj.items_decided} of {obj.items_total}" if obj.items_total else "not launched"

    @admin.display(description="Revokes confirmed")
    def revokes(self, obj):
        wanted = obj.items_revoked
        failed = f", {obj.revokes_failed} failing" if obj.revokes_failed else ""
        return f"{obj.revokes_done} of {wanted}{failed}" if wanted else "—"

    def get_urls(self):
        return [path("<path:object_id>/keep-low-risk/", self.admin_site.admin_view(self.keep_low_risk_view),
                     name="reviews_reviewcampaign_keep_low_risk"), *super().get_urls()]

    def keep_low_risk_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            raise Http404("No such campaign in your tenant.")
        try:
            kept = review_campaign_keep_low_risk(actor=principal_for(request, campaign), review_campaign=campaign,
                                                 comment=request.POST.get("comment", ""))
            self.message_user(request, f"Kept {kept} low-risk item(s) you review.", messages.SUCCESS)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:reviews_reviewcampaign_change", args=[campaign.pk]))


@record_panel
def campaign_progress_panel(request, obj, actor):
    """Progress by reviewer and by system (the tallies: at most 50 rows each, behind first), and the
    reviewer's own bulk keep when they have low-risk items waiting."""
    if not isinstance(obj, ReviewCampaign) or obj.status == CampaignStatus.DRAFT:
        return None
    mine_low = ReviewItem.objects.filter(campaign=obj, reviewer_id=actor.person_id, status=ItemStatus.PENDING,
                                         risk="low").exclude(holder_id=actor.person_id).count() \
        if obj.status == CampaignStatus.OPEN else 0
    items_url = reverse("admin:reviews_reviewitem_changelist") + f"?campaign__id__exact={obj.pk}"
    return render_to_string("reviews/admin_progress.html", {
        "campaign": obj, "reviewers": progress_rows(obj, ReviewTally.REVIEWER),
        "systems": progress_rows(obj, ReviewTally.SYSTEM), "mine_low": mine_low, "items_url": items_url,
        "mine_url": items_url + f"&reviewer_id={actor.person_id}&status__exact=pending",
        "keep_url": reverse("admin:reviews_reviewcampaign_keep_low_risk", args=[obj.pk])}, request=request)


class PendingForMe(admin.SimpleListFilter):
    title = "waiting for"
    parameter_name = "reviewer_id"

    def lookups(self, request, model_admin):
        return [("me", "Me")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        actor = principal_for(request)
        return queryset.filter(reviewer_id=actor.person_id if value == "me" and actor else value)


@admin.register(ReviewItem)
class ReviewItemAdmin(TenantAdmin):
    record_actions = REVIEW_ITEM_ACTIONS
    list_display = ("__str__", "campaign", "risk", "status", "reviewer_id", "routed_because", "revoke_state")
    list_filter = (PendingForMe, "status", "risk", "revoke_state", "routed_because")
    search_fields = ("id__exact", "entitlement__name", "system__name")
    fields = ("campaign", "holder_id", "system", "entitlement", "risk", "grant", "reviewer_id", "routed_because",
              "routing_note", "status")
    list_select_related = ("campaign", "entitlement__system")

    def has_add_permission(self, request):
        return False  # items come from launching a campaign

    def has_delete_permission(self, request, obj=None):
        return False  # a review item is evidence

    def has_change_permission(self, request, obj=None):
        # No field is ever edited: an undecided item's page carries its decisions (keep, revoke) as buttons.
        return obj is not None and obj.status == ItemStatus.PENDING

    def get_readonly_fields(self, request, obj=None):
        people = [column_name(f) for f in ("holder_id", "reviewer_id", "decided_by_id")]
        return tuple(dict.fromkeys([*super().get_readonly_fields(request, obj), *self.fields, *people]))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "entitlement__system", "system")
