from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField

from apps.core.allowed import OneOf
from apps.core.person_fields import GROUP, PERSON
from apps.core.field_policy import ADMIN, ANY_STATE, REQUESTER, STAFF, FieldPolicy, deletable, editable
from apps.core.fsm import ConcurrentTransitionMixin, transition
from apps.core.json_shapes import STRING_LIST
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Title
from apps.core.visibility import Visibility

from . import sla_queue
from .canned_placeholders import CANNED_PLACEHOLDERS
from .calendars import WEEKDAYS, CalendarError, build_calendar
from .choices import Priority, SLAPolicyStatus, SLAState, TicketStatus, TicketType

WORKED = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)

AGENT = {"roles": ("agent",)}
AGENT_OR_SUBMITTER = {"roles": ("agent",), "requester_may": True}
MINUTES = [MinValueValidator(1), MaxValueValidator(525_600)]  # up to a year


class SLAPolicy(TenantModel):
    id_prefix = "sla"
    visibility = Visibility(sees_all=("agent",))
    write_roles = ()  # tenant admins configure SLAs
    field_aliases = {"first_response_mins": "first_response_minutes", "resolution_mins": "resolution_minutes"}
    json_shapes = {"applies_to": STRING_LIST}

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    applies_to = models.JSONField(default=list, blank=True, validators=[OneOf(TicketType)],
                                  help_text="Ticket types this policy governs (none: every type).")
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
    not_directory_fields = ("related_asset_id", "related_vulnerability_id")
    directory_fields = {"submitted_by_id": PERSON, "assigned_to_id": PERSON, "team_id": GROUP}
    title_format = Title("{number} · {title}")
    visibility = Visibility(sees_all=("agent",), mine=("created_by", "submitted_by_id", "assigned_to_id"))
    requester_field = "submitted_by_id"
    # The submitter edits what they asked while it is being worked; agents also triage and assign.
    # Nobody rewrites who submitted it or when it was first answered (the reply service stamps that).
    field_policy = FieldPolicy(
        editable(*WORKED, by=(REQUESTER,), fields=("title", "description", "type", "category", "tags", "source")),
        editable(*WORKED, TicketStatus.RESOLVED, by=(STAFF,),
                 fields=("title", "description", "type", "priority", "category", "assigned_to_id", "team_id",
                         "sla_policy", "related_asset_id", "related_vulnerability_id", "tags", "source")),
        editable(ANY_STATE, by=(STAFF,), fields=("tags",)),
        deletable(TicketStatus.NEW, by=(REQUESTER, STAFF)),
        deletable(ANY_STATE, by=(ADMIN,)),
    )

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
    # SLA clock (apps.helpdesk.sla): recomputed from the status history on every change, so
    # pauses survive a change of priority or policy; the *_warn_at instants are when 80% of
    # the time is used, so `sla_sweep` finds warnings and breaches with plain set-based queries.
    sla_state = models.CharField(max_length=16, choices=SLAState.choices, default=SLAState.NONE, editable=False)
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_breached_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_breached_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = tracked_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "number"], name="uniq_ticket_number")]
        indexes = [
            # keyset pages per tenant (ids are time-ordered ULIDs), filtered pages, the admin's date hierarchy
            models.Index(fields=["tenant_id", "id"], name="tkt_tenant_page", condition=models.Q(is_deleted=False)),
            models.Index(fields=["tenant_id", "status", "id"], name="tkt_tenant_status"),
            models.Index(fields=["tenant_id", "created_at"], name="tkt_tenant_created",
                         condition=models.Q(is_deleted=False)),
            models.Index(fields=["tenant_id", "assigned_to_id"], name="tkt_tenant_assignee"),
            models.Index(fields=["tenant_id", "submitted_by_id"], name="tkt_tenant_submitter"),
            # a member's own rows (apps/core/visibility.py: one indexed branch per ownership column)
            models.Index(fields=["tenant_id", "created_by"], name="tkt_tenant_creator"),
            models.Index(fields=["tenant_id", "due_at"], name="tkt_tenant_due"),
            models.Index(fields=["tenant_id", "sla_state"], name="tkt_tenant_sla_state"),
            # the SLA queue and the dashboard's overdue / due-soon counts: the open tickets by the instant
            # their badge counts to (the same expression as sla_queue.sla_due, so the planner matches it; not
            # partial: PostgreSQL reads the statistics of an expression from whole-table indexes only)
            models.Index(F("tenant_id"), sla_queue.sla_due(), name="tkt_tenant_sla_due"),
            # `sla_sweep`: one index per pass holding only the running clocks that pass has not stamped yet,
            # so a pass reads the due rows and nothing else (a stamped ticket leaves that pass's index).
            models.Index(fields=["first_response_warn_at"], name="tkt_sweep_fr_warn",
                         condition=models.Q(status__in=["new", "open"], is_deleted=False, first_response_at__isnull=True,
                                            first_response_warned_at__isnull=True)),
            # a ticket answered in time leaves it too: it can no longer breach its first-response clock
            models.Index(fields=["first_response_due_at"], name="tkt_sweep_fr_breach",
                         condition=models.Q(status__in=["new", "open"], is_deleted=False,
                                            first_response_breached_at__isnull=True)
                         & (models.Q(first_response_at__isnull=True)
                            | models.Q(first_response_at__gt=models.F("first_response_due_at")))),
            models.Index(fields=["resolution_warn_at"], name="tkt_sweep_res_warn",
                         condition=models.Q(status__in=["new", "open"], is_deleted=False, resolution_warned_at__isnull=True)),
            models.Index(fields=["due_at"], name="tkt_sweep_res_breach",
                         condition=models.Q(status__in=["new", "open"], is_deleted=False,
                                            resolution_breached_at__isnull=True)),
        ]

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.PENDING], target=TicketStatus.OPEN, custom=AGENT, event="opened")
    def open(self):
        pass

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.OPEN], target=TicketStatus.PENDING,
                custom={**AGENT, "doc": "Waiting on the submitter or a third party; the SLA clock pauses."}, event="held")
    def hold(self):
        pass

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING],
                target=TicketStatus.RESOLVED, custom=AGENT, event="resolved")
    def resolve(self):
        self.resolved_at = timezone.now()

    @transition(field=status, source=[TicketStatus.RESOLVED], target=TicketStatus.OPEN, custom=AGENT_OR_SUBMITTER, event="reopened")
    def reopen(self):
        self.resolved_at = None

    @transition(field=status, source=[TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED],
                target=TicketStatus.CLOSED, custom=AGENT_OR_SUBMITTER, event="closed")
    def close(self):
        if self.resolved_at is None:
            self.resolved_at = timezone.now()


