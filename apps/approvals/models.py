from django.db import models
from django.utils import timezone
from django_fsm import FSMField

from apps.core.allowed import OneOf
from apps.core.person_fields import APPROVER_LIST, PERSON
from apps.core.field_policy import ANY_STATE, REQUESTER, STAFF, FieldPolicy, deletable, editable
from apps.core.fsm import ConcurrentTransitionMixin, transition
from apps.core.json_shapes import STRING_LIST
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Title
from apps.core.visibility import Visibility
from apps.core.parties import decision_parties

from .choices import Decision, RequestStatus, RouteSource, StepStatus
from .outcomes import chain_entity_types, target_model

INTERNAL = {"roles": (), "api": False}
REQUESTER_OR_ADMIN = {"roles": (), "requester_may": True}


class ApprovalChain(TenantModel):
    """The tenant's default approvers for one entity type (configured in the admin)."""

    id_prefix = "apc"
    directory_fields = {"approver_ids": APPROVER_LIST}
    json_shapes = {"approver_ids": STRING_LIST}
    visibility = Visibility(sees_all=("approver",))
    write_roles = ()

    name = models.CharField(max_length=200)
    entity_type = models.CharField(max_length=64, validators=[OneOf(chain_entity_types)],
                                   help_text="The kind of record whose filing starts this chain.")
    approver_ids = models.JSONField(default=list, help_text=(
        "Ordered approvers, one sequential step each: a person, a group (any active member may decide), "
        "\"manager\" (the requester's manager in the directory) or \"owner\" (the owner of the catalog "
        "entitlement asked for, else its system's)."))
    due_in_hours = models.PositiveIntegerField(null=True, blank=True, help_text="Deadline after submission.")
    is_active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        indexes = [models.Index(fields=["tenant_id", "entity_type"], name="apc_tenant_entity")]

    def __str__(self) -> str:
        return f"{self.name} ({self.entity_type})"


from .rules import ApprovalRule  # noqa: E402  (a model of this app: it names ApprovalChain)


class ApprovalRequest(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "apr"
    not_directory_fields = ("entity_id",)
    directory_fields = {"requested_by_id": PERSON, "approver_ids": APPROVER_LIST}
    outcome_fields = ("completed_at", "cancellation_reason")
    event_entity = "request"
    visibility = Visibility(sees_all=("approver",), mine=(
        "created_by", "requested_by_id", "steps__approver_id", "steps__delegated_to_id",
        "steps__approver_group__members__id"))
    requester_field = "requested_by_id"
    field_aliases = {"requester_id": "requested_by_id"}
    # What is asked and of whom is fixed once submitted; the record it decides never changes.
    field_policy = FieldPolicy(
        editable(RequestStatus.DRAFT, by=(REQUESTER, STAFF), fields=("title", "description", "due_at", "tags", "source")),
        editable(ANY_STATE, by=(STAFF,), fields=("tags",)),
        deletable(RequestStatus.DRAFT, by=(REQUESTER, STAFF)),
    )

    entity_type = models.CharField(max_length=64, blank=True, default="")
    entity_id = models.CharField(max_length=64, null=True, blank=True)
    requested_by_id = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    status = FSMField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT, protected=False)
    current_step_index = models.PositiveIntegerField(default=0, editable=False)
    total_steps = models.PositiveIntegerField(default=0, editable=False)
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(blank=True, default="", editable=False)
    # How its approvers were chosen: which routing rule picked the chain, the entitlement's own
    # chain, the default chain of the record's type, or the approvers given when it was made.
    routed_by = models.CharField(max_length=16, choices=RouteSource.choices, blank=True, default="", editable=False)
    rule = models.ForeignKey(ApprovalRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             editable=False, help_text="The routing rule that picked the chain.")
    chain = models.ForeignKey(ApprovalChain, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              editable=False, help_text="The chain its steps were made from.")

    history = tracked_history()

    class Meta:
        indexes = [
            models.Index(fields=["tenant_id", "status"], name="apr_tenant_status"),
            models.Index(fields=["status", "due_at"], name="apr_status_due"),
            # the sweep's reminders: only the pending requests not reminded yet (an empty pass reads nothing)
            models.Index(fields=["due_at"], name="apr_remind_due",
                         condition=models.Q(status="pending", reminded_at__isnull=True, is_deleted=False)),
            models.Index(fields=["tenant_id", "entity_id"], name="apr_tenant_entity"),
            # a member's own rows (apps/core/visibility.py: one indexed branch per ownership column)
            models.Index(fields=["tenant_id", "created_by"], name="apr_tenant_creator"),
            models.Index(fields=["tenant_id", "requested_by_id"], name="apr_tenant_requester"),
            # the admin's date hierarchy (MIN/MAX of the rows shown)
            models.Index(fields=["tenant_id", "created_at"], name="apr_tenant_created", condition=models.Q(is_deleted=False)),
        ]

    def target(self):
        """The record of this project the request decides (None for a free-form request)."""
        model = target_model(self.entity_type)
        if model is None or not self.entity_id:
            return None
        return model.objects.filter(tenant_id=self.tenant_id, pk=self.entity_id).first()

    def parties(self) -> set[str]:
        """Who may not decide any of its steps: its requester and creator, and the record's parties."""
        parties = set(decision_parties(self))
        target = self.target()
        if target is not None:
            parties |= decision_parties(target)
        return parties

    @transition(field="status", source=RequestStatus.DRAFT, target=RequestStatus.PENDING,
                custom={**REQUESTER_OR_ADMIN, "doc": "Activates step 0 and queues it for its approver."}, event="submitted")
    def submit(self):
        pass

    @transition(field="status", source=[RequestStatus.DRAFT, RequestStatus.PENDING], target=RequestStatus.CANCELLED,
                custom={**REQUESTER_OR_ADMIN, "reason": "cancellation_reason",
                        "doc": "By the requester or an admin, saying why (`comment`); open steps are skipped."},
                event="cancelled")
    def cancel(self):
        self.completed_at = timezone.now()

    @transition(field="status", source=RequestStatus.PENDING, target=RequestStatus.APPROVED, custom=INTERNAL, event="approved")
    def approve(self):
        self.completed_at = timezone.now()

    @transition(field="status", source=RequestStatus.PENDING, target=RequestStatus.REJECTED, custom=INTERNAL, event="rejected")
    def reject(self):
        self.completed_at = timezone.now()

    @transition(field="status", source=RequestStatus.PENDING, target=RequestStatus.EXPIRED, custom=INTERNAL, event="expired")
    def expire(self):
        self.completed_at = timezone.now()


