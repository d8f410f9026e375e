from django.utils import timezone
from rest_framework import serializers

from apps.core.api.serializers import PortableIntegerRanges, RecordSerializer

from ..models import (
    AccessSystem, Application, Connector, DriftFinding, Entitlement, IntegrationApiKey, Webhook, WebhookDelivery,
)


class OwnedByApplication(RecordSerializer):
    """`application_id` is a plain id checked against the caller's tenant (never a global lookup)."""

    application_id = serializers.CharField(required=False, allow_null=True, max_length=40)

    class Meta(RecordSerializer.Meta):
        fields = None
        exclude = ("application",)


class ApplicationSerializer(RecordSerializer):
    """A registered app integrating with the back office."""

    class Meta(RecordSerializer.Meta):
        model = Application


class ConnectorSerializer(OwnedByApplication):
    """A data source or sink connector instance."""

    credentials = serializers.DictField(write_only=True, required=False,
                                        help_text="Secret settings; stored in the secret store at vault_path, never returned.")

    class Meta(OwnedByApplication.Meta):
        model = Connector


class IntegrationApiKeySerializer(OwnedByApplication):
    """An API key issued to an application (the raw key is shown once)."""

    key = serializers.SerializerMethodField(help_text="The raw key: in the create (and rotate) response only.")

    class Meta(OwnedByApplication.Meta):
        model = IntegrationApiKey
        extra_kwargs = {"key_hash": {"allow_null": True, "help_text": "SHA-256 of the key: with the raw key only, else null."}}

    def get_key(self, obj) -> str | None:
        return getattr(obj, "raw_key", None)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "raw_key", None):  # the hash is shown with the key, once
            data["key_hash"] = data["key_fingerprint"] = None
        return data

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class RotateBody(serializers.Serializer):
    """Issue a replacement key; the old one keeps working for `grace_seconds`."""

    grace_seconds = serializers.IntegerField(required=False, min_value=0, max_value=30 * 86_400, default=86_400)


class WebhookSerializer(OwnedByApplication):
    """An outbound webhook endpoint, signed per Standard Webhooks."""

    secret = serializers.SerializerMethodField(help_text="The signing secret (whsec_…): in the create response only.")

    class Meta(OwnedByApplication.Meta):
        model = Webhook
        exclude = (*OwnedByApplication.Meta.exclude, *Webhook.api_hidden_fields)

    def get_secret(self, obj) -> str | None:
        return getattr(obj, "raw_secret", None)


class WebhookDeliverySerializer(PortableIntegerRanges, serializers.ModelSerializer):
    """One event sent to one webhook: attempts, status and the last error."""

    webhook_id = serializers.CharField(read_only=True)
    event_id = serializers.CharField(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ("id", "webhook_id", "event_id", "event_type", "status", "attempts", "next_attempt_at",
                  "last_status_code", "last_error", "delivered_at", "created_at", "updated_at")


class AccessSystemSerializer(RecordSerializer):
    """A system access can be requested on: backed by a connector, or manual (a person grants it)."""

    connector_id = serializers.CharField(required=False, allow_null=True, max_length=40,
                                         help_text="The connector granting access; null: a manual system.")

    class Meta(RecordSerializer.Meta):
        model = AccessSystem
        fields = None
        exclude = ("connector",)


class EntitlementSerializer(RecordSerializer):
    """A group, role or permission on a system, requestable by naming it on an access request."""

    system_id = serializers.CharField(max_length=40, help_text="The system it belongs to.")
    approval_chain_id = serializers.CharField(required=False, allow_null=True, max_length=40,
                                              help_text="Overrides the routing rules for requests of it.")

    class Meta(RecordSerializer.Meta):
        model = Entitlement
        fields = None
        exclude = ("system", "approval_chain")


class DriftFindingSerializer(RecordSerializer):
    """Drift found by reconciliation; resolved with its actions (adopt, revoke, regrant, dismiss)."""

    connector_id = serializers.CharField(read_only=True)
    entitlement_id = serializers.CharField(read_only=True)
    grant_request_id = serializers.CharField(read_only=True, allow_null=True,
                                             help_text="Lost: the grant recorded here. Adopted: the access request filed.")

    class Meta(RecordSerializer.Meta):
        model = DriftFinding
        fields = None
        exclude = ("connector", "entitlement", "grant_request")
