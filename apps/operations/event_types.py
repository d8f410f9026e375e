"""Operations events besides the records' lifecycles (apps/operations/services.py emits them)."""
from rest_framework import serializers

from apps.core.event_catalogue import declare_event, record_payload_with

from .models import AccessRequest

declare_event(AccessRequest, "expiring",
              payload=record_payload_with(AccessRequest, "Expiring", days_left=serializers.IntegerField(min_value=1)),
              description="A time-bound access grant ends soon (once per expiry date).")
