from django.db import models


class CaseStatus(models.TextChoices):
    OPEN = "open"
    CLOSED = "closed"  # every item done; the evidence report is attached
    STOPPED = "stopped"  # the person was re-activated while it ran: the remaining revokes were stopped


class CaseTrigger(models.TextChoices):
    SCIM = "scim", "SCIM deactivation"
    DIRECTORY = "directory", "directory admin"
    SCHEDULED = "scheduled", "planned leaving date"
    OTHER = "other", "other"


class ItemStatus(models.TextChoices):
    PENDING = "pending"  # handed over, waiting for the target or a person to confirm
    DONE = "done"
    FAILED = "failed"  # the target refused or was down: retried by the lifecycle sweep
    FLAGGED = "flagged", "flagged to the admin"  # nobody to hand it to: an admin decides, then resolves it
    CANCELLED = "cancelled"  # stopped by a re-activation


class ItemKind(models.TextChoices):
    REVOKE_ACCESS = "revoke_access", "revoke access"
    RETURN_EQUIPMENT = "return_equipment", "return equipment"
    REROUTE_STEP = "reroute_step", "re-route approval step"
    REQUEUE_WORK = "requeue_work", "work back to the queue"
    REASSIGN_OWNER = "reassign_owner", "reassign owned object"
    STOP_API_KEY = "stop_api_key", "stop API key"
    CANCEL_REQUEST = "cancel_request", "cancel open request"
