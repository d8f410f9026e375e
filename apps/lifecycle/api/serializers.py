from rest_framework import serializers

from apps.core.api.serializers import RecordSerializer

from ..models import BirthrightRule, LifecycleSettings, OffboardingCase, OffboardingItem, PlannedLeave, ScheduledRevoke


class OffboardingItemSerializer(RecordSerializer):
    """One thing the leaver held, decided, had to do or owned, and what became of it."""

    case_id = serializers.CharField(read_only=True)

    class Meta(RecordSerializer.Meta):
        model = OffboardingItem
        fields = None
        exclude = ("case",)


class OffboardingCaseSerializer(RecordSerializer):
    """One deactivation's offboarding: open until every item is done; its evidence report is attached
    (GET /api/v1/files/attachments?record_id=<case id>)."""

    is_overdue = serializers.BooleanField(read_only=True, help_text="Open past its due date, or an item failed.")

    class Meta(RecordSerializer.Meta):
        model = OffboardingCase


class PlannedLeaveSerializer(RecordSerializer):
    """A leaving date set in advance: the scheduler deactivates the person that day."""

    class Meta(RecordSerializer.Meta):
        model = PlannedLeave


class LifecycleSettingsSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = LifecycleSettings


class BirthrightRuleSerializer(RecordSerializer):
    entitlement_id = serializers.CharField(max_length=40, help_text="The catalog entitlement granted.")
    group_id = serializers.CharField(max_length=40, required=False, allow_null=True,
                                     help_text="Everyone in this directory group (or name a department or a location).")

    class Meta(RecordSerializer.Meta):
        model = BirthrightRule
        fields = None
        exclude = ("entitlement", "group")


class ScheduledRevokeSerializer(RecordSerializer):
    grant_id = serializers.CharField(read_only=True)

    class Meta(RecordSerializer.Meta):
        model = ScheduledRevoke
        fields = None
        exclude = ("grant",)
