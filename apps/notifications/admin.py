"""Read-only, tenant-scoped: what was sent to whom and why, preferences and used decision links."""
import json
import re

from django.contrib import admin
from django.utils.html import format_html

from apps.core.admin_base import TenantLogAdmin

from .models import Notification, Preference, UsedLink


# The links in a message act for its recipient: an admin reading the log sees them without their tokens.
TOKEN = re.compile(r"(/notifications/(?:decide|unsubscribe|preferences|acknowledge)/)[^\s\"'<>]+")


def redacted(text: str) -> str:
    return TOKEN.sub(r"\1…", text or "")


@admin.register(Notification)
class NotificationAdmin(TenantLogAdmin):
    list_display = ("id", "kind", "recipient_id", "recipient_email", "status", "subject", "attempts", "sent_at",
                    "created_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("id", "recipient_id", "recipient_email", "subject", "event_type")
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
    list_display = ("person_id", "digest", "disabled_kinds", "updated_at")
    list_filter = ("digest",)
    search_fields = ("person_id",)


@admin.register(UsedLink)
class UsedLinkAdmin(TenantLogAdmin):
    list_display = ("token_id", "person_id", "action", "target_id", "used_at")
    search_fields = ("person_id", "target_id", "token_id")
