from django.utils import timezone
from rest_framework import serializers

from apps.core.api.serializers import RecordSerializer, TransitionBody

from ..models import AccessRequest, Equipment, HRRequest, Pending, Travel


class AccessRequestSerializer(RecordSerializer):
    """A request to grant, modify, or revoke system access."""

    entitlement_id = serializers.CharField(
        required=False, allow_null=True, max_length=40,
        help_text="A catalog entitlement (/integration/entitlements): fills system_id, entitlement_type and asset_id, "
                  "and its durations bound expires_at.")

    class Meta(RecordSerializer.Meta):
        model = AccessRequest
        fields = None
        exclude = ("entitlement",)
        extra_kwargs = {"system_id": {"required": False}}


class HRRequestSerializer(RecordSerializer):
    """A request for an HR document or service deliverable."""

    class Meta(RecordSerializer.Meta):
        model = HRRequest


class PendingSerializer(RecordSerializer):
    """A generic pending item queued for processing or action (approvals put theirs here)."""

    class Meta(RecordSerializer.Meta):
        model = Pending


class EquipmentSerializer(RecordSerializer):
    """An equipment provisioning request."""

    class Meta(RecordSerializer.Meta):
        model = Equipment


class TravelSerializer(RecordSerializer):
    """A business travel request."""

    class Meta(RecordSerializer.Meta):
        model = Travel


def future(value):
    if value is not None and value <= timezone.now():
        raise serializers.ValidationError("Must be in the future.")
    return value


class ProvisionAccessBody(TransitionBody):
    """Provision the access; `expires_at` (in the future) schedules its end."""

    expires_at = serializers.DateTimeField(required=False, allow_null=True, validators=[future])


class RenewAccessBody(TransitionBody):
    """Extend the access to a new `expires_at` (in the future)."""

    expires_at = serializers.DateTimeField(validators=[future])


class FulfillBody(TransitionBody):
    """Complete the request; `deliverable_url` points at the document."""

    deliverable_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)


class RejectHRBody(TransitionBody):
    """Refuse the request, with the `reason` the requester sees."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class BookTravelBody(TransitionBody):
    """Record the booking: its reference and what it cost."""

    booking_reference = serializers.CharField(max_length=100)
    booked_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class OrderEquipmentBody(TransitionBody):
    """Order the equipment at `cost`."""

    cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)


class CompleteTravelBody(TransitionBody):
    """Close the trip with its `actual_cost`."""

    actual_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
