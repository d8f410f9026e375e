"""Helpdesk events besides the ticket's lifecycle (apps/helpdesk/services.py emits them)."""
from rest_framework import serializers

from apps.core.event_catalogue import PayloadSerializer, declare_event, record_payload_serializer

from .models import Ticket


class TicketSlaBreachedPayloadSerializer(PayloadSerializer):
    """Which SLA clock a ticket missed, and when that was noticed."""

    id = serializers.CharField()
    number = serializers.CharField()
    clock = serializers.ChoiceField(choices=["first_response", "resolution"])
    priority = serializers.CharField()
    assigned_to_id = serializers.CharField(allow_null=True)
    due_at = serializers.DateTimeField()
    detected_at = serializers.DateTimeField()


declare_event(Ticket, "sla_breached", payload=TicketSlaBreachedPayloadSerializer,
              description="A ticket missed its SLA (`clock` says which); once per clock.")
declare_event(Ticket, "first_responded", payload=record_payload_serializer(Ticket),
              description="An agent first answered a ticket (the first public comment by someone other than the requester).")
