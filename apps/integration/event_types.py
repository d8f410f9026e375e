"""Integration events besides the records' lifecycles (apps/integration/delivery_engine.py emits them)."""
from rest_framework import serializers

from apps.core.event_catalogue import PayloadSerializer, declare_event, record_payload_serializer

from .models import Connector, Webhook

declare_event(Webhook, "paused", payload=record_payload_serializer(Webhook),
              description="A webhook was paused after too many consecutive failed deliveries.")
declare_event(Webhook, "resumed", payload=record_payload_serializer(Webhook),
              description="A paused webhook answered its probe (or was re-enabled): its backlog is sent in order.")


class WebhookReplayedPayloadSerializer(PayloadSerializer):
    webhook_id = serializers.CharField()
    since = serializers.DateTimeField(help_text="Events created from this instant…")
    until = serializers.DateTimeField(help_text="…up to this one were queued again.")
    deliveries = serializers.IntegerField(help_text="Deliveries queued (requeued and newly created).")


declare_event(Webhook, "replayed", payload=WebhookReplayedPayloadSerializer,
              description="Staff replayed a webhook's deliveries for a time range.")


# -- connectors: reconciliation and credentials (apps/integration/reconcile.py, credentials.py) --------------
class ConnectorSyncPayloadSerializer(PayloadSerializer):
    connector_id = serializers.CharField()
    name = serializers.CharField()
    owner_id = serializers.CharField(allow_null=True)
    ok = serializers.BooleanField(help_text="False: the target failed; `error` says why.")
    sync_status = serializers.CharField()
    entitlements = serializers.IntegerField(help_text="Catalog entitlements compared.")
    memberships = serializers.IntegerField(help_text="Memberships read from the target.")
    opened = serializers.IntegerField(help_text="Drift findings opened by this sync.")
    closed = serializers.IntegerField(help_text="Open findings closed because the drift was gone.")
    consecutive_errors = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)


class DriftFoundPayloadSerializer(PayloadSerializer):
    connector_id = serializers.CharField()
    entitlement_id = serializers.CharField()
    entitlement = serializers.CharField(help_text="The entitlement's name.")
    owner_id = serializers.CharField(allow_null=True)
    unmanaged = serializers.IntegerField(help_text="New findings: access in the target with no grant here.")
    lost = serializers.IntegerField(help_text="New findings: grants here missing in the target.")


class ConnectorFailingPayloadSerializer(PayloadSerializer):
    connector_id = serializers.CharField()
    name = serializers.CharField()
    owner_id = serializers.CharField(allow_null=True)
    consecutive_errors = serializers.IntegerField()
    last_error = serializers.CharField()


class CredentialRotationPayloadSerializer(PayloadSerializer):
    connector_id = serializers.CharField()
    name = serializers.CharField()
    owner_id = serializers.CharField(allow_null=True)
    next_rotation_due = serializers.DateTimeField()
    credential_last_rotated_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


declare_event(Connector, "sync_completed", payload=ConnectorSyncPayloadSerializer,
              description="A reconciliation sync of a connector ended (ok, or with the target's error).")
declare_event(Connector, "drift_found", payload=DriftFoundPayloadSerializer,
              description="A sync opened drift findings for one catalog entitlement (counts of new findings).")
declare_event(Connector, "failing", payload=ConnectorFailingPayloadSerializer,
              description="A connector's syncs failed CONNECTOR_FAILING_AFTER_ERRORS times in a row; its owner is told.")
declare_event(Connector, "credential_rotation_due", payload=CredentialRotationPayloadSerializer,
              description="A connector's credential is due for rotation (reminder, once per due date).")
