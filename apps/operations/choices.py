from django.db import models


class PendingStatus(models.TextChoices):
    QUEUED = "queued"
    PROCESSING = "processing"
    BLOCKED = "blocked"
    COMPLETED = "completed"


class AccessType(models.TextChoices):
    NEW = "new"
    MODIFY = "modify"
    REVOKE = "revoke"


class AccessStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PROVISIONING = "provisioning"
    PROVISIONING_FAILED = "provisioning_failed"
    PROVISIONED = "provisioned"
    COMPLETED = "completed"


class ProvisioningOp(models.TextChoices):
    """Connector work an access request still owes its target."""

    NONE = "", "nothing owed"
    GRANT = "grant"
    REVOKE = "revoke"


class PrincipalType(models.TextChoices):
    PERSON = "person"
    GROUP = "group"


class HRRequestType(models.TextChoices):
    EMPLOYMENT_LETTER = "employment_letter"
    CERTIFICATE = "certificate"
    VERIFICATION = "verification"
    DOCUMENT = "document"
    OTHER = "other"


class HRStatus(models.TextChoices):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"


class DeliverableType(models.TextChoices):
    DIGITAL = "digital"
    PHYSICAL = "physical"


class EquipmentStatus(models.TextChoices):
    REQUESTED = "requested"
    APPROVED = "approved"
    ORDERED = "ordered"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"


class TravelStatus(models.TextChoices):
    REQUESTED = "requested"
    APPROVED = "approved"
    BOOKED = "booked"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
