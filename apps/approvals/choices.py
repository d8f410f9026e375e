from django.db import models


class RequestStatus(models.TextChoices):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class StepStatus(models.TextChoices):
    WAITING = "waiting"
    PENDING = "pending"
    DELEGATED = "delegated"
    APPROVED = "approved"
    REJECTED = "rejected"
    SKIPPED = "skipped"


class Decision(models.TextChoices):
    APPROVED = "approved"
    REJECTED = "rejected"


OPEN_STEP_STATES = (StepStatus.PENDING, StepStatus.DELEGATED)
OPEN_REQUEST_STATES = (RequestStatus.DRAFT, RequestStatus.PENDING)


class RouteSource(models.TextChoices):
    """What chose an approval request's approvers (apps/approvals/routing.py)."""
    RULE = "rule", "a routing rule"
    ENTITLEMENT = "entitlement", "the entitlement's own chain"
    DEFAULT = "default", "the default chain of its type"
    GIVEN = "given", "the approvers given"
