"""Policy events besides the records' lifecycles (apps/policies/services.py emits them)."""
from rest_framework import serializers

from apps.core.event_catalogue import PayloadSerializer, declare_event, record_payload_serializer, record_payload_with

from .models import AcknowledgementCampaign, Policy


class PolicyAcknowledgedPayloadSerializer(PayloadSerializer):
    """Who acknowledged which version of a policy."""

    policy_id = serializers.CharField()
    version = serializers.CharField(help_text="The policy version acknowledged (`1.2.0`).")
    person_id = serializers.CharField()


declare_event(Policy, "acknowledged", payload=PolicyAcknowledgedPayloadSerializer,
              description="A person acknowledged the current version of a policy (once per person and version).")
declare_event(Policy, "review_due", payload=record_payload_serializer(Policy),
              description="A published policy is due for review soon (once per review cycle).")
declare_event(AcknowledgementCampaign, "reminder",
              payload=record_payload_with(AcknowledgementCampaign, "Reminder", slot_at=serializers.DateTimeField(),
                                          final=serializers.BooleanField(help_text="The last reminder before the due date.")),
              description="A reminder slot of an open acknowledgement campaign came due.")
