"""Read-only, tenant-scoped: what was sent to whom and why, preferences and used decision links."""
from django.contrib import admin

from apps.core.admin_base import TenantLogAdmin

from .models import Notification, Preference, UsedLink


@admin.register(Notification)
class NotificationAdmin(TenantLogAdmin):
    list_display = ("id", "kind", "recipient_id", "recipient_email", "status", "subject", "attempts", "sent_at",
                    "created_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("id", "recipient_id", "recipient_email", "subject", "event_type")
    readonly_fields = ("id", "tenant_id", "event", "event_type", "kind", "channel", "recipient_id", "recipient_email",
                       "reason", "status", "subject", "message_id", "attempts", "next_attempt_at", "leased_until",
                       "last_error", "sent_at", "digest", "digest_day", "links", "text_body", "created_at", "updated_at")
    fields = readonly_fields
    raw_id_fields = ("event", "digest")


@admin.register(Preference)
class PreferenceAdmin(TenantLogAdmin):
    list_display = ("person_id", "digest", "disabled_kinds", "updated_at")
    list_filter = ("digest",)
    search_fields = ("person_id",)


@admin.register(UsedLink)
class UsedLinkAdmin(TenantLogAdmin):
    list_display = ("token_id", "person_id", "action", "target_id", "used_at")
    search_fields = ("person_id", "target_id", "token_id")
