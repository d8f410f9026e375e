from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField

from apps.core.allowed import OneOf
from apps.core.person_fields import GROUP, PERSON
from apps.core.event_registry import event_type_choices
from apps.core.fsm import ConcurrentTransitionMixin, transition
from apps.core.ids import new_id
from apps.core.json_shapes import OBJECT, STRING_LIST
from apps.core.models import Event, TenantModel, tracked_history
from apps.core.scopes import scope_choices
from apps.core.visibility import Visibility

from .choices import (
    ApplicationKind, ApplicationStatus, ConnectorScope, DeliveryStatus, Direction, KeyKind, KeyStatus, SignatureScheme,
    SyncStatus,
)
from .connectors.registry import connector_type_choices
from .providers import Provider, provider_misfit
from .webhook_headers import MAX_HEADERS, TOKEN

ADMIN_ONLY = ()
EVENT_TYPES = {**STRING_LIST, "description": "Event types: exact (`helpdesk.ticket.created`), `domain.*` or `*`."}


def _between(low: int, high: int) -> dict:
    return {"type": "integer", "minimum": low, "maximum": high}


class IntegrationModel(TenantModel):
    """Integration records are configuration: tenant admins write them, with optimistic versions."""

    visibility = Visibility()
    write_roles = ADMIN_ONLY
    optimistic_version = True

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Application(IntegrationModel):
    id_prefix = "app"
    not_directory_fields = ("oauth_client_id",)
    json_shapes = {"canonical_owner_of": STRING_LIST}

    display_name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64)
    kind = models.CharField(max_length=32, choices=ApplicationKind.choices, default=ApplicationKind.APP)
    primary_domain = models.CharField(max_length=64, blank=True, default="")
    description = models.TextField(blank=True, default="")
    oauth_client_id = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.ACTIVE)
    canonical_owner_of = models.JSONField(default=list, blank=True)
    api_base_path = models.CharField(max_length=300, blank=True, default="")
    repository = models.CharField(max_length=300, blank=True, default="")

    history = tracked_history()

    def __str__(self) -> str:
        return f"{self.display_name} ({self.slug})"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "slug"], name="uniq_app_slug"),
            models.UniqueConstraint(fields=["tenant_id", "oauth_client_id"], name="uniq_app_client_id"),
        ]


class Connector(IntegrationModel):
    id_prefix = "cnn"
    not_directory_fields = ("webhook_endpoint_id",)
    directory_fields = {"owner_id": PERSON, "user_id": PERSON, "group_id": GROUP}
    unsearchable_fields = ("vault_path",)
    json_shapes = {"config": {**OBJECT, "description": "Non-secret settings of the connector."},
                   "metrics": OBJECT, "event_types": EVENT_TYPES}

    type = models.CharField(max_length=64, choices=connector_type_choices,
                            help_text="The implementation that acts on the target.")
    provider = models.CharField(max_length=64, choices=Provider.choices,
                                help_text="The vendor of the target; it decides which types can reach it.")
    name = models.CharField(max_length=200)
    scope = models.CharField(max_length=16, choices=ConnectorScope.choices, default=ConnectorScope.ORG)
    owner_id = models.CharField(max_length=64, null=True, blank=True)
    group_id = models.CharField(max_length=64, null=True, blank=True)
    user_id = models.CharField(max_length=64, null=True, blank=True)
    config = models.JSONField(default=dict, blank=True)
    vault_path = models.CharField(max_length=300, blank=True, default="", editable=False)
    auth_type = models.CharField(max_length=32, blank=True, default="")
    oauth_refresh_needed = models.BooleanField(default=False)
    oauth_token_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    sync_status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.NEVER_SYNCED)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    consecutive_errors = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    metrics = models.JSONField(default=dict, blank=True)
    event_types = models.JSONField(default=list, blank=True)
    webhook_endpoint_id = models.CharField(max_length=64, null=True, blank=True)
    credential_last_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_rotation_due = models.DateTimeField(null=True, blank=True)
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = tracked_history()

    class Meta:
        # rows naming the people a search finds
        indexes = [models.Index(fields=["tenant_id", "owner_id"], name="cnn_tenant_owner"),
                   models.Index(fields=["tenant_id", "user_id"], name="cnn_tenant_user")]

    def clean(self):
        if self.type and self.provider and (why := provider_misfit(self.provider, self.type)):
            raise ValidationError({"type": why})


