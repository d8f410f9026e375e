from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import FSMField

from apps.core.person_fields import GROUP, PERSON, PERSON_LIST, ChosenBy
from apps.core.field_policy import ADMIN, ANY_STATE, REQUESTER, STAFF, FieldPolicy, PersonIn, deletable, editable
from apps.core.fsm import ConcurrentTransitionMixin, Decisions, transition
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Summary, Title, date_span
from apps.core.visibility import Visibility

from .choices import (
    AccessStatus, AccessType, DeliverableType, EquipmentStatus, HRRequestType, HRStatus, PendingStatus,
    PrincipalType, ProvisioningOp, TravelStatus,
)

# Who may run which transition (admin always may). `sod`: never the requester.
DECIDE = {"roles": ("approver",), "sod": True}
# Refusals say why (apps.core.services keeps the comment in the named field).
REJECT = {**DECIDE, "reason": "rejection_reason"}
IT = {"roles": ("it",)}
IT_DECIDES = {"roles": ("it",), "sod": True}
HR = {"roles": ("hr",), "sod": True}
TRAVEL = {"roles": ("travel",)}
# Steps only the provisioning engine takes (apps/operations/provisioning.py), never a person or the API.
ENGINE = {"roles": (), "api": False}


def request_policy(open_state: str, content: tuple[str, ...], *, staff_later: tuple[str, ...] = ("tags",)) -> FieldPolicy:
    """A request's content is its requester's: it changes only while the request is still open (before
    anyone decided it), by its requester (or whoever filed it for them) or an admin; the staff who
    decide or deliver it keep to bookkeeping fields, never rewriting what they decide. The requester
    and other parties are set when it is filed and never change. Deleting: the open request by its
    requester or an admin; a decided one only by an admin (soft, and kept in the history)."""
    return FieldPolicy(
        editable(open_state, by=(REQUESTER, ADMIN), fields=content + ("tags", "source")),
        editable(ANY_STATE, by=(STAFF,), fields=staff_later),
        deletable(open_state, by=(REQUESTER, ADMIN)),
        deletable(ANY_STATE, by=(ADMIN,)),
    )
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def money(**kwargs):
    return models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE, **kwargs)


class RequestModel(ConcurrentTransitionMixin, TenantModel):
    """A request somebody (`requester_id`) makes and others decide on."""

    visibility = Visibility(mine=("created_by", "requester_id"))
    requester_field = "requester_id"

    requester_id = models.CharField(max_length=64, blank=True, help_text="Defaults to the caller; staff may file on someone's behalf.")

    class Meta:
        abstract = True


def connector_work_stalled(request) -> bool:
    """A removal (expiry, revoke) or a renewal's assertion the target kept refusing: the automatic retries
    are used up (no next attempt) and the target's error stands; only a person starts it again."""
    return bool(request.provisioning_op and request.provisioning_error and request.provisioning_next_attempt_at is None)


def by_hand(request) -> bool:
    """IT's own transitions may grant and end it: outside the catalog, or on a manual system (where a
    connector acts, only what the target confirms through the provisioning engine counts)."""
    return not request.through_connector()


def held_by(person_id: str) -> models.Q:
    """The grants a person holds: named as their principal, or requested for themselves (no principal)."""
    return (models.Q(principal_id=person_id) | models.Q(principal_id__isnull=True, requester_id=person_id)
            | models.Q(principal_id="", requester_id=person_id))


