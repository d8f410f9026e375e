"""Access reviews (certification campaigns): a campaign over active grants (provisioned catalog access
requests) chosen by system, entitlement, risk or group; one item per grant, decided keep or revoke by a
reviewer who is neither the holder nor someone who approved that access lately (rules.py).

Progress is data (`ReviewTally`, one row per reviewer and per system of a campaign, moved in the
transaction of each decision), so the progress page reads a bounded number of rows however many items
the campaign holds.
"""
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField

from apps.core.person_fields import PERSON
from apps.core.field_policy import ADMIN, STAFF, FieldPolicy, deletable, editable
from apps.core.fsm import ConcurrentTransitionMixin, transition
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Title
from apps.core.visibility import Visibility
from apps.integration.choices import Risk

from .choices import CampaignStatus, ItemStatus, ReviewerRule, RevokeState, RoutedBecause, UnansweredRule

GOVERNANCE = {"roles": ("it",)}
SCOPE = ("name", "description", "owner_id", "reviewer_rule", "unanswered_rule", "system", "entitlement", "min_risk",
         "group", "due_at", "remind_days_before", "escalate_days_before")
RISK_ORDER = [Risk.LOW, Risk.MEDIUM, Risk.HIGH, Risk.CRITICAL]


class ReviewSettings(TenantModel):
    """One row per tenant: how access reviews treat revokes and recent approvers."""

    id_prefix = "rvs"
    write_roles = ()
    visibility = Visibility(mine=())  # admins only

    revoke_at_once = models.BooleanField(default=False, help_text=(
        "Off: a revoke decision is carried out when the campaign closes (a reviewer may still change the "
        "campaign's outcome until then). On: the connector removes the access as soon as it is decided."))
    approver_cooldown_days = models.PositiveIntegerField(default=90, validators=[MaxValueValidator(3650)], help_text=(
        "Someone who approved a grant within this many days does not review it (the campaign owner does)."))

    history = tracked_history()

    class Meta:
        verbose_name = verbose_name_plural = "access review settings"
        constraints = [models.UniqueConstraint(fields=["tenant_id"], name="uniq_review_settings")]

    def __str__(self) -> str:
        return "Access review settings"

    @classmethod
    def of(cls, tenant_id: str) -> "ReviewSettings":
        return cls.objects.filter(tenant_id=tenant_id).first() or cls(tenant_id=tenant_id)


