from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core.admin_base import TenantAdmin
from apps.core.admin_inlines import TenantTabularInline
from apps.core.rendering import render_markdown

from .campaigns import Progress, counted_progress, outstanding_of
from .choices import CampaignStatus
from .models import AcknowledgementCampaign, Policy, PolicyAcknowledgement, PolicyVersion
from .actions import ACKNOWLEDGEMENT_CAMPAIGN_ACTIONS, POLICY_ACTIONS
from .services import acknowledgement_campaign_create, acknowledgement_campaign_recount, acknowledgement_campaign_update


class VersionInline(TenantTabularInline):
    model = PolicyVersion
    fields = ("version", "name", "published_at", "created_by")
    readonly_fields = fields
    per_page = 20


class AcknowledgementInline(TenantTabularInline):
    model = PolicyAcknowledgement
    fields = ("version", "person_id", "acknowledged_at")
    readonly_fields = fields
    per_page = 20


@admin.register(Policy)
class PolicyAdmin(TenantAdmin):
    record_actions = POLICY_ACTIONS
    list_display = ("name", "status", "category", "version", "owner_id", "next_review_at", "acknowledgements")
    list_filter = ("status", "category")
    search_fields = ("name", "description", "body")
    inlines = [VersionInline, AcknowledgementInline]
    # Service-level attributes the seed's policy page carried: kept, out of the way of writing a policy.
    collapsed_sections = {"Service levels (optional)": (
        "applies_to", "priority", "first_response_minutes", "resolution_minutes", "business_hours_only")}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ack_count=Count("acknowledgements"))

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "rendered_body", "version", "published_at")

    @admin.display(description="Acknowledgements", ordering="ack_count")
    def acknowledgements(self, obj):
        return obj.ack_count

    @admin.display(description="Body (rendered)")
    def rendered_body(self, obj):
        return render_markdown(obj.body, top_heading=2)


def _bar(progress: Progress) -> str:
    return format_html(
        '<span class="ack-progress" title="{} of {} acknowledged">'
        '<span style="display:inline-block;width:80px;height:8px;background:#e2e8f0;border-radius:4px;'
        'vertical-align:middle;overflow:hidden"><span style="display:block;height:8px;width:{}%;background:#16a34a">'
        '</span></span> {} of {} ({} %)</span>',
        progress.acknowledged, progress.audience, progress.percent, progress.acknowledged, progress.audience,
        progress.percent)


OUTSTANDING_SHOWN = 50


@admin.register(AcknowledgementCampaign)
class AcknowledgementCampaignAdmin(TenantAdmin):
    """HR asks a policy version's audience to acknowledge it; the list shows each campaign's progress
    as last counted (at launch and close, by every reminder sweep, or on "Recount now": counting reads
    the whole audience, so a list page does not count), the change page who is still outstanding."""

    record_actions = ACKNOWLEDGEMENT_CAMPAIGN_ACTIONS
    list_display = ("__str__", "status", "audience", "due_at", "progress", "launched_at")
    list_filter = ("status", "audience")
    search_fields = ("id__exact", "policy__name", "version")
    fields = ("policy", "version", "audience", "groups", "due_at", "remind_every_days", "remind_on_due", "message",
              "launched_at", "reminded_slot_at", "closed_at", "progress_summary", "outstanding_people")
    filter_horizontal = ("groups",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("policy")

    def get_urls(self):
        return [path("<path:object_id>/recount/", self.admin_site.admin_view(self.recount_view),
                     name="policies_acknowledgementcampaign_recount"), *super().get_urls()]

    def recount_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            raise Http404("No such campaign in your tenant.")
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        progress = acknowledgement_campaign_recount(campaign=campaign)
        self.message_user(request, f"Counted: {progress.acknowledged} of {progress.audience} acknowledged.")
        return HttpResponseRedirect(reverse("admin:policies_acknowledgementcampaign_change", args=[campaign.pk]))

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "version", "launched_at", "reminded_slot_at",
                    "closed_at", "progress_summary", "outstanding_people"]
        if obj is not None:
            readonly.append("policy")  # a campaign stays with its policy version
            if obj.status != CampaignStatus.DRAFT:
                readonly.append("groups")
        return tuple(dict.fromkeys(readonly))

    @admin.display(description="Acknowledged", ordering="counted_acknowledged")
    def progress(self, obj):
        progress = counted_progress(obj)
        return "not counted yet" if progress is None else _bar(progress)

    @admin.display(description="Progress")
    def progress_summary(self, obj):
        if obj is None or obj._state.adding:
            return "—"
        progress = counted_progress(obj)
        recount = format_html(
            '<button type="submit" formaction="{}" formmethod="post" formnovalidate class="{}" data-testid="recount">'
            "Recount now</button>", reverse("admin:policies_acknowledgementcampaign_recount", args=[obj.pk]),
            "border border-base-200 rounded-default px-3 py-1 text-sm font-medium")
        if progress is None:
            return format_html("Not counted yet. {}", recount)
        counted = timezone.localtime(obj.counted_at).strftime("%Y-%m-%d %H:%M")
        return format_html("{}<br>{} outstanding, as counted at {} {}", _bar(progress), progress.outstanding,
                           counted, recount)

    @admin.display(description="Not acknowledged yet")
    def outstanding_people(self, obj):
        if obj is None or obj._state.adding:
            return "—"
        people = list(outstanding_of(obj).only("id", "display_name", "email", "user_name", "given_name",
                                               "family_name", "active", "is_deleted")[:OUTSTANDING_SHOWN + 1])
        if not people:
            return "Everyone in the audience has acknowledged."
        shown = format_html_join("", '<li class="ack-outstanding">{}</li>', ((p.label,) for p in people[:OUTSTANDING_SHOWN]))
        more = format_html("<li>… and more (GET /api/v1/policies/acknowledgement-campaigns/{}/outstanding "
                           "lists everyone)</li>", obj.pk) if len(people) > OUTSTANDING_SHOWN else ""
        return format_html('<ul style="margin:0;padding-left:18px">{}{}</ul>', shown, more)

    def save_through_service(self, request, form, change):
        """As TenantAdmin's, plus the groups chosen in the form (a many-to-many the base leaves out)."""
        obj = form.instance
        actor = self.service_actor(request, form, change)
        if actor is None:
            return None
        if change:
            data = {name: getattr(obj, name) for name in form.changed_data if name != "groups" and hasattr(obj, name)}
            if "groups" in form.changed_data:
                data["groups"] = list(form.cleaned_data.get("groups") or ())
            return acknowledgement_campaign_update(actor=actor, obj=obj, data=data)
        data = {f.name: getattr(obj, f.name) for f in self.model._meta.concrete_fields if f.name in form.cleaned_data}
        data["groups"] = list(form.cleaned_data.get("groups") or ())
        return acknowledgement_campaign_create(actor=actor, data=data)