class AccessRequest(RequestModel):
    id_prefix = "acr"
    not_directory_fields = ("system_id", "asset_id")
    directory_fields = {
        "requester_id": PERSON,
        "approver_id": PERSON,
        "granted_by_id": PERSON,
        "principal_id": ChosenBy("principal_type", {"group": GROUP}, default=PERSON),
        "provisioned_members": PERSON_LIST,
    }
    # Written by the engine only, a whole group's worth: no 100-item cap as on lists people type.
    json_shapes = {"provisioned_members": {"type": "array", "items": {"type": "string"},
                                           "description": "Person ids the target confirmed."}}
    outcome_fields = ("approver_id", "approved_at", "rejection_reason", "granted_by_id", "provisioned_at",
                      "provisioned_members", "provisioning_note", "provisioning_error", "provisioning_next_attempt_at")
    title_format = Title("{system_name} · {grant} — {requester_id}", related=("entitlement__system",))
    summary_format = Summary(excerpt="justification", dates="expires_at")
    visibility = Visibility(sees_all=("approver", "it"), mine=("created_by", "requester_id", "principal_id"))
    party_fields = ("requester_id", "principal_id")
    decisions = Decisions(approve="approve", reject="reject")
    field_policy = request_policy(
        AccessStatus.PENDING, ("system_id", "access_type", "justification", "entitlement_type", "asset_id"),
        staff_later=("tags", "asset_id"))

    system_id = models.CharField(max_length=100, help_text="Target system, e.g. github, aws, slack.")
    access_type = models.CharField(max_length=16, choices=AccessType.choices)
    status = FSMField(max_length=24, choices=AccessStatus.choices, default=AccessStatus.PENDING, protected=False)
    justification = models.TextField()
    approver_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    provisioned_at = models.DateTimeField(null=True, blank=True, editable=False)
    asset_id = models.CharField(max_length=64, null=True, blank=True)
    principal_id = models.CharField(max_length=64, null=True, blank=True)
    principal_type = models.CharField(max_length=16, choices=PrincipalType.choices, null=True, blank=True)
    entitlement_type = models.CharField(max_length=100, blank=True, default="")
    # The catalog entitlement asked for; filing fills system_id, entitlement_type and asset_id from it.
    entitlement = models.ForeignKey("integration.Entitlement", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    granted_at = models.DateTimeField(null=True, blank=True, editable=False)
    granted_by_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, default="", editable=False)
    provisioning_note = models.TextField(blank=True, default="", editable=False,
                                         help_text="What IT granted: account, group, licence.")
    # The connector lifecycle (apps/operations/provisioning.py): what the target still owes (a grant, or the
    # removal of an expired or revoked one), the target's last error, attempts and when the next one is due.
    provisioning_op = models.CharField(max_length=8, choices=ProvisioningOp.choices, blank=True, default="",
                                       editable=False)
    provisioning_error = models.TextField(blank=True, default="", editable=False,
                                          help_text="The target's answer when the connector last failed.")
    provisioning_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    provisioning_next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A group principal's grant: the people the connector confirmed holding it through this grant (the
    # group's members when it last ran), so a member who leaves is removed and no one else is.
    provisioned_members = models.JSONField(default=list, blank=True, editable=False,
                                           help_text="A group's grant: the members the target confirmed.")

    history = tracked_history()

    @property
    def system_name(self) -> str:
        """The system by its name: the catalog system's (system_id then holds its id), else the name typed."""
        return self.entitlement.system.name if self.entitlement_id else self.system_id

    @property
    def grant(self) -> str:
        """What is asked on the system: the entitlement, else the kind of request."""
        return self.entitlement_type or self.get_access_type_display()

    class Meta:
        indexes = [
            models.Index(fields=["tenant_id", "id"], name="acr_tenant_page", condition=models.Q(is_deleted=False)),
            models.Index(fields=["tenant_id", "status", "id"], name="acr_tenant_status"),
            models.Index(fields=["tenant_id", "created_at"], name="acr_tenant_created",
                         condition=models.Q(is_deleted=False)),
            models.Index(fields=["tenant_id", "requester_id"], name="acr_tenant_requester"),
            models.Index(fields=["tenant_id", "created_by"], name="acr_tenant_creator"),
            models.Index(fields=["tenant_id", "principal_id"], name="acr_tenant_principal"),
            # rows naming the people a search finds
            models.Index(fields=["tenant_id", "approver_id"], name="acr_tenant_approver"),
            models.Index(fields=["tenant_id", "granted_by_id"], name="acr_tenant_granter"),
            models.Index(fields=["status", "expires_at"], name="acr_status_expiry"),
            models.Index(fields=["provisioning_next_attempt_at"], name="acr_provisioning_due",
                         condition=models.Q(provisioning_next_attempt_at__isnull=False)),
        ]

    def in_catalog(self) -> bool:
        """A catalog request: the provisioning engine grants and revokes it (its system's connector, or
        for a manual system a task for the owner). Requests outside the catalog are IT's by hand."""
        return self.entitlement_id is not None

    def through_connector(self) -> bool:
        """A connector acts on the target: only what it confirms counts as granted or removed."""
        return self.entitlement_id is not None and self.entitlement.system.connector_id is not None

    @transition(field="status", source=AccessStatus.PENDING, target=AccessStatus.APPROVED, custom=DECIDE, event="approved")
    def approve(self, *, actor):
        self.approver_id = actor.person_id
        self.approved_at = timezone.now()

    @transition(field="status", source=AccessStatus.PENDING, target=AccessStatus.REJECTED, custom=REJECT, event="rejected")
    def reject(self, *, actor):
        self.approver_id = actor.person_id

    @transition(field="status", source=AccessStatus.APPROVED, target=AccessStatus.PROVISIONED,
                conditions=[by_hand],
                custom={**IT_DECIDES, "doc": "Optional body `expires_at` makes the grant time-bound; `comment` says "
                        "what was granted (kept as `provisioning_note`)."}, event="provisioned")
    def provision(self, *, actor, expires_at=None, comment: str = ""):
        now = timezone.now()
        self.provisioning_note = comment.strip()
        self.provisioned_at = self.granted_at = now
        self.granted_by_id = actor.person_id
        if expires_at is not None:
            self.expires_at = expires_at

    @transition(field="status", source=[AccessStatus.APPROVED, AccessStatus.PROVISIONING_FAILED],
                target=AccessStatus.PROVISIONING, custom=ENGINE, event="provisioning_started")
    def start_provisioning(self, *, lease_until):
        self.provisioning_op = ProvisioningOp.REVOKE if self.access_type == AccessType.REVOKE else ProvisioningOp.GRANT
        self.provisioning_attempts += 1
        self.provisioning_next_attempt_at = lease_until  # a worker killed mid-call is resumed from then on

    @transition(field="status", source=AccessStatus.PROVISIONING, target=AccessStatus.PROVISIONED, custom=ENGINE,
                event="provisioning_succeeded")
    def confirm_provisioning(self, *, actor, note: str = ""):
        """The target confirmed it (read back with `verify`): the connector (or the person who closed
        the manual task) is who granted it."""
        self.provisioned_at = self.granted_at = timezone.now()
        self.granted_by_id = actor.person_id
        self.provisioning_note = note or self.provisioning_note
        self.provisioning_op, self.provisioning_error, self.provisioning_next_attempt_at = "", "", None

    @transition(field="status", source=AccessStatus.PROVISIONING, target=AccessStatus.PROVISIONING_FAILED,
                custom=ENGINE, event="provisioning_failed")
    def fail_provisioning(self, *, error: str, retry_at=None):
        self.provisioning_error = error
        self.provisioning_next_attempt_at = retry_at  # None: no automatic retry, IT decides

    @transition(field="status", source=AccessStatus.PROVISIONING_FAILED, target=AccessStatus.APPROVED,
                custom={**IT, "doc": "Tries the grant again now, with a fresh count of automatic retries."},
                event="provisioning_retried")
    def retry_provisioning(self):
        self.provisioning_attempts = 0
        self.provisioning_next_attempt_at = None

    @transition(field="status", source=AccessStatus.PROVISIONING_FAILED, target=AccessStatus.PROVISIONED,
                custom={**IT_DECIDES, "reason": "provisioning_note",
                        "doc": "IT granted it by hand in the target: body `comment` says what was done."},
                event="provisioned_manually")
    def mark_manual(self, *, actor):
        self.provisioned_at = self.granted_at = timezone.now()
        self.granted_by_id = actor.person_id
        self.provisioning_op, self.provisioning_next_attempt_at = "", None

    @transition(field="status", source=AccessStatus.PROVISIONED, target=AccessStatus.PROVISIONED,
                conditions=[connector_work_stalled],
                custom={**IT, "doc": "A removal or a renewal the target kept refusing, after its automatic retries: "
                        "tries it again now, with a fresh count of retries."}, event="connector_work_retried")
    def retry_connector_work(self):
        self.provisioning_attempts = 0

    @transition(field="status", source=AccessStatus.PROVISIONED, target=AccessStatus.PROVISIONED,
                custom={"roles": ("it", "approver"), "sod": True,
                        "doc": "Extends a time-bound grant: body `expires_at` (later than now)."}, event="renewed")
    def renew(self, *, expires_at):
        from .catalog_filing import check_duration  # the catalog's maximum binds a renewal too

        check_duration(request=self, expires_at=expires_at)
        self.expires_at = expires_at

    @transition(field="status", source=AccessStatus.PROVISIONED, target=AccessStatus.COMPLETED, custom=IT,
                conditions=[by_hand], event="completed")
    def complete(self):
        pass

    @transition(field="status", source=AccessStatus.PROVISIONED, target=AccessStatus.COMPLETED,
                custom={"roles": (), "api": False}, conditions=[by_hand], event="expired")
    def expire(self):
        pass

    @transition(field="status", source=AccessStatus.PROVISIONED, target=AccessStatus.COMPLETED, custom=ENGINE,
                event="revoked")
    def confirm_revoked(self):
        """The target confirmed the access is gone (an expiry, or an approved revoke request)."""
        self.provisioning_op, self.provisioning_error, self.provisioning_next_attempt_at = "", "", None

    def clean(self):
        if self.access_type == AccessType.REVOKE and not (self.principal_id and self.entitlement_type):
            raise ValidationError({"principal_id": "A revoke request names the grant: principal_id, system_id and entitlement_type."})


