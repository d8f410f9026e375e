from django.contrib import admin, messages

from apps.core.admin_base import TenantAdmin, TenantLogAdmin, principal_for
from apps.core.admin_inlines import TenantTabularInline

from .admin_backlog import WebhookBacklogMixin
from .delivery_engine import replay
from .models import Application, Connector, IntegrationApiKey, Webhook, WebhookDelivery
from .services import webhook_send_test


@admin.register(Application)
class ApplicationAdmin(TenantAdmin):
    list_display = ("display_name", "slug", "status", "kind", "oauth_client_id", "version")
    list_filter = ("kind", "status")
    search_fields = ("display_name", "slug", "oauth_client_id")


@admin.register(Connector)
class ConnectorAdmin(TenantAdmin):
    list_display = ("name", "sync_status", "provider", "type", "enabled", "last_sync_at", "consecutive_errors", "last_error")
    list_filter = ("sync_status", "enabled", "provider")
    search_fields = ("name", "provider")
    list_select_related = ("application",)


@admin.register(IntegrationApiKey)
class IntegrationApiKeyAdmin(TenantAdmin):
    """Created here or over the API; the raw key is shown once, on the page after creating it."""

    list_display = ("name", "status", "prefix", "kind", "scopes", "rpm_limit", "blocked", "last_used_at", "expires_at")
    list_filter = ("status", "kind", "blocked")
    search_fields = ("name", "prefix", "issued_to_service")
    exclude = ("key_hash",)
    list_select_related = ("application",)

    def one_time_secret(self, saved):
        raw = getattr(saved, "raw_key", None)
        return ("API key", raw) if raw else None


class DeliveryInline(TenantTabularInline):
    model = WebhookDelivery
    fields = ("id", "event_type", "status", "attempts", "last_status_code", "next_attempt_at", "delivered_at")
    readonly_fields = fields
    ordering = ("-id",)
    per_page = 20
    verbose_name_plural = "Recent deliveries"


@admin.register(Webhook)
class WebhookAdmin(WebhookBacklogMixin, TenantAdmin):
    list_display = ("name", "enabled", "url", "paused_at", "backlog", "consecutive_failures", "last_delivery_status",
                    "last_delivery_at")
    readonly_fields = ("breaker",)
    list_filter = ("enabled", "direction")
    search_fields = ("name", "url")
    list_select_related = ("application",)
    actions = ["send_test_event"]
    inlines = [DeliveryInline]

    def one_time_secret(self, saved):
        raw = getattr(saved, "raw_secret", None)
        return ("Signing secret", raw) if raw else None

    def get_urls(self):
        return [*self.backlog_urls(), *super().get_urls()]

    @admin.action(description="Send a test event")
    def send_test_event(self, request, queryset):
        for webhook in queryset:
            webhook_send_test(actor=principal_for(request, webhook), webhook=webhook)
            self.message_user(request, f"{webhook.name}: test event queued", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantLogAdmin):
    """The delivery log."""

    list_display = ("id", "status", "webhook", "event_type", "attempts", "last_status_code", "next_attempt_at", "delivered_at")
    list_filter = ("status",)
    search_fields = ("id", "event_type")
    list_select_related = ("webhook",)
    actions = ["replay_deliveries"]

    @admin.action(description="Replay selected deliveries")
    def replay_deliveries(self, request, queryset):
        for delivery in queryset:
            replay(delivery=delivery)
        self.message_user(request, f"{len(queryset)} deliveries queued again (same webhook-id)", messages.SUCCESS)