SOD = "Segregation of duties: you cannot decide a request you made or a record you are a party to."


def _decider_only(step, actor) -> str | None:
    if actor.person_id in step.approval_request.parties():
        return SOD
    if not step.may_decide(actor.person_id):
        if step.approver_group_id and not step.delegated:
            return "Only an active member of this step's group (or its delegate, once delegated) can decide it."
        return "Only this step's approver (or its delegate, once delegated) can decide it."
    return None


def _decider_or_admin_reassigning(step, actor) -> str | None:
    """Delegating is the decider's; an admin may hand on a step nobody can decide any more (its
    decider deactivated, its group without an active member): the dashboard's "needs reassignment"."""
    reason = _decider_only(step, actor)
    if reason is None or reason == SOD or not actor.has_role("admin") or not step.needs_reassignment():
        return reason
    return None


DECIDER = {"roles": None, "check": _decider_only}


class ApprovalStep(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "aps"
    directory_fields = {"approver_id": PERSON, "delegated_to_id": PERSON}
    title_format = Title("{request_title} — {step_of}")
    event_entity = "step"
    everyones_work = True  # a group step is decided by any member, whatever their roles
    visibility = Visibility(sees_all=("approver",), mine=(
        "approver_id", "delegated_to_id", "approval_request__requested_by_id", "approver_group__members__id"))
    field_aliases = {"request_id": "approval_request_id"}

    approval_request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps", editable=False)
    step_index = models.PositiveIntegerField(editable=False)
    approver_id = models.CharField(max_length=64, blank=True, editable=False, help_text=(
        "The person deciding; on a group step, empty until a member decides or delegates it."))
    approver_group = models.ForeignKey("directory.Group", null=True, blank=True, on_delete=models.DO_NOTHING,
                                       db_constraint=False, related_name="+", editable=False,
                                       help_text="A group step: any active member who is not a party may decide.")
    status = FSMField(max_length=16, choices=StepStatus.choices, default=StepStatus.WAITING, protected=False)
    decision = models.CharField(max_length=16, choices=Decision.choices, null=True, blank=True, editable=False)
    comment = models.TextField(blank=True, default="", editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    delegated_to_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    delegated = models.BooleanField(default=False, editable=False)

    history = tracked_history()

    class Meta:
        ordering = ("step_index",)
        constraints = [models.UniqueConstraint(fields=["approval_request", "step_index"], name="uniq_step_index")]
        indexes = [
            models.Index(fields=["tenant_id", "approver_id", "status"], name="aps_tenant_approver"),
            models.Index(fields=["tenant_id", "delegated_to_id", "status"], name="aps_tenant_delegate"),
            models.Index(fields=["tenant_id", "approver_group", "status"], name="aps_tenant_group"),
            # the admin list's order (its ordering, then -pk)
            models.Index(fields=["tenant_id", "step_index", "-id"], name="aps_tenant_order", condition=models.Q(is_deleted=False)),
        ]

    @property
    def step_of(self) -> str:
        return f"step {self.step_index + 1} of {self.approval_request.total_steps}"

    @property
    def request_title(self) -> str:
        return self.approval_request.title

    @property
    def decider_id(self) -> str:
        """The one person deciding (the delegate, else the approver); empty on an open group step."""
        return self.delegated_to_id if self.delegated else self.approver_id

    @property
    def is_group_step(self) -> bool:
        """Decided by any eligible member of its group (until it is delegated or taken)."""
        return bool(self.approver_group_id) and not self.delegated and not self.approver_id

    def eligible_deciders(self) -> list[str]:
        """Who may decide it now: the decider, or on a group step its active members who are not parties."""
        from .deciders import group_deciders

        if not self.is_group_step:
            return [self.decider_id] if self.decider_id else []
        return group_deciders(self.tenant_id, self.approver_group_id, self.approval_request.parties())

    def may_decide(self, person_id: str) -> bool:
        if not self.is_group_step:
            return bool(person_id) and person_id == self.decider_id
        from .deciders import is_active_member

        return is_active_member(self.tenant_id, self.approver_group_id, person_id)

    def needs_reassignment(self) -> bool:
        from .deciders import needs_reassignment

        return needs_reassignment(self)

    def _take(self, actor) -> None:
        """A group member acting on a group step becomes its approver (who decided stays on the step)."""
        if self.is_group_step and actor is not None and self.may_decide(actor.person_id):
            self.approver_id = actor.person_id

    @property
    def requester_person_id(self) -> str | None:
        return self.approval_request.requested_by_id

    @transition(field="status", source=StepStatus.WAITING, target=StepStatus.PENDING, custom=INTERNAL, event="activated")
    def activate(self):
        pass

    @transition(field="status", source=[StepStatus.PENDING, StepStatus.DELEGATED], target=StepStatus.APPROVED, custom=DECIDER, event="approved")
    def approve(self, *, actor=None, comment: str = ""):
        self._take(actor)
        self._decide(Decision.APPROVED, comment)

    @transition(field="status", source=[StepStatus.PENDING, StepStatus.DELEGATED], target=StepStatus.REJECTED,
                custom={**DECIDER, "reason": "comment"}, event="rejected")
    def reject(self, *, actor=None, comment: str = ""):
        self._take(actor)
        self._decide(Decision.REJECTED, comment)

    @transition(field="status", source=[StepStatus.PENDING, StepStatus.DELEGATED], target=StepStatus.DELEGATED,
                custom={**DECIDER, "check": _decider_or_admin_reassigning,
                        "doc": "Body `delegated_to_id`: only the delegate can decide afterwards. An admin may "
                               "reassign a step whose decider is no longer active."}, event="delegated")
    def delegate(self, *, actor=None, delegated_to_id: str):
        self._take(actor)
        self.delegated_to_id = delegated_to_id
        self.delegated = True

    @transition(field="status", source=StepStatus.WAITING, target=StepStatus.WAITING, custom=INTERNAL, event="rerouted")
    def reroute(self, *, delegated_to_id: str):
        """A step not active yet whose decider cannot take it (they left): it is delegated ahead, so the
        delegate is queued (and told) when it activates."""
        self.delegated_to_id = delegated_to_id
        self.delegated = True

    @transition(field="status", source=[StepStatus.WAITING, StepStatus.PENDING, StepStatus.DELEGATED],
                target=StepStatus.SKIPPED, custom=INTERNAL, event="skipped")
    def skip(self):
        pass

    def _decide(self, decision: str, comment: str) -> None:
        self.decision = decision
        self.comment = comment
        self.decided_at = timezone.now()
