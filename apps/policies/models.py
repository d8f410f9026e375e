from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField

from apps.core.allowed import OneOf
from apps.core.person_fields import PERSON
from apps.core.fsm import ConcurrentTransitionMixin, Decisions, transition
from apps.core.json_shapes import STRING_LIST
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Summary
from apps.core.visibility import Visibility
from apps.helpdesk.choices import Priority, TicketType

from .choices import PolicyCategory, PolicyStatus

POLICY_STAFF = {"roles": ("hr",)}
MINUTES = [MinValueValidator(1), MaxValueValidator(525_600)]


def review_cadence() -> timedelta:
    return timedelta(days=getattr(settings, "POLICY_REVIEW_CADENCE_DAYS", 365))


class Policy(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "pol"
    directory_fields = {"owner_id": PERSON}
    # Everyone in the tenant reads published (and retired) policies; drafts stay with their authors.
    visibility = Visibility(sees_all=("hr",), mine=("created_by", "owner_id"),
                            public=Q(status__in=[PolicyStatus.PUBLISHED, PolicyStatus.RETIRED]))
    write_roles = ("hr",)
    json_shapes = {"applies_to": STRING_LIST}
    decisions = Decisions(approve="complete")  # a rejected policy stays as it is
    summary_format = Summary(excerpt="description", dates="next_review_at")

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="", help_text="Markdown.")
    version = models.CharField(max_length=32, default="1.0.0", editable=False)
    category = models.CharField(max_length=16, choices=PolicyCategory.choices, default=PolicyCategory.OTHER)
    owner_id = models.CharField(max_length=64, null=True, blank=True)
    status = FSMField(max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT, protected=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_review_at = models.DateTimeField(null=True, blank=True)
    review_due_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # SLA-like attributes from the seed page, validated as on helpdesk SLA policies.
    applies_to = models.JSONField(default=list, blank=True, validators=[OneOf(TicketType)])
    priority = models.CharField(max_length=16, choices=Priority.choices, null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True, validators=MINUTES)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True, validators=MINUTES)
    business_hours_only = models.BooleanField(default=False)

    history = tracked_history()

    class Meta:
        verbose_name_plural = "policies"
        indexes = [
            models.Index(fields=["tenant_id", "status"], name="pol_tenant_status"),
            models.Index(fields=["status", "next_review_at"], name="pol_status_review"),
            # a member's own rows (apps/core/visibility.py: one indexed branch per ownership column)
            models.Index(fields=["tenant_id", "created_by"], name="pol_tenant_creator"),
            models.Index(fields=["tenant_id", "owner_id"], name="pol_tenant_owner"),
        ]

    def clean(self):
        if self.first_response_minutes and self.resolution_minutes and self.first_response_minutes > self.resolution_minutes:
            raise ValidationError({"first_response_minutes": "Must not exceed resolution_minutes."})

    @transition(field="status", source=PolicyStatus.DRAFT, target=PolicyStatus.IN_REVIEW, custom=POLICY_STAFF, event="submitted")
    def submit(self):
        pass

    @transition(field="status", source=[PolicyStatus.DRAFT, PolicyStatus.IN_REVIEW, PolicyStatus.PUBLISHED],
                target=PolicyStatus.PUBLISHED,
                custom={**POLICY_STAFF, "doc": "Completes a review: publishes the current version; body "
                        "`next_review_at` (future) or the review cadence sets the next review."}, event="completed")
    def complete(self, *, next_review_at=None):
        now = timezone.now()
        if self.published_at is None:
            self.published_at = now
        self.next_review_at = next_review_at or now + review_cadence()
        self.review_due_notified_at = None

    @transition(field="status", source=PolicyStatus.PUBLISHED, target=PolicyStatus.RETIRED, custom=POLICY_STAFF, event="retired")
    def retire(self):
        pass

    @transition(field="status", source=PolicyStatus.PUBLISHED, target=PolicyStatus.IN_REVIEW,
                custom={"roles": ("hr",), "api": False, "doc": "A new version of a published policy needs a review."}, event="revised")
    def revise(self):
        pass


class PolicyVersion(models.Model):
    """An earlier (or the current) text of a policy, kept when a published body changes."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    tenant_id = models.CharField(max_length=64, db_index=True)
    version = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        constraints = [models.UniqueConstraint(fields=["policy", "version"], name="uniq_policy_version")]


class PolicyAcknowledgement(models.Model):
    """A person confirming they read one version of a policy (once per person per version)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="acknowledgements")
    tenant_id = models.CharField(max_length=64, db_index=True)
    version = models.CharField(max_length=32)
    person_id = models.CharField(max_length=64)
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-id",)
        constraints = [models.UniqueConstraint(fields=["policy", "version", "person_id"], name="uniq_policy_ack")]


from .campaign_models import AcknowledgementCampaign  # noqa: E402,F401  (a model of this app)
