from django.utils import timezone
from rest_framework import serializers

from apps.core.api.serializers import RecordSerializer, TransitionBody

from ..models import AccessRequest, Equipment, HRRequest, Pending, Travel


class AccessRequestSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = AccessRequest


class HRRequestSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = HRRequest


class PendingSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Pending


class EquipmentSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Equipment


class TravelSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Travel


def future(value):
    if value is not None and value <= timezone.now():
        raise serializers.ValidationError("Must be in the future.")
    return value


class ProvisionAccessBody(TransitionBody):
    expires_at = serializers.DateTimeField(required=False, allow_null=True, validators=[future])


class RenewAccessBody(TransitionBody):
    expires_at = serializers.DateTimeField(validators=[future])


class FulfillBody(TransitionBody):
    deliverable_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)


class RejectHRBody(TransitionBody):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class OrderEquipmentBody(TransitionBody):
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)


class CompleteTravelBody(TransitionBody):
    actual_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