class HRRequest(RequestModel):
    id_prefix = "hrr"
    directory_fields = {"requester_id": PERSON}
    outcome_fields = ("fulfilled_by", "fulfilled_at", "fulfilment_note", "rejection_reason")
    title_format = Title("{type} for {requester_id}")
    summary_format = Summary(excerpt="description")
    visibility = Visibility(sees_all=("hr",))
    decisions = Decisions(approve="start", reject="reject")
    field_policy = request_policy(HRStatus.PENDING, ("type", "description", "deliverable_type"))

    type = models.CharField(max_length=32, choices=HRRequestType.choices)
    status = FSMField(max_length=16, choices=HRStatus.choices, default=HRStatus.PENDING, protected=False)
    description = models.TextField()
    deliverable_type = models.CharField(max_length=16, choices=DeliverableType.choices, null=True, blank=True)
    deliverable_url = models.URLField(max_length=1000, blank=True, default="")
    fulfilled_by = models.CharField(max_length=64, null=True, blank=True, editable=False)
    fulfilled_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejection_reason = models.TextField(blank=True, default="", editable=False)
    fulfilment_note = models.TextField(blank=True, default="", editable=False,
                                       help_text="What HR delivered, as the requester reads it.")

    history = tracked_history()

    class Meta:
        verbose_name = "HR request"
        indexes = [
            models.Index(fields=["tenant_id", "status"], name="hrr_tenant_status"),
            # a member's own rows (apps/core/visibility.py: one indexed branch per ownership column)
            models.Index(fields=["tenant_id", "created_by"], name="hrr_tenant_creator"),
            models.Index(fields=["tenant_id", "requester_id"], name="hrr_tenant_requester"),
            # the admin's date hierarchy (MIN/MAX of the rows shown)
            models.Index(fields=["tenant_id", "created_at"], name="hrr_tenant_created", condition=models.Q(is_deleted=False)),
        ]

    @transition(field="status", source=HRStatus.PENDING, target=HRStatus.IN_PROGRESS, custom=HR, event="started")
    def start(self):
        pass

    @transition(field="status", source=[HRStatus.PENDING, HRStatus.IN_PROGRESS], target=HRStatus.COMPLETED,
                custom={**HR, "doc": "Body `deliverable_url` is required for digital deliverables; `comment` "
                        "is kept as the `fulfilment_note` the requester reads."}, event="fulfilled")
    def fulfill(self, *, actor, deliverable_url: str = "", comment: str = ""):
        self.fulfilment_note = comment.strip()
        if deliverable_url:
            self.deliverable_url = deliverable_url
        if self.deliverable_type == DeliverableType.DIGITAL and not self.deliverable_url:
            raise ValidationError({"deliverable_url": "A digital deliverable needs its URL."})
        self.fulfilled_by = actor.person_id
        self.fulfilled_at = timezone.now()

    @transition(field="status", source=[HRStatus.PENDING, HRStatus.IN_PROGRESS], target=HRStatus.REJECTED,
                custom={**HR, "reason": "rejection_reason", "doc": "Body `reason` (or `comment`) says why."}, event="rejected")
    def reject(self):
        pass


