from django.contrib import admin, messages
from unfold.admin import ModelAdmin

from apps.core.admin_base import TenantAdmin, principal_for

from .delivery_engine import replay
from .models import Application, Connector, IntegrationApiKey, Webhook, WebhookDelivery
from .services import webhook_send_test


@admin.register(Application)
class ApplicationAdmin(TenantAdmin):
    list_display = ("display_name", "slug", "kind", "status", "oauth_client_id", "version")
    list_filter = ("kind", "status")
    search_fields = ("display_name", "slug", "oauth_client_id")


@admin.register(Connector)
class ConnectorAdmin(TenantAdmin):
    list_display = ("name", "provider", "type", "enabled", "sync_status", "last_sync_at", "consecutive_errors", "last_error")
    list_filter = ("sync_status", "enabled", "provider")
    search_fields = ("name", "provider")


@admin.register(IntegrationApiKey)
class IntegrationApiKeyAdmin(TenantAdmin):
    list_display = ("name", "prefix", "kind", "status", "scopes", "rpm_limit", "blocked", "last_used_at", "expires_at")
    list_filter = ("status", "kind", "blocked")
    search_fields = ("name", "prefix", "issued_to_service")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        return False  # created over the API or with `manage.py create_api_key`, which show the key once


@admin.register(Webhook)
class WebhookAdmin(TenantAdmin):
    list_display = ("name", "url", "enabled", "paused_at", "consecutive_failures", "last_delivery_status", "last_delivery_at")
    list_filter = ("enabled", "direction")
    search_fields = ("name", "url")
    actions = ["send_test_event"]

    @admin.action(description="Send a test event")
    def send_test_event(self, request, queryset):
        for webhook in queryset:
            webhook_send_test(actor=principal_for(request, webhook), webhook=webhook)
            self.message_user(request, f"{webhook.name}: test event queued", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ModelAdmin):
    list_display = ("id", "webhook", "event_type", "status", "attempts", "last_status_code", "next_attempt_at", "delivered_at")
    list_filter = ("status",)
    search_fields = ("id", "event_type")
    list_select_related = ("webhook",)
    show_full_result_count = False
    actions = ["replay_deliveries"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser and getattr(request.user, "membership", None) is None:
            return qs
        principal = principal_for(request)
        return qs.filter(tenant_id=principal.tenant_id) if principal and principal.has_role() else qs.none()

    def has_module_permission(self, request):
        return request.user.is_superuser or bool(principal_for(request) and principal_for(request).has_role())

    has_view_permission = lambda self, request, obj=None: self.has_module_permission(request)  # noqa: E731

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Replay selected deliveries")
    def replay_deliveries(self, request, queryset):
        for delivery in queryset:
            replay(delivery=delivery)
        self.message_user(request, f"{len(queryset)} deliveries queued again (same webhook-id)", messages.SUCCESS)
