from rest_framework import serializers

from apps.core.api.serializers import RecordSerializer, TransitionBody

from ..models import ApprovalRequest, ApprovalStep


class ApprovalRequestSerializer(RecordSerializer):
    """A request requiring approvals: sequential steps, one per approver."""

    approver_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), write_only=True, required=False, allow_empty=False, max_length=20,
        help_text=("Ordered approvers, one sequential step each: person ids, group ids (any active member who is "
                   "not a party decides), \"manager\" (the requester's manager in the directory) or \"owner\" (the owner of "
                   "the catalog entitlement asked for). Without it the "
                   "tenant's chain for entity_type applies."),
    )

    class Meta(RecordSerializer.Meta):
        model = ApprovalRequest


class ApprovalStepSerializer(RecordSerializer):
    """A step in an approval request's chain; only its approver (or the delegate) decides it."""

    approval_request_id = serializers.CharField(read_only=True)
    approver_group_id = serializers.CharField(
        read_only=True, allow_null=True,
        help_text="A group step's group: any active member who is not a party may decide it. approver_id is "
                  "empty until a member decides or delegates it, then names that member.")

    class Meta(RecordSerializer.Meta):
        model = ApprovalStep
        exclude = ("approval_request", "approver_group")
        fields = None


class DelegateBody(TransitionBody):
    """Hand the decision to another person (`delegated_to_id`)."""

    delegated_to_id = serializers.CharField(max_length=64)