class IntegrationApiKey(ConcurrentTransitionMixin, IntegrationModel):
    """A key acts for the person who made it (`created_by_user_id`), with the roles that person had
    then (`creator_roles`), within its scopes and its application (or tenant-wide, explicitly)."""

    id_prefix = "key"
    not_directory_fields = ("rotated_from_key_id",)
    directory_fields = {"issued_to_user_id": PERSON, "created_by_user_id": PERSON}
    field_aliases = {"key_fingerprint": "key_hash", "key_prefix": "prefix"}
    event_payload_exclude = ("key_hash",)
    unsearchable_fields = ("key_hash",)
    json_shapes = {
        "scopes": {"type": "array", "maxItems": 50, "items": {"type": "string", "pattern": r"^(\*|[a-z]+:(read|write))$"},
                   "description": "`<domain>:read`, `<domain>:write` or `*`."},
        "allowed_models": STRING_LIST, "creator_roles": STRING_LIST,
    }

    name = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    kind = models.CharField(max_length=16, choices=KeyKind.choices, default=KeyKind.SERVICE)
    issued_to_user_id = models.CharField(max_length=64, null=True, blank=True)
    issued_to_service = models.CharField(max_length=200, null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True, validators=[OneOf(scope_choices)])
    allowed_models = models.JSONField(default=list, blank=True)
    tpm_limit = models.PositiveIntegerField(null=True, blank=True)
    rpm_limit = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    max_budget_usd = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)])
    spend_usd = models.DecimalField(max_digits=12, decimal_places=2, default=0, editable=False)
    blocked = models.BooleanField(default=False)
    blocked_reason = models.CharField(max_length=300, blank=True, default="")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    rotated_from_key_id = models.CharField(max_length=40, null=True, blank=True, editable=False)
    created_by_user_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    creator_roles = models.JSONField(default=list, blank=True, editable=False,
                                     help_text="The maker's roles when the key was made; the key acts with these.")
    tenant_wide = models.BooleanField(default=False,
                                      help_text="Acts across the whole tenant (no application); admins only.")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = FSMField(max_length=16, choices=KeyStatus.choices, default=KeyStatus.ACTIVE, protected=False)

    history = tracked_history(excluded_fields=["key_hash"])

    class Meta:
        verbose_name = "integration API key"
        constraints = [models.UniqueConstraint(fields=["rotated_from_key_id"], name="uniq_key_successor",
                                               condition=models.Q(rotated_from_key_id__isnull=False))]
        # rows naming the people a search finds
        indexes = [models.Index(fields=["tenant_id", "issued_to_user_id"], name="key_tenant_holder"),
                   models.Index(fields=["tenant_id", "created_by_user_id"], name="key_tenant_creator")]

    # The AI gateway's limits mean something only on a virtual LLM key.
    GATEWAY_FIELDS = ("allowed_models", "tpm_limit", "max_budget_usd")

    def clean(self):
        errors = {}
        if self.blocked and not (self.blocked_reason or "").strip():
            errors["blocked_reason"] = "Say why the key is blocked."
        if self.kind != KeyKind.VIRTUAL_LLM:
            errors |= {name: "Only a virtual LLM key has AI-gateway limits." for name in self.GATEWAY_FIELDS
                       if getattr(self, name) not in (None, [], "")}
        if errors:
            raise ValidationError(errors)

    @transition(field="status", source=KeyStatus.ACTIVE, target=KeyStatus.REVOKED, custom={"roles": ()}, event="revoked")
    def revoke(self):
        pass

    @transition(field="status", source=KeyStatus.ACTIVE, target=KeyStatus.EXPIRED, custom={"roles": (), "api": False}, event="expired")
    def expire(self):
        pass

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == KeyStatus.ACTIVE and not self.blocked and not self.is_deleted and (
            self.expires_at is None or self.expires_at > now)


