"""Integration events besides the records' lifecycles (apps/integration/delivery_engine.py emits them)."""
from rest_framework import serializers

from apps.core.event_catalogue import PayloadSerializer, declare_event, record_payload_serializer

from .models import Webhook

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