class Equipment(RequestModel):
    id_prefix = "eqp"
    directory_fields = {"requester_id": PERSON, "approver_id": PERSON}
    outcome_fields = ("approver_id", "ordered_at", "delivered_at")
    title_format = Title("{equipment_type} for {requester_id}")
    summary_format = Summary(excerpt="specification", amount="cost")
    visibility = Visibility(sees_all=("approver", "it"))
    decisions = Decisions(approve="approve")  # equipment has no rejected state
    field_policy = request_policy(EquipmentStatus.REQUESTED, ("equipment_type", "specification"),
                                  staff_later=("tags", "cost"))

    equipment_type = models.CharField(max_length=100)
    specification = models.TextField()
    status = FSMField(max_length=16, choices=EquipmentStatus.choices, default=EquipmentStatus.REQUESTED, protected=False)
    approver_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    ordered_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    cost = money()

    history = tracked_history()

    class Meta:
        verbose_name_plural = "equipment"
        indexes = [
            models.Index(fields=["tenant_id", "status"], name="eqp_tenant_status"),
            # a member's own rows (apps/core/visibility.py: one indexed branch per ownership column)
            models.Index(fields=["tenant_id", "created_by"], name="eqp_tenant_creator"),
            models.Index(fields=["tenant_id", "requester_id"], name="eqp_tenant_requester"),
            # rows naming the people a search finds
            models.Index(fields=["tenant_id", "approver_id"], name="eqp_tenant_approver"),
            # the admin's date hierarchy (MIN/MAX of the rows shown)
            models.Index(fields=["tenant_id", "created_at"], name="eqp_tenant_created", condition=models.Q(is_deleted=False)),
        ]

    @transition(field="status", source=EquipmentStatus.REQUESTED, target=EquipmentStatus.APPROVED, custom=DECIDE, event="approved")
    def approve(self, *, actor):
        self.approver_id = actor.person_id

    @transition(field="status", source=EquipmentStatus.APPROVED, target=EquipmentStatus.ORDERED,
                custom={**IT_DECIDES, "doc": "Places the order; optional body `cost`."}, event="provisioned")
    def provision(self, *, cost=None):
        self.ordered_at = timezone.now()
        if cost is not None:
            self.cost = cost

    @transition(field="status", source=EquipmentStatus.ORDERED, target=EquipmentStatus.SHIPPED, custom=IT, event="shipped")
    def ship(self):
        pass

    @transition(field="status", source=EquipmentStatus.SHIPPED, target=EquipmentStatus.DELIVERED, custom=IT, event="delivered")
    def deliver(self):
        self.delivered_at = timezone.now()

    @transition(field="status", source=EquipmentStatus.DELIVERED, target=EquipmentStatus.RETURNED,
                custom={**IT, "requester_may": True, "action": "return"}, event="returned")
    def return_(self):
        pass