class Webhook(IntegrationModel):
    id_prefix = "whk"
    not_directory_fields = ("connector_id",)
    field_aliases = {"is_active": "enabled"}
    unsearchable_fields = ("url", "vault_path", "secret_fingerprint")  # a receiver's URL may carry its token
    api_hidden_fields = ("failing_since", "probe_at", "failed_probes")  # the breaker's internals: the admin shows them
    json_shapes = {
        "event_types": {**EVENT_TYPES, "items": {"type": "string", "pattern": r"^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$"}},
        # Names with masked values; what a value may hold is checked where the values are kept (services).
        "headers": {"type": "object", "maxProperties": MAX_HEADERS, "propertyNames": {"pattern": TOKEN.pattern},
                    "additionalProperties": {"type": "string"},
                    "description": "Extra request headers (not `webhook-*`, `Host` or `Content-Length`)."},
        "retry_policy": {
            "type": "object", "additionalProperties": False,
            "description": "Delivery retries; camelCase or snake_case keys. `{}` means the defaults.",
            "properties": {
                "maxAttempts": _between(1, 20), "max_attempts": _between(1, 20),
                "backoff": {"type": "string", "enum": ["exponential", "linear", "fixed"]},
                "timeoutMs": _between(100, 30_000), "timeout_ms": _between(100, 30_000),
                "baseDelaySeconds": _between(1, 3600), "base_delay_seconds": _between(1, 3600),
            },
        },
    }

    name = models.CharField(max_length=200)
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.OUTBOUND)
    url = models.URLField(max_length=2000)
    event_types = models.JSONField(default=list, blank=True, validators=[OneOf(event_type_choices)],
                                   help_text="Exact types, `domain.*`, `domain.entity.*` or `*` (none: every event).")
    signature_scheme = models.CharField(max_length=32, choices=SignatureScheme.choices,
                                        default=SignatureScheme.STANDARD_WEBHOOKS_V1)
    vault_path = models.CharField(max_length=300, blank=True, default="", editable=False)
    # Names with masked values; the values live in the secret store beside the signing secret.
    headers = models.JSONField(default=dict, blank=True, help_text=(
        "Custom request headers. Values are secrets: stored in the secret store and returned masked (••••); "
        "send •••• back to keep a stored value."))
    enabled = models.BooleanField(default=True)
    retry_policy = models.JSONField(default=dict, blank=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_delivery_status = models.CharField(max_length=64, blank=True, default="", editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    paused_at = models.DateTimeField(null=True, blank=True)  # paused: deliveries are still made, and wait
    # The circuit breaker's state (apps/integration/breaker.py): when the current run of failures began, when a
    # paused webhook sends its next single probe, and how many probes failed in a row.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    probe_at = models.DateTimeField(null=True, blank=True, editable=False)
    failed_probes = models.PositiveIntegerField(default=0, editable=False)
    connector_id = models.CharField(max_length=40, null=True, blank=True)
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    secret_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)

    history = tracked_history()

    def matches(self, event_type: str) -> bool:
        for pattern in self.event_types or ["*"]:
            if pattern == "*" or pattern == event_type or (
                    pattern.endswith(".*") and event_type.startswith(pattern[:-1])):
                return True
        return False

    def receives(self, event) -> bool:
        """Subscribed to the event's type, and (when bound to an application) the event is that app's."""
        if self.application_id is not None and (self.application is None or event.app_id != self.application.slug):
            return False
        return self.matches(event.type)


class RateLimitCounter(models.Model):
    """Requests per key per one-minute window, for caches without an atomic increment (the database cache)."""

    key_id = models.CharField(max_length=40)
    window = models.BigIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "window"], name="uniq_rate_window")]


class WebhookDelivery(models.Model):
    """One event to one webhook: sent, retried with the same webhook-id, logged."""

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    tenant_id = models.CharField(max_length=64, db_index=True)
    # No index of its own: the unique (webhook, event) leads with it, and every index is written by
    # each of a delivery's status changes.
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-id",)
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["webhook", "event"], name="uniq_delivery_per_event")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="whd_due"),
            # each webhook's due work, in the order it is sent (the delivery pass's LATERAL)
            models.Index(fields=["webhook", "next_attempt_at", "id"], name="whd_webhook_due",
                         condition=Q(status__in=["pending", "delivering"])),
        ]

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_id("msg")
        super().save(*args, **kwargs)


class StoredSecret(models.Model):
    """The database secret store: Fernet-encrypted values by path (never in ordinary tables)."""

    path = models.CharField(max_length=300, unique=True)
    ciphertext = models.BinaryField()
    updated_at = models.DateTimeField(default=timezone.now)
from .catalog_models import AccessSystem, Entitlement  # noqa: E402,F401  (models of this app)
from .drift_models import DriftFinding  # noqa: E402,F401  (models of this app)
