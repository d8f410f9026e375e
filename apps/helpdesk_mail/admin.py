"""The tenant's helpdesk address (admins), and what arrived by e-mail (read-only logs)."""
from django.contrib import admin
from django.urls import path

from apps.core.admin_base import TenantAdmin, TenantLogAdmin
from apps.directory.admin import AdminsOnly

from .html_view import inbound_html_view
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
    search_fields = ("message_id__exact", "from_address", "subject", "ticket_id__exact")
    readonly_fields = ("id", "tenant_id", "message_id", "envelope_from", "from_address", "from_name", "subject",
                       "in_reply_to", "outcome", "ticket_id", "comment_id", "person_id", "text", "size", "details",
                       "received_at")
    fields = readonly_fields  # the sanitised HTML is kept for the API and the ticket page, not shown raw here

    def get_urls(self):
        # Agents open it from the ticket page: whoever sees the ticket (html_message_for), not only admins.
        return [path("<str:object_id>/html/", self.admin_site.admin_view(inbound_html_view),
                     name="helpdesk_mail_inboundmessage_html"), *super().get_urls()]


@admin.register(ExternalRequester)
class ExternalRequesterAdmin(TenantLogAdmin):
    list_display = ("email", "name", "id", "created_at")
    search_fields = ("email", "name", "id__exact")