class ReviewCampaign(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "rvc"
    directory_fields = {"owner_id": PERSON, "signed_off_by_id": PERSON}
    visibility = Visibility(sees_all=("it",), mine=("owner_id", "items__reviewer_id"))
    write_roles = ("it",)
    field_policy = FieldPolicy(
        editable(CampaignStatus.DRAFT, by=(STAFF, ADMIN), fields=(*SCOPE, "tags")),
        editable(CampaignStatus.OPEN, by=(STAFF, ADMIN), fields=("description", "due_at", "remind_days_before",
                                                                  "escalate_days_before", "tags")),
        deletable(CampaignStatus.DRAFT, by=(STAFF, ADMIN)),  # a launched campaign is evidence: it stays
    )
    outcome_fields = ("signed_off_by_id", "signed_off_at")

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    owner_id = models.CharField(max_length=64, help_text=(
        "Who runs the campaign: reviews what nobody else may review, hears of escalations and signs it off."))
    reviewer_rule = models.CharField(max_length=16, choices=ReviewerRule.choices, default=ReviewerRule.MANAGER)
    unanswered_rule = models.CharField(max_length=16, choices=UnansweredRule.choices, default=UnansweredRule.ESCALATE,
                                       help_text="What happens to items nobody decided by the due date.")
    system = models.ForeignKey("integration.AccessSystem", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="Only grants on this system (empty: every system).")
    entitlement = models.ForeignKey("integration.Entitlement", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="Only grants of this entitlement.")
    min_risk = models.CharField(max_length=16, choices=Risk.choices, blank=True, default="",
                                help_text="Only entitlements of this risk or higher (empty: any risk).")
    group = models.ForeignKey("directory.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              help_text="Only grants held by members of this group.")
    due_at = models.DateTimeField()
    remind_days_before = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(365)], help_text=(
        "Reviewers with undecided items are reminded this many days before the due date (0: on the day)."))
    escalate_days_before = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(365)], help_text=(
        "The campaign owner hears of reviewers behind this many days before the due date."))
    status = FSMField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, protected=False)
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_off_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_off_by_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    items_reassigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Counted in the transaction of every decision (services.py), never by reading the items.
    items_total = models.PositiveIntegerField(default=0, editable=False)
    items_kept = models.PositiveIntegerField(default=0, editable=False)
    items_revoked = models.PositiveIntegerField(default=0, editable=False)
    items_unanswered = models.PositiveIntegerField(default=0, editable=False)
    revokes_done = models.PositiveIntegerField(default=0, editable=False)
    revokes_failed = models.PositiveIntegerField(default=0, editable=False)

    history = tracked_history()

    class Meta:
        verbose_name = "access review campaign"
        indexes = [models.Index(fields=["tenant_id", "status", "id"], name="rvc_tenant_status"),
                   models.Index(fields=["tenant_id", "owner_id"], name="rvc_tenant_owner"),
                   # rows naming the people a search finds
                   models.Index(fields=["tenant_id", "signed_off_by_id"], name="rvc_tenant_signer")]

    def __str__(self) -> str:
        return self.name

    @property
    def items_decided(self) -> int:
        return self.items_kept + self.items_revoked + self.items_unanswered

    @property
    def items_pending(self) -> int:
        return self.items_total - self.items_decided

    def clean(self):
        if self.entitlement_id and self.system_id and self.entitlement.system_id != self.system_id:
            raise ValidationError({"entitlement": "This entitlement belongs to another system."})

    @transition(field="status", source=CampaignStatus.DRAFT, target=CampaignStatus.OPEN, event="launched",
                custom={**GOVERNANCE, "doc": "Creates one item per active grant in scope and tells each reviewer."})
    def launch(self):
        if self.due_at <= timezone.now():
            raise ValidationError({"due_at": "The due date has passed; move it to the future first."})
        self.launched_at = timezone.now()

    @transition(field="status", source=CampaignStatus.OPEN, target=CampaignStatus.CLOSED, event="closed",
                custom={**GOVERNANCE, "doc": "Decisions become final; undecided items follow the campaign's rule "
                                             "and revokes go to the connectors."})
    def close(self):
        self.closed_at = timezone.now()

    @transition(field="status", source=CampaignStatus.CLOSED, target=CampaignStatus.SIGNED_OFF, event="signed_off",
                custom={**GOVERNANCE, "doc": "Once every revoke is confirmed by its target: attaches the evidence "
                                             "report (CSV and PDF)."})
    def sign_off(self, *, actor):
        self.signed_off_at = timezone.now()
        self.signed_off_by_id = actor.person_id


def _decider_denial(item: "ReviewItem", actor) -> str | None:
    from .rules import decider_denial

    return decider_denial(item=item, person_id=actor.person_id)


DECIDE = {"roles": None, "check": _decider_denial, "reason": "decision_reason"}


