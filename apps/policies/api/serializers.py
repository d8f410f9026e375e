from django.utils import timezone
from rest_framework import serializers

from apps.core.api.serializers import PortableIntegerRanges, RecordSerializer, TransitionBody
from apps.directory.models import Group
from apps.core.principal import Principal

from ..campaigns import Progress, progress_of
from ..choices import CampaignAudience
from ..models import AcknowledgementCampaign, Policy, PolicyAcknowledgement, PolicyVersion


class PolicySerializer(RecordSerializer):
    """A versioned policy document with an owner and review cadence."""

    class Meta(RecordSerializer.Meta):
        model = Policy
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "version", "published_at")


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


class AcknowledgementCampaignSerializer(RecordSerializer):
    """Asks a policy version's audience to acknowledge it by `due_at`, with reminders; progress is read-only."""

    audience_size = serializers.SerializerMethodField(help_text="Active people in the audience now.")
    acknowledged_count = serializers.SerializerMethodField(help_text="Of them, who acknowledged the version.")
    outstanding_count = serializers.SerializerMethodField()
    percent_acknowledged = serializers.SerializerMethodField(help_text="0–100, one decimal.")

    class Meta(RecordSerializer.Meta):
        model = AcknowledgementCampaign
        fields = None
        exclude = AcknowledgementCampaign.api_hidden_fields  # the admin's last count: the API counts on every read
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "version")

    def get_fields(self):
        """Only the caller's tenant's policies and groups can be named (another tenant's id is a 400)."""
        fields = super().get_fields()
        principal = getattr(self.context.get("request"), "user", None)
        if isinstance(principal, Principal):
            if "policy" in fields and not fields["policy"].read_only:
                fields["policy"].queryset = Policy.objects.visible_to(principal)
            if "groups" in fields and not fields["groups"].read_only:
                fields["groups"].child_relation.queryset = Group.objects.visible_to(principal)
        return fields

    def _progress(self, obj) -> Progress:
        cached = getattr(obj, "_progress", None)
        if cached is None:
            cached = obj._progress = progress_of(obj)
        return cached

    def get_audience_size(self, obj) -> int:
        return self._progress(obj).audience

    def get_acknowledged_count(self, obj) -> int:
        return self._progress(obj).acknowledged

    def get_outstanding_count(self, obj) -> int:
        return self._progress(obj).outstanding

    def get_percent_acknowledged(self, obj) -> float:
        return self._progress(obj).percent

    def validate_due_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value

    def validate(self, attrs):
        audience = attrs.get("audience", getattr(self.instance, "audience", CampaignAudience.EVERYONE))
        if attrs.get("groups") and audience != CampaignAudience.GROUPS:
            raise serializers.ValidationError({"groups": "Groups apply to the audience 'groups'."})
        return attrs


class OutstandingPersonSerializer(serializers.Serializer):
    """Someone in the audience who has not acknowledged the campaign's version yet."""

    id = serializers.CharField()
    display_name = serializers.CharField()
    email = serializers.CharField()
