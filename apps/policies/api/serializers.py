from django.utils import timezone
from rest_framework import serializers

from apps.core.api.serializers import PortableIntegerRanges, RecordSerializer, TransitionBody, string_list
from apps.helpdesk.choices import TicketType

from ..models import Policy, PolicyAcknowledgement, PolicyVersion


class PolicySerializer(RecordSerializer):
    """A versioned policy document with an owner and review cadence."""

    class Meta(RecordSerializer.Meta):
        model = Policy
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "version", "published_at")

    def validate_applies_to(self, value):
        return string_list(value, field="applies_to", allowed=TicketType.values)


class PolicyVersionSerializer(PortableIntegerRanges, serializers.ModelSerializer):
    """A published text of a policy, kept when the body changes."""

    class Meta:
        model = PolicyVersion
        fields = ("version", "name", "body", "published_at", "created_at", "created_by")


class PolicyAcknowledgementSerializer(PortableIntegerRanges, serializers.ModelSerializer):
    """A person confirming they read one version of a policy."""

    policy_id = serializers.CharField(read_only=True)

    class Meta:
        model = PolicyAcknowledgement
        fields = ("policy_id", "version", "person_id", "acknowledged_at")


class CompleteReviewBody(TransitionBody):
    """Publish the policy; `next_review_at` (in the future) schedules the next review."""

    next_review_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_next_review_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value
