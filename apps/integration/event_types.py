"""Integration events besides the records' lifecycles (apps/integration/delivery_engine.py emits them)."""
from apps.core.event_catalogue import declare_event, record_payload_serializer

from .models import Webhook

declare_event(Webhook, "paused", payload=record_payload_serializer(Webhook),
              description="A webhook was paused after too many consecutive failed deliveries.")
