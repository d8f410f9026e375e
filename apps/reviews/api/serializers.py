from django.utils import timezone
from rest_framework import serializers

from apps.core.api.serializers import PortableIntegerRanges, RecordSerializer, TransitionBody
from apps.directory.models import Group
from apps.core.principal import Principal
from apps.integration.catalog_models import AccessSystem, Entitlement

from ..models import ReviewCampaign, ReviewItem, ReviewTally


class ReviewCampaignSerializer(RecordSerializer):
    """An access review over active grants in scope (system, entitlement, minimum risk, group); progress
    counts are read-only and kept by every decision."""

    items_pending = serializers.IntegerField(read_only=True)

    class Meta(RecordSerializer.Meta):
        model = ReviewCampaign

    def get_fields(self):
        """Only the caller's tenant's systems, entitlements and groups can be named (another's id is a 400)."""
        fields = super().get_fields()
        principal = getattr(self.context.get("request"), "user", None)
        if isinstance(principal, Principal):
            for name, model in (("system", AccessSystem), ("entitlement", Entitlement), ("group", Group)):
                if name in fields and not fields[name].read_only:
                    fields[name].queryset = model.objects.visible_to(principal)
        return fields

    def validate_due_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class ReviewItemSerializer(RecordSerializer):
    """One grant under review and its decision."""

    class Meta(RecordSerializer.Meta):
        model = ReviewItem


class DecisionBody(TransitionBody):
    """`comment`: why the access is kept or revoked (required: the evidence report quotes it)."""

    comment = serializers.CharField(max_length=2000, allow_blank=False, trim_whitespace=True)


class ReviewTallySerializer(PortableIntegerRanges, serializers.ModelSerializer):
    """A campaign's progress for one reviewer (key: person id) or one system (key: system id)."""

    decided = serializers.IntegerField(read_only=True)
    pending = serializers.IntegerField(read_only=True)
    percent = serializers.FloatField(read_only=True)

    class Meta:
        model = ReviewTally
        fields = ("dimension", "key", "label", "total", "kept", "revoked", "unanswered", "decided", "pending", "percent")


class ProgressSerializer(serializers.Serializer):
    """Progress of a campaign: totals, and the reviewers and systems furthest behind (50 each)."""

    total = serializers.IntegerField()
    kept = serializers.IntegerField()
    revoked = serializers.IntegerField()
    unanswered = serializers.IntegerField()
    pending = serializers.IntegerField()
    revokes_done = serializers.IntegerField()
    revokes_failed = serializers.IntegerField()
    reviewers = ReviewTallySerializer(many=True)
    systems = ReviewTallySerializer(many=True)


class KeepLowRiskBody(serializers.Serializer):
    """Keep every undecided low-risk item you review in this campaign, with one reason."""

    comment = serializers.CharField(max_length=2000, allow_blank=False, trim_whitespace=True)


class KeepLowRiskResult(serializers.Serializer):
    kept = serializers.IntegerField(help_text="How many items were kept now.")
