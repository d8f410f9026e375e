"""Leavers: one offboarding case per deactivation, with one item per thing the person held or had to
do (a grant, a laptop, a pending decision, a ticket, an owned object, an API key). An item is done
only when what it stands for is confirmed (a revoke read back from the target, a laptop returned);
the case closes when every item is done, and then carries its evidence report (apps/files/evidence.py).
Planned leaving dates and the tenant's settings live here too."""
from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField

from apps.core.person_fields import PERSON
from apps.core.fsm import ConcurrentTransitionMixin, transition
from apps.core.json_shapes import STRING_LIST
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Title
from apps.core.visibility import Visibility

from .choices import CaseStatus, CaseTrigger, ItemKind, ItemStatus

LIFECYCLE_STAFF = ("it", "hr")
# Steps the lifecycle engine takes (apps/lifecycle/services.py), never a person or the API.
ENGINE = {"roles": (), "api": False}


class LifecycleSettings(TenantModel):
    """The tenant's settings: its first row (defaults when there is none)."""

    id_prefix = "lfs"
    visibility = Visibility(sees_all=LIFECYCLE_STAFF)
    write_roles = ()

    mover_grace_days = models.PositiveIntegerField(default=7, validators=[MaxValueValidator(365)], help_text=(
        "After a move, grants of the old group's birthright rules the new group does not carry are revoked this "
        "many days later."))
    offboarding_due_days = models.PositiveIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(90)],
                                                       help_text="A case still open this many days after it opened shows overdue.")

    history = tracked_history()

    class Meta:
        verbose_name = verbose_name_plural = "lifecycle settings"

    def __str__(self) -> str:
        return "Lifecycle settings"

    @classmethod
    def of(cls, tenant_id: str) -> "LifecycleSettings":
        return cls.objects.filter(tenant_id=tenant_id).order_by("created_at", "id").first() or cls(tenant_id=tenant_id)


class PlannedLeave(TenantModel):
    """A leaving date set in advance: the scheduler deactivates the person that day (and so opens the case)."""

    id_prefix = "plv"
    directory_fields = {"person_id": PERSON}
    title_format = Title("{person_id} leaves on {leaves_on}")
    visibility = Visibility(sees_all=LIFECYCLE_STAFF)
    write_roles = LIFECYCLE_STAFF

    person_id = models.CharField(max_length=64)
    leaves_on = models.DateField(help_text="The person is deactivated at the start of this day (UTC).")
    note = models.CharField(max_length=300, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True, editable=False,
                                   help_text="When the scheduler deactivated the person.")

    history = tracked_history()

    class Meta:
        verbose_name = "planned leaving date"
        ordering = ("leaves_on", "id")
        indexes = [models.Index(fields=["leaves_on"], name="plv_due", condition=Q(is_deleted=False, done_at__isnull=True)),
                   models.Index(fields=["tenant_id", "leaves_on", "id"], condition=Q(is_deleted=False),
                                name="plv_tenant_list")]  # the admin list's order


