"""Approval events besides the records' lifecycles (apps/approvals/services.py emits them)."""
from apps.core.event_catalogue import declare_event, record_payload_serializer

from .models import ApprovalRequest

declare_event(ApprovalRequest, "reminder", payload=record_payload_serializer(ApprovalRequest),
              description="An approval request has been waiting on its current step for long; its approvers are reminded.")
