from django.db import models


class PolicyStatus(models.TextChoices):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class PolicyCategory(models.TextChoices):
    SECURITY = "security"
    PRIVACY = "privacy"
    HR = "hr"
    COMPLIANCE = "compliance"
    FINANCE = "finance"
    OPERATIONS = "operations"
    OTHER = "other"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class CampaignAudience(models.TextChoices):
    EVERYONE = "everyone", "Everyone active in the directory"
    GROUPS = "groups", "Members of the chosen groups"