class OffboardingCase(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "obc"
    directory_fields = {"person_id": PERSON, "manager_id": PERSON}
    title_format = Title("Offboarding of {person_id}")
    visibility = Visibility(sees_all=LIFECYCLE_STAFF)
    write_roles = ()  # the engine writes cases; people act on items
    outcome_fields = ("closed_at", "stop_reason", "evidence_attached_at", "overdue_at")

    person_id = models.CharField(max_length=64, editable=False)
    trigger = models.CharField(max_length=16, choices=CaseTrigger.choices, editable=False)
    triggered_by = models.CharField(max_length=64, blank=True, default="", editable=False,
                                    help_text="Who deactivated the person (a person, a SCIM token, the scheduler).")
    manager_id = models.CharField(max_length=64, null=True, blank=True, editable=False,
                                  help_text="The person's manager when they left: work and ownership fall back to them.")
    status = FSMField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN, protected=False)
    due_at = models.DateTimeField(editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    stop_reason = models.TextField(blank=True, default="", editable=False)
    evidence_attached_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(null=True, blank=True, editable=False,
                                      help_text="When the sweep found the case open past its due date (IT was told).")

    history = tracked_history()

    class Meta:
        verbose_name = "offboarding case"
        constraints = [models.UniqueConstraint(fields=["tenant_id", "person_id"], condition=Q(status="open"),
                                               name="uniq_open_offboarding_case")]
        indexes = [models.Index(fields=["tenant_id", "status", "due_at"], name="obc_tenant_status"),
                   models.Index(fields=["tenant_id", "person_id"], name="obc_tenant_person"),
                   models.Index(fields=["tenant_id", "-created_at", "id"], condition=Q(is_deleted=False),
                                name="obc_tenant_list"),  # the admin list's order
                   # rows naming the people a search finds
                   models.Index(fields=["tenant_id", "manager_id"], name="obc_tenant_manager")]

    @property
    def is_overdue(self) -> bool:
        """Open past its due date, or held up by an item that failed."""
        if self.status != CaseStatus.OPEN:
            return False
        failed = getattr(self, "has_failed_item", None)  # annotated by lists (one query, not one per row)
        if failed is None:
            failed = self.items.filter(status=ItemStatus.FAILED).exists()
        return self.due_at <= timezone.now() or failed

    @transition(field="status", source=CaseStatus.OPEN, target=CaseStatus.CLOSED, custom=ENGINE, event="closed")
    def close(self):
        self.closed_at = timezone.now()

    @transition(field="status", source=CaseStatus.OPEN, target=CaseStatus.STOPPED, custom=ENGINE, event="stopped")
    def stop(self, *, reason: str):
        self.closed_at = timezone.now()
        self.stop_reason = reason

    @staticmethod
    def due_from(opened, settings: LifecycleSettings):
        return opened + timedelta(days=settings.offboarding_due_days)


class OffboardingItem(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "obi"
    not_directory_fields = ("subject_id",)
    title_format = Title("{label}")
    visibility = Visibility(sees_all=LIFECYCLE_STAFF)
    write_roles = ()
    outcome_fields = ("done_by", "done_at", "confirmation", "last_error")

    case = models.ForeignKey(OffboardingCase, on_delete=models.CASCADE, related_name="items", editable=False)
    kind = models.CharField(max_length=24, choices=ItemKind.choices, editable=False)
    subject_type = models.CharField(max_length=64, editable=False, help_text="The record it stands for (model label).")
    subject_id = models.CharField(max_length=64, editable=False)
    label = models.CharField(max_length=300, editable=False, help_text="What the person held or had to do.")
    target = models.CharField(max_length=300, blank=True, default="", editable=False,
                              help_text="Where: the system and its reference, the queue, the new owner.")
    status = FSMField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING, protected=False)
    action_taken = models.CharField(max_length=300, blank=True, default="", editable=False)
    done_by = models.CharField(max_length=64, blank=True, default="", editable=False)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmation = models.CharField(max_length=500, blank=True, default="", editable=False,
                                    help_text="How the target confirmed it (a read-back, a closed task, a return).")
    attempts = models.PositiveIntegerField(default=0, editable=False)
    last_error = models.TextField(blank=True, default="", editable=False)

    history = tracked_history()

    class Meta:
        verbose_name = "offboarding item"
        ordering = ("case", "kind", "id")
        indexes = [models.Index(fields=["tenant_id", "subject_id", "status"], name="obi_tenant_subject"),
                   models.Index(fields=["case", "status"], name="obi_case_status"),
                   models.Index(fields=["tenant_id", "-created_at", "id"], condition=Q(is_deleted=False),
                                name="obi_tenant_list")]  # the admin list's order

    @transition(field="status", source=[ItemStatus.PENDING, ItemStatus.FAILED], target=ItemStatus.DONE,
                custom=ENGINE, event="done")
    def complete(self, *, by: str, action: str, confirmation: str = ""):
        self._done(by, action, confirmation)

    @transition(field="status", source=[ItemStatus.PENDING, ItemStatus.FAILED], target=ItemStatus.FAILED,
                custom=ENGINE, event="failed")
    def fail(self, *, error: str):
        self.attempts += 1
        self.last_error = error

    @transition(field="status", source=ItemStatus.PENDING, target=ItemStatus.FLAGGED, custom=ENGINE, event="flagged")
    def flag(self, *, reason: str):
        self.last_error = reason

    @transition(field="status", source=ItemStatus.FLAGGED, target=ItemStatus.DONE,
                custom={"roles": (), "reason": "action_taken",
                        "doc": "An admin settled a flagged item: body `comment` says what was done."}, event="resolved")
    def resolve(self, *, actor=None):
        self._done(getattr(actor, "person_id", ""), self.action_taken, "settled by an admin")

    @transition(field="status", source=[ItemStatus.PENDING, ItemStatus.FAILED, ItemStatus.FLAGGED],
                target=ItemStatus.CANCELLED, custom=ENGINE, event="cancelled")
    def cancel(self, *, reason: str):
        self.action_taken = reason

    def _done(self, by: str, action: str, confirmation: str) -> None:
        self.done_by, self.done_at = by, timezone.now()
        self.action_taken, self.confirmation = action[:300], confirmation[:500]
        self.last_error = ""


class BirthrightRule(TenantModel):
    """Access everyone in a directory group, or in a department, gets: requested and approved by the
    rule when they join (or enter the group), provisioned like any grant; revoked after the tenant's grace
    period once they no longer match (apps/lifecycle/movers.py)."""

    id_prefix = "brr"
    title_format = Title("{entitlement} for {group}{department}{location}")
    visibility = Visibility(sees_all=LIFECYCLE_STAFF + ("approver",))
    write_roles = ("it",)

    entitlement = models.ForeignKey("integration.Entitlement", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("directory.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              help_text="Everyone in this group; or leave empty and name a department.")
    department = models.CharField(max_length=200, blank=True, default="",
                                  help_text="Everyone whose directory department is exactly this.")
    location = models.CharField(max_length=200, blank=True, default="",
                                help_text="Everyone whose directory location is exactly this.")
    is_active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        verbose_name = "birthright rule"
        indexes = [models.Index(fields=["tenant_id", "is_active"], name="brr_tenant_active")]

    def clean(self):
        from django.core.exceptions import ValidationError

        if sum(map(bool, (self.group_id, self.department.strip(), self.location.strip()))) != 1:
            raise ValidationError({"group": "Name a group, a department or a location (one of them)."})
        # by query, not through the relation: an id that names nothing (or another tenant's row) is the same 400
        if self.tenant_id and self.entitlement_id and not type(self).entitlement.field.related_model.objects.filter(
                pk=self.entitlement_id, tenant_id=self.tenant_id).exists():
            raise ValidationError({"entitlement": "Unknown entitlement."})
        if self.tenant_id and self.group_id and not type(self).group.field.related_model.objects.filter(
                pk=self.group_id, tenant_id=self.tenant_id).exists():
            raise ValidationError({"group": "Unknown group."})


class OnboardingChecklist(TenantModel):
    """What a new member of a group gets opened for them automatically: an equipment request, HR
    requests, and policies to acknowledge (each a task in their queue)."""

    id_prefix = "obl"
    title_format = Title("Onboarding for {group}")
    json_shapes = {"hr_request_types": STRING_LIST}
    visibility = Visibility(sees_all=LIFECYCLE_STAFF)
    write_roles = LIFECYCLE_STAFF

    group = models.ForeignKey("directory.Group", on_delete=models.PROTECT, related_name="+")
    equipment_type = models.CharField(max_length=100, blank=True, default="", help_text="Empty: no equipment request.")
    equipment_specification = models.TextField(blank=True, default="")
    hr_request_types = models.JSONField(default=list, blank=True, help_text="HR requests to open (their types).")
    policies = models.ManyToManyField("policies.Policy", blank=True, related_name="+",
                                      help_text="Policies the newcomer must acknowledge.")
    is_active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        verbose_name = "onboarding checklist"

    def clean(self):
        from django.core.exceptions import ValidationError

        from apps.operations.choices import HRRequestType

        types = self.hr_request_types
        if not isinstance(types, list) or any(t not in HRRequestType.values for t in types):
            raise ValidationError({"hr_request_types": f"A list of: {', '.join(HRRequestType.values)}."})


class ScheduledRevoke(TenantModel):
    """A birthright grant the person no longer matches (they moved): handed to its connector when the
    grace period ends, unless they match again before."""

    id_prefix = "srv"
    directory_fields = {"person_id": PERSON}
    visibility = Visibility(sees_all=LIFECYCLE_STAFF)
    write_roles = ()

    grant = models.ForeignKey("operations.AccessRequest", on_delete=models.CASCADE, related_name="+", editable=False)
    person_id = models.CharField(max_length=64, editable=False)
    due_at = models.DateTimeField(editable=False)
    reason = models.CharField(max_length=300, editable=False)
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = tracked_history()

    class Meta:
        verbose_name = "scheduled revoke"
        ordering = ("due_at", "id")
        indexes = [models.Index(fields=["due_at"], name="srv_due",
                                condition=Q(handed_over_at__isnull=True, cancelled_at__isnull=True)),
                   models.Index(fields=["tenant_id", "due_at", "id"], condition=Q(is_deleted=False),
                                name="srv_tenant_list")]  # the admin list's order
