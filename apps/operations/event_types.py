"""Operations events besides the records' lifecycles (apps/operations/services.py emits them)."""
from rest_framework import serializers

from apps.core.event_catalogue import declare_event, record_payload_with

from .models import AccessRequest

declare_event(AccessRequest, "expiring",
              payload=record_payload_with(AccessRequest, "Expiring", days_left=serializers.IntegerField(min_value=1)),
              description="A time-bound access grant ends soon (once per expiry date).")

declare_event(AccessRequest, "auto_approved",
              payload=record_payload_with(AccessRequest, "AutoApproved", rule=serializers.CharField(),
                                          reason=serializers.CharField(), entitlement_id=serializers.CharField(),
                                          group_id=serializers.CharField()),
              description="An access request approved by a rule, not a person: its low-risk entitlement is "
                          "auto-approved for a group its requester belongs to (apps/approvals/routing.py).")