class Travel(RequestModel):
    id_prefix = "trv"
    directory_fields = {"requester_id": PERSON, "approver_id": PERSON}
    outcome_fields = ("approver_id", "booked_at", "booking_reference", "booked_cost", "cancellation_reason")
    title_format = Title("{destination}, {trip_dates} — {requester_id}")
    summary_format = Summary(excerpt="purpose", amount="estimated_cost", dates="trip_dates")
    visibility = Visibility(sees_all=("approver", "travel"))
    decisions = Decisions(approve="approve", reject="cancel")
    field_policy = request_policy(
        TravelStatus.REQUESTED, ("purpose", "destination", "departure_at", "return_at", "estimated_cost"))

    purpose = models.TextField()
    destination = models.CharField(max_length=200)
    departure_at = models.DateTimeField()
    return_at = models.DateTimeField()
    status = FSMField(max_length=16, choices=TravelStatus.choices, default=TravelStatus.REQUESTED, protected=False)
    approver_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    booked_at = models.DateTimeField(null=True, blank=True, editable=False)
    estimated_cost = money()
    actual_cost = money()
    booking_reference = models.CharField(max_length=100, blank=True, default="", editable=False,
                                         help_text="The agency's or carrier's reference, set when booked.")
    booked_cost = money(editable=False, help_text="What the booking cost, set when booked.")
    cancellation_reason = models.TextField(blank=True, default="", editable=False)

    history = tracked_history()

    class Meta:
        verbose_name_plural = "travel"
        indexes = [
            models.Index(fields=["tenant_id", "status"], name="trv_tenant_status"),
            # a member's own rows (apps/core/visibility.py: one indexed branch per ownership column)
            models.Index(fields=["tenant_id", "created_by"], name="trv_tenant_creator"),
            models.Index(fields=["tenant_id", "requester_id"], name="trv_tenant_requester"),
            # rows naming the people a search finds
            models.Index(fields=["tenant_id", "approver_id"], name="trv_tenant_approver"),
            # the admin's date hierarchy (MIN/MAX of the rows shown)
            models.Index(fields=["tenant_id", "created_at"], name="trv_tenant_created", condition=models.Q(is_deleted=False)),
        ]

    @property
    def trip_dates(self) -> str:
        return date_span(self.departure_at, self.return_at)

    def clean(self):
        if self.departure_at and self.return_at and self.return_at <= self.departure_at:
            raise ValidationError({"return_at": "Must be after departure_at."})

    @transition(field="status", source=TravelStatus.REQUESTED, target=TravelStatus.APPROVED, custom=DECIDE, event="approved")
    def approve(self, *, actor):
        self.approver_id = actor.person_id

    @transition(field="status", source=TravelStatus.APPROVED, target=TravelStatus.BOOKED,
                custom={**TRAVEL, "sod": True, "doc": "Body `booking_reference` and `booked_cost` (both required)."},
                event="booked")
    def book(self, *, booking_reference: str, booked_cost):
        errors = {}
        if not str(booking_reference or "").strip():
            errors["booking_reference"] = "Give the booking reference."
        if booked_cost in (None, ""):
            errors["booked_cost"] = "Give what the booking cost."
        if errors:
            raise ValidationError(errors)
        self.booking_reference = str(booking_reference).strip()
        self.booked_cost = booked_cost
        self.booked_at = timezone.now()

    @transition(field="status", source=TravelStatus.BOOKED, target=TravelStatus.COMPLETED,
                custom={**TRAVEL, "requester_may": True, "doc": "Optional body `actual_cost`."}, event="completed")
    def complete(self, *, actual_cost=None):
        if actual_cost is not None:
            self.actual_cost = actual_cost

    @transition(field="status", source=[TravelStatus.REQUESTED, TravelStatus.APPROVED, TravelStatus.BOOKED],
                target=TravelStatus.CANCELLED, custom={"roles": ("approver", "travel"), "requester_may": True,
                                                       "reason": "cancellation_reason"}, event="cancelled")
    def cancel(self):
        pass


