from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse

from apps.core.admin_maps import KeyValueField
from apps.core.admin_base import TenantAdmin, TenantLogAdmin
from apps.core.admin_scope import principal_for
from apps.core.admin_inlines import TenantTabularInline

from .admin_backlog import WebhookBacklogMixin
from .choices import KeyKind
from .delivery_engine import replay
from .models import Application, Connector, IntegrationApiKey, Webhook, WebhookDelivery
from . import actions as named
from .services import connector_update, webhook_send_test

# The retry policy's settings, chosen by name (the Webhook model declares their shape).
RETRY_SETTINGS = {"maxAttempts": "Attempts (1–20)", "backoff": "Backoff (exponential, linear or fixed)",
                  "timeoutMs": "Timeout in ms (100–30000)", "baseDelaySeconds": "First delay in s (1–3600)"}


@admin.register(Application)
class ApplicationAdmin(TenantAdmin):
    record_actions = named.APPLICATION_ACTIONS
    list_display = ("display_name", "slug", "status", "kind", "oauth_client_id", "version")
    list_filter = ("kind", "status")
    search_fields = ("display_name", "slug", "oauth_client_id__exact")


class ConnectorForm(forms.ModelForm):
    """Besides the record: new credentials, written to the secret store at the connector's `vault_path`
    (never to `config`, history or the page; a rotation stamps `credential_last_rotated_at`)."""

    credentials = KeyValueField(
        required=False, label="New credentials",
        help_text="Secret values by name (a bind_password, a token): add a row for each. They go to the secret "
                  "store and are never shown again; leave empty to keep the current ones.")


@admin.register(Connector)
class ConnectorAdmin(TenantAdmin):
    form = ConnectorForm
    record_actions = named.CONNECTOR_ACTIONS
    list_display = ("name", "sync_status", "provider", "type", "enabled", "last_sync_at", "consecutive_errors", "last_error")
    list_filter = ("sync_status", "enabled", "type", "provider")
    search_fields = ("name", "provider")
    list_select_related = ("application",)
    # What the syncs and the token refresh write: shown, never typed.
    readonly_fields = ("sync_status", "last_sync_at", "consecutive_errors", "last_error", "metrics",
                       "oauth_refresh_needed", "oauth_token_expires_at")

    def save_through_service(self, request, form, change):
        saved = super().save_through_service(request, form, change)
        credentials = form.cleaned_data.get("credentials")
        if saved is not None and credentials:
            saved = connector_update(actor=principal_for(request, saved), obj=saved, data={"credentials": credentials})
        return saved


@admin.register(IntegrationApiKey)
class IntegrationApiKeyAdmin(TenantAdmin):
    """Created here or over the API; the raw key is shown once, on the page after creating it."""

    record_actions = named.INTEGRATION_API_KEY_ACTIONS
    list_display = ("name", "status", "prefix", "kind", "scopes", "rpm_limit", "blocked", "last_used_at", "expires_at")
    list_filter = ("status", "kind", "blocked")
    search_fields = ("name", "prefix", "issued_to_service")
    list_select_related = ("application",)
    collapsed_sections = {"AI gateway (virtual LLM keys only)": IntegrationApiKey.GATEWAY_FIELDS}

    def get_exclude(self, request, obj=None):
        """A key of another kind has no gateway limits to show (its model refuses them)."""
        gateway = () if obj is None or obj.kind == KeyKind.VIRTUAL_LLM else IntegrationApiKey.GATEWAY_FIELDS
        return ("key_hash", *gateway)

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
    record_actions = named.WEBHOOK_ACTIONS
    list_display = ("name", "enabled", "url", "paused_at", "backlog", "consecutive_failures", "last_delivery_status",
                    "last_delivery_at")
    readonly_fields = ("breaker",)
    list_filter = ("enabled", "direction")
    search_fields = ("name", "url")
    list_select_related = ("application",)
    actions = ["send_test_event"]
    inlines = [DeliveryInline]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "headers":  # names and secret values: text, shown masked
            return KeyValueField(required=False, label="Headers", help_text=db_field.help_text, key_label="Header")
        if db_field.name == "retry_policy":
            return KeyValueField(keys=RETRY_SETTINGS, typed=True, required=False, label="Retry policy",
                                 key_label="Setting",
                                 help_text="A setting not given keeps its default: 5 attempts, exponential backoff, 10 s timeout.")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def one_time_secret(self, saved):
        raw = getattr(saved, "raw_secret", None)
        return ("Signing secret", raw) if raw else None

    @admin.action(description="Send a test event")
    def send_test_event(self, request, queryset):
        for webhook in queryset:
            webhook_send_test(actor=principal_for(request, webhook), webhook=webhook)
            self.message_user(request, f"{webhook.name}: test event queued", messages.SUCCESS)

    def get_urls(self):
        return [path("<path:object_id>/send-test-event/", self.admin_site.admin_view(self.send_test_event_view),
                     name="integration_webhook_send_test"), *self.backlog_urls(), *super().get_urls()]

    def object_buttons(self, request, obj) -> list[dict]:
        return [{"label": "Send a test event", "url": reverse("admin:integration_webhook_send_test", args=[obj.pk]),
                 "testid": "send-test-event"}] if self.has_change_permission(request, obj) else []

    def send_test_event_view(self, request, object_id):
        """The same test event from the webhook's own page (a POST: following a link sends nothing)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        webhook = self.get_object(request, unquote(object_id))
        if webhook is None:
            raise Http404("No such webhook in your tenant.")
        if not self.has_change_permission(request, webhook):
            raise PermissionDenied
        self.send_test_event(request, Webhook.objects.filter(pk=webhook.pk))
        return HttpResponseRedirect(reverse("admin:integration_webhook_change", args=[webhook.pk]))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantLogAdmin):
    """The delivery log."""

    list_display = ("id", "status", "webhook", "event_type", "attempts", "last_status_code", "next_attempt_at", "delivered_at")
    list_filter = ("status", "event_type")
    search_fields = ("id__exact",)
    list_select_related = ("webhook",)
    actions = ["replay_deliveries"]

    @admin.action(description="Replay selected deliveries")
    def replay_deliveries(self, request, queryset):
        for delivery in queryset:
            replay(delivery=delivery)
        self.message_user(request, f"{len(queryset)} deliveries queued again (same webhook-id)", messages.SUCCESS)
from .admin_catalog import AccessSystemAdmin, EntitlementAdmin  # noqa: E402,F401  (registers the catalog pages)
from .admin_drift import DriftFindingAdmin  # noqa: E402,F401  (registers the drift findings page)