DEFAULT_WORKING_HOURS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


# The shapes only; the times themselves are read by apps/helpdesk/calendars.py (the model's clean).
WORKING_HOURS = {"type": "object", "propertyNames": {"enum": list(WEEKDAYS)},
                 "additionalProperties": {"type": "array", "items": {
                     "type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}}}
CLOSED_DATES = {"type": "array", "items": {"type": "string", "format": "date"}}


def default_working_hours():
    return {day: [list(span) for span in spans] for day, spans in DEFAULT_WORKING_HOURS.items()}


class BusinessCalendar(TenantModel):
    """The tenant's working time for `business_hours_only` SLA policies (one per tenant)."""

    id_prefix = "cal"
    visibility = Visibility(sees_all=("agent",))
    write_roles = ()
    json_shapes = {"working_hours": WORKING_HOURS, "closed_dates": CLOSED_DATES}

    name = models.CharField(max_length=200, default="Business hours")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name, e.g. Europe/Berlin.")
    working_hours = models.JSONField(
        default=default_working_hours,
        help_text='Per weekday (mon..sun) a list of ["HH:MM", "HH:MM"] spans; "24:00" or "00:00" as end means midnight.',
    )
    holiday_country = models.CharField(max_length=8, blank=True, default="",
                                       help_text="ISO country code for public holidays (the holidays package), e.g. DE.")
    holiday_subdivision = models.CharField(max_length=16, blank=True, default="", help_text="e.g. BY for Bavaria.")
    closed_dates = models.JSONField(default=list, blank=True, help_text="Extra closed days (dates such as 2026-12-24).")

    history = tracked_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id"], condition=models.Q(is_deleted=False),
                                               name="one_calendar_per_tenant")]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"

    def clean(self):
        try:
            build_calendar(self)
        except CalendarError as exc:
            raise ValidationError({exc.field: exc.message}) from exc


class TicketComment(TenantModel):
    """A public reply or an internal note on a ticket."""

    id_prefix = "tcm"
    directory_fields = {"author_id": PERSON}
    title_format = Title("Comment by {author_id}", fallback="Comment")
    # A member sees their own comments and the public ones on tickets they may see.
    visibility = Visibility(sees_all=("agent",), mine=("author_id", *Ticket.visibility.via("ticket", when=Q(internal=False))))

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments", db_constraint=False)
    author_id = models.CharField(max_length=64, editable=False)
    body = models.TextField()
    internal = models.BooleanField(default=False, help_text="Internal notes are visible to agents only.")

    history = tracked_history()

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["tenant_id", "ticket", "id"], name="tcm_tenant_ticket"),
                   models.Index(fields=["tenant_id", "author_id"], name="tcm_tenant_author")]



class CannedReply(TenantModel):
    """A reply an agent picks on the ticket's reply box instead of typing it again; its placeholders
    (apps/helpdesk/canned.py) are filled for the ticket it answers."""

    id_prefix = "cnr"
    visibility = Visibility(sees_all=("agent",), mine=())
    write_roles = ("agent",)

    name = models.CharField(max_length=120, help_text="What agents pick it by on the reply box, e.g. 'Password reset done'.")
    body = models.TextField(max_length=20_000)
    active = models.BooleanField(default=True, help_text="Inactive replies are not offered on the reply box.")

    history = tracked_history()

    class Meta:
        verbose_name_plural = "canned replies"
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=["tenant_id", "name"], condition=Q(is_deleted=False),
                                               name="uniq_canned_reply_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = CANNED_PLACEHOLDERS.problems(self.body)
        if errors:
            raise ValidationError({"body": errors})
        others = CannedReply.objects.filter(tenant_id=self.tenant_id, name=self.name).exclude(pk=self.pk)
        if self.tenant_id and self.name and others.exists():
            raise ValidationError({"name": "Your helpdesk has a canned reply by this name already."})
