"""Read-only, tenant-scoped: what was sent to whom and why, preferences and used decision links; and the
tenant's Slack settings (admins), whose webhook URL goes to the secret store."""
import json
import re

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html

from apps.core.admin_base import TenantAdmin, TenantLogAdmin

from apps.core.admin_scope import principal_for
from apps.directory.admin import AdminsOnly

from .models import Notification, Preference, SlackSettings, UsedLink
from .actions import SLACK_SETTINGS_ACTIONS
from .registry import KINDS
from .services import slack_settings_create, slack_settings_update


# The links in a message act for its recipient: an admin reading the log sees them without their tokens.
TOKEN = re.compile(r"(/notifications/(?:decide|unsubscribe|preferences|acknowledge)/)[^\s\"'<>]+")


def redacted(text: str) -> str:
    return TOKEN.sub(r"\1…", text or "")


@admin.register(Notification)
class NotificationAdmin(TenantLogAdmin):
    person_columns = ("recipient_id",)
    list_display = ("id", "kind", "recipient_id", "recipient_email", "status", "subject", "attempts", "sent_at",
                    "created_at")
    list_filter = ("status", "kind", "channel", "event_type")
    search_fields = ("id__exact", "recipient_id__exact", "recipient_email", "subject")
    readonly_fields = ("id", "tenant_id", "event", "event_type", "kind", "channel", "recipient_id", "recipient_email",
                       "reason", "status", "subject", "message_id", "attempts", "next_attempt_at", "leased_until",
                       "last_error", "sent_at", "digest", "digest_day", "links_sent", "message_text", "created_at", "updated_at")
    fields = readonly_fields
    raw_id_fields = ("event", "digest")

    @admin.display(description="Links (tokens hidden)")
    def links_sent(self, obj):
        return redacted(json.dumps(obj.links, indent=1)) if obj.links else "—"

    @admin.display(description="Text sent (tokens hidden)")
    def message_text(self, obj):
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', redacted(obj.text_body)) if obj.text_body else "—"


@admin.register(Preference)
class PreferenceAdmin(TenantLogAdmin):
    person_columns = ("person_id",)
    list_display = ("person_id", "digest", "disabled_kinds", "updated_at")
    list_filter = ("digest",)
    search_fields = ("person_id__exact",)


@admin.register(UsedLink)
class UsedLinkAdmin(TenantLogAdmin):
    person_columns = ("person_id",)
    list_display = ("token_id", "person_id", "action", "target_id", "used_at")
    search_fields = ("person_id", "target_id", "token_id__exact")


class SlackSettingsForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(choices=[(k.name, k.label) for k in KINDS.values()], required=False,
                                      widget=forms.CheckboxSelectMultiple, help_text="Posted to the Slack channel.")
    webhook_url = forms.CharField(
        required=False, label="Incoming webhook URL", max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Slack → Apps → Incoming Webhooks. Kept in the secret store and never shown again; "
                  "leave empty to keep the stored one.")

    class Meta:
        model = SlackSettings
        fields = ("enabled", "kinds")


@admin.register(SlackSettings)
class SlackSettingsAdmin(AdminsOnly, TenantAdmin):
    """The tenant's Slack channel: which notification kinds go there, and its webhook URL (write-only)."""

    record_actions = SLACK_SETTINGS_ACTIONS
    form = SlackSettingsForm
    list_display = ("tenant_id", "enabled", "kinds", "webhook_stored", "updated_at", "updated_by")
    fields = ("enabled", "kinds", "webhook_url", "webhook_stored")
    readonly_fields = ("webhook_stored",)


    @admin.display(description="Webhook URL")
    def webhook_stored(self, obj):
        return f"stored in the secret store ({obj.secret_path})" if obj and obj.secret_path else "not set"

    def save_through_service(self, request, form, change):
        obj = form.instance
        tenant = form.cleaned_data.get("tenant") if self.chooses_tenant(request, obj if change else None) else None
        actor = principal_for(request, obj if change else None, tenant_id=tenant.pk if tenant else None)
        if actor is None:
            raise PermissionDenied
        data = {"enabled": form.cleaned_data.get("enabled", True), "kinds": list(form.cleaned_data.get("kinds") or []),
                "webhook_url": form.cleaned_data.get("webhook_url") or None}
        if change:
            return slack_settings_update(actor=actor, obj=obj, data=data)
        return slack_settings_create(actor=actor, data=data)
