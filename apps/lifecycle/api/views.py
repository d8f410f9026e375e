from apps.core.api.viewsets import CreateRecordMixin, DeleteRecordMixin, RecordViewSet, UpdateRecordMixin

from django.db.models import Exists, OuterRef

from .. import actions
from ..choices import ItemStatus
from ..models import BirthrightRule, LifecycleSettings, OffboardingCase, OffboardingItem, PlannedLeave, ScheduledRevoke
from . import serializers as s


class OffboardingCaseViewSet(RecordViewSet):
    """Offboarding cases (IT, HR and admins): opened by a deactivation, closed by the engine when every
    item is done. Read-only; people act on flagged items."""

    queryset = OffboardingCase.objects.annotate(has_failed_item=Exists(
        OffboardingItem.objects.filter(case=OuterRef("pk"), status=ItemStatus.FAILED)))
    serializer_class = s.OffboardingCaseSerializer
    record_actions = actions.OFFBOARDING_CASE_ACTIONS


class OffboardingItemViewSet(RecordViewSet):
    """The items of the cases; an admin resolves a flagged one (`POST …/{id}/resolve {"comment"}`)."""

    queryset = OffboardingItem.objects.all()
    serializer_class = s.OffboardingItemSerializer
    record_actions = actions.OFFBOARDING_ITEM_ACTIONS


class PlannedLeaveViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    queryset = PlannedLeave.objects.all()
    serializer_class = s.PlannedLeaveSerializer
    record_actions = actions.PLANNED_LEAVE_ACTIONS


class LifecycleSettingsViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    queryset = LifecycleSettings.objects.all()
    serializer_class = s.LifecycleSettingsSerializer
    record_actions = actions.LIFECYCLE_SETTINGS_ACTIONS


class BirthrightRuleViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    """Entitlements everyone in a group or department gets, approved by the rule."""

    queryset = BirthrightRule.objects.all()
    serializer_class = s.BirthrightRuleSerializer
    record_actions = actions.BIRTHRIGHT_RULE_ACTIONS


class ScheduledRevokeViewSet(RecordViewSet):
    """Birthright grants of people who moved, revoked when the grace period ends."""

    queryset = ScheduledRevoke.objects.all()
    serializer_class = s.ScheduledRevokeSerializer
    record_actions = actions.SCHEDULED_REVOKE_ACTIONS
