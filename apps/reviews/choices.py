from django.db import models


class ReviewerRule(models.TextChoices):
    MANAGER = "manager", "The holder's manager"
    OWNER = "owner", "The entitlement's owner"


class UnansweredRule(models.TextChoices):
    REVOKE = "revoke", "Revoke the access"
    ESCALATE = "escalate", "Escalate to the campaign owner"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    SIGNED_OFF = "signed_off", "Signed off"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    KEPT = "kept", "Kept"
    REVOKED = "revoked", "Revoked"
    UNANSWERED = "unanswered", "Unanswered (escalated, not decided)"


class RoutedBecause(models.TextChoices):
    MANAGER = "manager", "The holder's manager"
    OWNER = "owner", "The entitlement's owner"
    FALLBACK = "fallback", "The campaign owner (fallback)"
    ESCALATED = "escalated", "The campaign owner (escalated)"
    OWNER_MANAGER = "owner_manager", "The campaign owner's manager (the owner conflicts too)"
    UNASSIGNED = "unassigned", "Nobody yet: a tenant admin decides it"


class RevokeState(models.TextChoices):
    NONE = "", "—"
    WAITING = "waiting", "Waiting for the campaign's close"
    QUEUED = "queued", "Queued with the connector"
    DONE = "done", "Removed (confirmed by the target)"
    FAILED = "failed", "Failed (retried by the connector)"
