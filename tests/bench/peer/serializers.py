from rest_framework import serializers

from apps.helpdesk.models import Ticket
from apps.operations.models import AccessRequest


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = "__all__"
        read_only_fields = ("status", "submitted_by_id")


class AccessRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessRequest
        fields = "__all__"
        read_only_fields = ("status",)
