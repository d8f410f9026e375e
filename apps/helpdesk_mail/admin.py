"""The tenant's helpdesk address (admins), and what arrived by e-mail (read-only logs)."""
from django.contrib import admin

from apps.core.admin_base import TenantAdmin, TenantLogAdmin
from apps.core.admin_directory import AdminsOnly

from .models import ExternalRequester, InboundMessage, MailSettings


@admin.register(MailSettings)
class MailSettingsAdmin(AdminsOnly, TenantAdmin):
    list_display = ("address", "enabled", "unknown_senders", "max_messages_per_hour", "updated_at")
    fields = ("address", "enabled", "unknown_senders", "max_messages_per_hour")


@admin.register(InboundMessage)
class InboundMessageAdmin(TenantLogAdmin):
    person_columns = ("person_id",)
    list_display = ("received_at", "from_address", "subject", "outcome", "ticket_id", "person_id", "size")
    list_filter = ("outcome",)
    search_fields = ("message_id", "from_address", "subject", "ticket_id")
    readonly_fields = ("id", "tenant_id", "message_id", "envelope_from", "from_address", "from_name", "subject",
                       "in_reply_to", "outcome", "ticket_id", "comment_id", "person_id", "text", "size", "details",
                       "received_at")
    fields = readonly_fields  # the sanitised HTML is kept for the API and the ticket page, not shown raw here


@admin.register(ExternalRequester)
class ExternalRequesterAdmin(TenantLogAdmin):
    list_display = ("email", "name", "id", "created_at")
    search_fields = ("email", "name", "id")
