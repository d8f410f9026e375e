from django.db import models


class ApplicationKind(models.TextChoices):
    APP = "app"
    PLATFORM_SERVICE = "platform-service"
    LIBRARY = "library"


class ApplicationStatus(models.TextChoices):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class ConnectorScope(models.TextChoices):
    ORG = "org"
    USER = "user"
    GROUP = "group"


class SyncStatus(models.TextChoices):
    NEVER_SYNCED = "never_synced"
    SYNCING = "syncing"
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    FAILING = "failing"
    DISABLED = "disabled"


class KeyKind(models.TextChoices):
    USER = "user"
    SERVICE = "service"
    VIRTUAL_LLM = "virtual_llm"


class KeyStatus(models.TextChoices):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Direction(models.TextChoices):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class SignatureScheme(models.TextChoices):
    STANDARD_WEBHOOKS_V1 = "standard-webhooks-v1"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up: attempts exhausted, webhook gone (410) or disabled


class OwnerType(models.TextChoices):
    PERSON = "person"
    GROUP = "group"


class EntitlementKind(models.TextChoices):
    GROUP = "group"
    ROLE = "role"
    PERMISSION = "permission"


class Risk(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class DriftKind(models.TextChoices):
    UNMANAGED = "unmanaged"  # access in the target with no grant here
    LOST = "lost"  # a grant here missing in the target


class FindingStatus(models.TextChoices):
    UNMANAGED = "unmanaged"  # open: access in the target with no grant here
    LOST = "lost"  # open: a grant here missing in the target
    REVOKING = "revoking"  # the connector's revoke is queued (after commit, on the task backend)
    REGRANTING = "regranting"  # the connector's grant is queued
    ADOPTED = "adopted"  # an access request was filed for the person, for the owner's approval
    REVOKED = "revoked"  # removed in the target (confirmed)
    REGRANTED = "regranted"  # a lost grant pushed to the target again (confirmed)
    DISMISSED = "dismissed"  # a person said why it is fine
    CLOSED = "closed"  # a sync found the drift gone