class ReviewItem(ConcurrentTransitionMixin, TenantModel):
    """One grant under review: kept or revoked by its reviewer, with the reason."""

    id_prefix = "rvi"
    directory_fields = {"holder_id": PERSON, "reviewer_id": PERSON, "decided_by_id": PERSON}
    title_format = Title("{entitlement_label} — {holder_id}")
    visibility = Visibility(sees_all=("it",), mine=("reviewer_id", "campaign__owner_id"))
    write_roles = ("it",)
    everyones_work = True  # any manager or owner may be a reviewer
    field_policy = FieldPolicy()  # nothing is edited: items change by their decisions only
    outcome_fields = ("decided_by_id", "decided_at", "decision_reason", "revoke_state", "revoke_note",
                      "revoke_confirmed_at")

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="items", editable=False)
    grant = models.ForeignKey("operations.AccessRequest", on_delete=models.PROTECT, related_name="+", editable=False)
    holder_id = models.CharField(max_length=64, editable=False)
    system = models.ForeignKey("integration.AccessSystem", on_delete=models.PROTECT, related_name="+", editable=False)
    entitlement = models.ForeignKey("integration.Entitlement", on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    risk = models.CharField(max_length=16, choices=Risk.choices, editable=False)
    reviewer_id = models.CharField(max_length=64, editable=False)
    routed_because = models.CharField(max_length=16, choices=RoutedBecause.choices, editable=False)
    routing_note = models.CharField(max_length=300, blank=True, default="", editable=False,
                                    help_text="Why the fallback reviews it (the first choice holds or approved it).")
    status = FSMField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING, protected=False)
    decision_reason = models.TextField(blank=True, default="", editable=False)
    decided_by_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoke_state = models.CharField(max_length=16, choices=RevokeState.choices, blank=True, default="",
                                    editable=False)
    revoke_note = models.TextField(blank=True, default="", editable=False,
                                   help_text="The target's confirmation, or its last error.")
    revoke_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = tracked_history()

    class Meta:
        verbose_name = "access review item"
        ordering = ("-id",)
        constraints = [models.UniqueConstraint(fields=["campaign", "grant"], name="uniq_review_item_grant")]
        indexes = [
            models.Index(fields=["tenant_id", "reviewer_id", "status"], name="rvi_tenant_reviewer"),
            # rows naming the people a search finds
            models.Index(fields=["tenant_id", "holder_id"], name="rvi_tenant_holder"),
            models.Index(fields=["tenant_id", "decided_by_id"], name="rvi_tenant_decider"),
            models.Index(fields=["campaign", "reviewer_id", "status", "risk"], name="rvi_campaign_reviewer"),
            models.Index(fields=["campaign", "status"], name="rvi_campaign_status"),
            models.Index(fields=["grant"], name="rvi_grant"),
            models.Index(fields=["revoke_state"], name="rvi_revoke_open",
                         condition=Q(revoke_state__in=["queued", "failed"])),
        ]

    @property
    def entitlement_label(self) -> str:
        return str(self.entitlement) if self.entitlement_id else ""

    @transition(field="status", source=ItemStatus.PENDING, target=ItemStatus.KEPT, event="kept",
                custom={**DECIDE, "doc": "Certifies the access: body `comment` says why it is still needed."})
    def keep(self, *, actor):
        self._decided(actor)

    @transition(field="status", source=ItemStatus.PENDING, target=ItemStatus.REVOKED, event="revoked",
                custom={**DECIDE, "doc": "The access goes: body `comment` says why; the connector removes it "
                                         "when the campaign closes (or at once, per the tenant's settings)."})
    def revoke(self, *, actor):
        self._decided(actor)
        self.revoke_state = RevokeState.WAITING

    def _decided(self, actor):
        self.decided_by_id = actor.person_id
        self.decided_at = timezone.now()


class ReviewTally(models.Model):
    """A campaign's progress for one reviewer or one system, moved with every decision."""

    REVIEWER, SYSTEM = "reviewer", "system"

    tenant_id = models.CharField(max_length=64)
    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="tallies")
    dimension = models.CharField(max_length=16, choices=[(REVIEWER, "Reviewer"), (SYSTEM, "System")])
    key = models.CharField(max_length=64, help_text="The reviewer's person id or the system's id.")
    label = models.CharField(max_length=300, blank=True, default="")
    total = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)
    revoked = models.PositiveIntegerField(default=0)
    unanswered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "dimension", "key"], name="uniq_review_tally")]

    @property
    def decided(self) -> int:
        return self.kept + self.revoked + self.unanswered

    @property
    def pending(self) -> int:
        return self.total - self.decided

    @property
    def percent(self) -> float:
        return round(100.0 * self.decided / self.total, 1) if self.total else 100.0
