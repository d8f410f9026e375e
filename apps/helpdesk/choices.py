from django.db import models


class TicketType(models.TextChoices):
    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    CHANGE = "change"
    PROBLEM = "problem"


class TicketStatus(models.TextChoices):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class SLAPolicyStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"


class SLAState(models.TextChoices):
    NONE = "none", "No SLA"
    RUNNING = "running"
    PAUSED = "paused"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
