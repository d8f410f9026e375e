from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from apps.core.models import TenantModel, tracked_history

from .choices import Priority, SLAPolicyStatus, TicketStatus, TicketType

AGENT = {"roles": ("agent",)}
AGENT_OR_SUBMITTER = {"roles": ("agent",), "requester_may": True}
MINUTES = [MinValueValidator(1), MaxValueValidator(525_600)]  # up to a year


class SLAPolicy(TenantModel):
    id_prefix = "sla"
    staff_roles = ("agent",)
    write_roles = ()  # tenant admins configure SLAs
    field_aliases = {"first_response_mins": "first_response_minutes", "resolution_mins": "resolution_minutes"}

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    applies_to = models.JSONField(default=list, blank=True, help_text="Ticket types this policy governs.")
    priority = models.CharField(max_length=16, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(validators=MINUTES)
    resolution_minutes = models.PositiveIntegerField(validators=MINUTES)
    business_hours_only = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=SLAPolicyStatus.choices, default=SLAPolicyStatus.ACTIVE)

    history = tracked_history()

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        indexes = [models.Index(fields=["tenant_id", "status", "priority"], name="sla_tenant_status_prio")]

    def clean(self):
        if self.first_response_minutes and self.resolution_minutes and self.first_response_minutes > self.resolution_minutes:
            raise ValidationError({"first_response_minutes": "Must not exceed resolution_minutes."})

    def applies(self, ticket_type: str) -> bool:
        return not self.applies_to or ticket_type in self.applies_to


class Ticket(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "tkt"
    staff_roles = ("agent",)
    owner_fields = ("created_by", "submitted_by_id", "assigned_to_id")
    requester_field = "submitted_by_id"

    number = models.CharField(max_length=32, editable=False)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    type = models.CharField(max_length=32, choices=TicketType.choices, default=TicketType.INCIDENT)
    status = FSMField(max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW, protected=False)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MEDIUM)
    category = models.CharField(max_length=100, blank=True, default="")
    submitted_by_id = models.CharField(max_length=64, blank=True, default="")
    assigned_to_id = models.CharField(max_length=64, null=True, blank=True)
    team_id = models.CharField(max_length=64, null=True, blank=True)
    sla_policy = models.ForeignKey(SLAPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    related_asset_id = models.CharField(max_length=64, null=True, blank=True)
    related_vulnerability_id = models.CharField(max_length=64, null=True, blank=True)

    history = tracked_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "number"], name="uniq_ticket_number")]
        indexes = [
            models.Index(fields=["tenant_id", "status"], name="tkt_tenant_status"),
            models.Index(fields=["tenant_id", "assigned_to_id"], name="tkt_tenant_assignee"),
            models.Index(fields=["tenant_id", "submitted_by_id"], name="tkt_tenant_submitter"),
            models.Index(fields=["tenant_id", "due_at"], name="tkt_tenant_due"),
        ]

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.PENDING], target=TicketStatus.OPEN, custom=AGENT)
    def open(self):
        pass

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.OPEN], target=TicketStatus.PENDING,
                custom={**AGENT, "doc": "Waiting on the submitter or a third party; the SLA clock pauses."})
    def hold(self):
        pass

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING],
                target=TicketStatus.RESOLVED, custom=AGENT)
    def resolve(self):
        self.resolved_at = timezone.now()

    @transition(field=status, source=[TicketStatus.RESOLVED], target=TicketStatus.OPEN, custom=AGENT_OR_SUBMITTER)
    def reopen(self):
        self.resolved_at = None

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED],
                target=TicketStatus.CLOSED, custom=AGENT_OR_SUBMITTER)
    def close(self):
        if self.resolved_at is None:
            self.resolved_at = timezone.now()
