from rest_framework import serializers

from apps.core.api.serializers import RecordSerializer

from ..models import SLAPolicy, Ticket, TicketComment


class SLAPolicySerializer(RecordSerializer):
    """A service-level policy applied to tickets: response and resolution targets."""

    class Meta(RecordSerializer.Meta):
        model = SLAPolicy


class TicketSerializer(RecordSerializer):
    """A support ticket raised by an employee or customer."""

    class Meta(RecordSerializer.Meta):
        model = Ticket
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "number", "sla_policy", "due_at",
                            "first_response_due_at", "resolved_at", "first_response_at")


class TicketCommentSerializer(RecordSerializer):
    """A public reply or an internal note on a ticket."""

    ticket_id = serializers.CharField(read_only=True)
    body = serializers.CharField(max_length=20_000)
    internal = serializers.BooleanField(
        required=False, default=False, help_text="An internal note, visible to agents only (agents and admins may write them).")

    class Meta(RecordSerializer.Meta):
        model = TicketComment
        exclude = ("ticket",)
        fields = None
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "author_id")