def _not_engine_owned(item) -> bool:
    return item.type != ENGINE_OWNED_TYPE


def _engine_runs_it(item, actor) -> str | None:
    if not _not_engine_owned(item):
        return "This queue item belongs to the approvals engine: decide the approval step instead."
    return None


ENGINE_OWNED_TYPE = "approval"
QUEUE = {"roles": None, "check": _engine_runs_it}


class Pending(ConcurrentTransitionMixin, TenantModel):
    """The work queue: one item per thing somebody has to do (approvals put theirs here)."""

    id_prefix = "pnd"
    not_directory_fields = ("source_id", "entity_id")
    directory_fields = {"assignee_id": PERSON, "requested_by_id": PERSON}
    outcome_fields = ("blocked_reason",)
    title_format = Title("{title}", fallback="Queue item")
    visibility = Visibility(mine=("created_by", "assignee_id", "requested_by_id"))
    # Approval items are the engine's: it creates, reassigns and completes them; nobody edits them.
    field_policy = FieldPolicy(
        editable(ANY_STATE, by=(REQUESTER, ADMIN, PersonIn("assignee_id")), when=_not_engine_owned,
                 fields=("type", "source_id", "priority", "assignee_id", "due_at", "title", "entity_type",
                         "entity_id", "requested_by_id", "description", "current_step_index", "total_steps",
                         "completed_at", "tags", "source")),
        deletable(ANY_STATE, by=(REQUESTER, ADMIN), when=_not_engine_owned),
    )

    type = models.CharField(max_length=64, help_text="approval, task, review, …")
    source_id = models.CharField(max_length=64, help_text="Id of the record this item stands for.")
    status = FSMField(max_length=16, choices=PendingStatus.choices, default=PendingStatus.QUEUED, protected=False)
    priority = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(5)])
    assignee_id = models.CharField(max_length=64, null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True, default="")
    entity_type = models.CharField(max_length=64, blank=True, default="")
    entity_id = models.CharField(max_length=64, null=True, blank=True)
    requested_by_id = models.CharField(max_length=64, null=True, blank=True)
    description = models.TextField(blank=True, default="")
    current_step_index = models.PositiveIntegerField(null=True, blank=True)
    total_steps = models.PositiveIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    blocked_reason = models.TextField(blank=True, default="", editable=False)

    history = tracked_history()

    class Meta:
        verbose_name = "pending item"
        indexes = [
            models.Index(fields=["tenant_id", "assignee_id", "status"], name="pnd_tenant_assignee_status"),
            models.Index(fields=["tenant_id", "source_id"], name="pnd_tenant_source"),
            # a member's own rows (apps/core/visibility.py: one indexed branch per ownership column)
            models.Index(fields=["tenant_id", "created_by"], name="pnd_tenant_creator"),
            models.Index(fields=["tenant_id", "requested_by_id"], name="pnd_tenant_requester"),
            # the admin list's order (its ordering, then -pk) and its date hierarchy
            models.Index(fields=["tenant_id", "priority", "due_at", "-id"], name="pnd_tenant_order",
                         condition=models.Q(is_deleted=False)),
            models.Index(fields=["tenant_id", "created_at"], name="pnd_tenant_created", condition=models.Q(is_deleted=False)),
        ]

    @transition(field="status", source=[PendingStatus.QUEUED, PendingStatus.BLOCKED], target=PendingStatus.PROCESSING,
                custom=QUEUE, event="started")
    def start(self):
        pass

    @transition(field="status", source=[PendingStatus.QUEUED, PendingStatus.PROCESSING], target=PendingStatus.BLOCKED,
                custom={**QUEUE, "reason": "blocked_reason"}, event="blocked")
    def block(self):
        pass

    @transition(field="status", source=[PendingStatus.QUEUED, PendingStatus.PROCESSING, PendingStatus.BLOCKED],
                target=PendingStatus.COMPLETED, custom=QUEUE, event="completed")
    def complete(self):
        self.completed_at = timezone.now()
