"""Drift found by reconciliation: the target and the grants recorded here disagree for a catalog
entitlement. A sync opens a finding (never a second open one for the same drift) and closes it when the
drift is gone; staff or the entitlement's owner resolve it: adopt (an access request for the owner's
approval), revoke (through the connector), re-grant a lost grant, or dismiss with a reason (the same drift is
then not reported again while it lasts)."""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField

from apps.core.person_fields import PERSON
from apps.core.fsm import ConcurrentTransitionMixin, transition
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Title
from apps.core.visibility import Visibility

from .choices import DriftKind, FindingStatus

S = FindingStatus
OPEN = (S.UNMANAGED, S.LOST)  # a finding is open in the state named after its kind


def _resolver(obj, actor) -> str | None:
    """IT, admins and the entitlement's owner resolve (visibility already limits who sees it)."""
    if actor.has_role("it") or (obj.owner_id and actor.person_id == obj.owner_id):
        return None
    return "Only IT, an admin or the entitlement's owner resolves a drift finding."


RESOLVE = {"check": _resolver}


def _adoptable(obj, actor) -> str | None:
    if not obj.person_id:
        return "Nobody in the directory has this account: revoke or dismiss it."
    return _resolver(obj, actor)


class DriftFinding(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "drf"
    directory_fields = {"owner_id": PERSON, "person_id": PERSON, "resolved_by_id": PERSON}
    title_format = Title("{kind} · {user_name} · {entitlement_name}")
    visibility = Visibility(sees_all=("it",), mine=("owner_id",))
    write_roles = ()  # made by the sync; people only resolve (transitions)

    connector = models.ForeignKey("integration.Connector", on_delete=models.PROTECT, related_name="+", editable=False)
    entitlement = models.ForeignKey("integration.Entitlement", on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    kind = models.CharField(max_length=16, choices=DriftKind.choices, editable=False)
    user_name = models.CharField(max_length=300, editable=False, help_text="The account as the target names it.")
    person_id = models.CharField(max_length=64, null=True, blank=True, editable=False,
                                 help_text="The directory's person with that user name (none: nobody known here).")
    owner_id = models.CharField(max_length=64, null=True, blank=True, editable=False,
                                help_text="The entitlement's owner (a person) when the sync found it.")
    status = FSMField(max_length=16, choices=FindingStatus.choices, default=S.UNMANAGED, protected=False,
                      help_text="Open as `unmanaged` or `lost` (its kind); then how it was resolved.")
    grant_request = models.ForeignKey("operations.AccessRequest", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", editable=False,
                                      help_text="Lost: the grant recorded here. Adopted: the access request filed.")
    current = models.BooleanField(default=True, editable=False, help_text=(
        "The drift was still there at the last sync. A dismissed finding that stays current keeps the same drift "
        "from being reported again; once the drift is gone, its return opens a new finding."))
    first_seen_at = models.DateTimeField(default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    resolution_note = models.TextField(blank=True, default="", editable=False)
    last_error = models.TextField(blank=True, default="", editable=False,
                                  help_text="Why the target refused the last revoke or re-grant (the finding is open again).")

    history = tracked_history()

    class Meta:
        ordering = ("-last_seen_at", "id")
        constraints = [models.UniqueConstraint(fields=["entitlement", "kind", "user_name"], condition=Q(status__in=OPEN),
                                               name="uniq_open_drift_finding")]
        indexes = [models.Index(fields=["tenant_id", "status", "id"], name="drf_tenant_status"),
                   models.Index(fields=["entitlement", "status"], name="drf_entitlement_status"),
                   models.Index(fields=["tenant_id", "-last_seen_at", "id"], condition=Q(is_deleted=False),
                                name="drf_tenant_list"),  # the admin list's order
                   # rows naming the people a search finds
                   models.Index(fields=["tenant_id", "person_id"], name="drf_tenant_person"),
                   models.Index(fields=["tenant_id", "owner_id"], name="drf_tenant_owner"),
                   models.Index(fields=["tenant_id", "resolved_by_id"], name="drf_tenant_resolver")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user_name} · {self.entitlement_name}"

    @property
    def entitlement_name(self) -> str:
        return str(self.entitlement) if self.entitlement_id else ""

    def _resolved(self, actor, note: str = "") -> None:
        self.resolved_at = timezone.now()
        self.resolved_by_id = getattr(actor, "person_id", None)
        if note:
            self.resolution_note = note

    @transition(field="status", source=S.UNMANAGED, target=S.ADOPTED, event="adopted",
                custom={"check": _adoptable, "doc": "Files an access request for the person, routed for the owner's approval."})
    def adopt(self, *, actor):
        self._resolved(actor, "Adopted: an access request was filed for the owner's approval.")

    @transition(field="status", source=S.UNMANAGED, target=S.REVOKING, event="revoke_requested",
                custom={**RESOLVE, "doc": "Queues the account's removal from the group in the target; the finding is "
                                          "`revoked` once a read-back confirms it, else `open` again with the error."})
    def revoke(self, *, actor):
        self.resolved_by_id = actor.person_id
        self.last_error = ""

    @transition(field="status", source=S.LOST, target=S.REGRANTING, event="regrant_requested",
                custom={**RESOLVE, "doc": "Queues the recorded grant to the target again; `regranted` once a "
                                          "read-back confirms it, else `open` again with the error."})
    def regrant(self, *, actor):
        self.resolved_by_id = actor.person_id
        self.last_error = ""

    @transition(field="status", source=FindingStatus.REVOKING, target=FindingStatus.REVOKED, event="revoked",
                custom={"roles": (), "api": False})
    def confirm_revoked(self):
        self.current = False
        self.resolved_at = timezone.now()
        self.resolution_note = "Revoked in the target (confirmed by reading it back)."

    @transition(field="status", source=FindingStatus.REGRANTING, target=FindingStatus.REGRANTED, event="regranted",
                custom={"roles": (), "api": False})
    def confirm_regranted(self):
        self.current = False
        self.resolved_at = timezone.now()
        self.resolution_note = "Granted again in the target (confirmed by reading it back)."

    @transition(field="status", source=S.REVOKING, target=S.UNMANAGED, event="target_failed",
                custom={"roles": (), "api": False})
    def revoke_failed(self, *, error: str):
        self.last_error = error[:2000]
        self.resolved_by_id = None

    @transition(field="status", source=S.REGRANTING, target=S.LOST, event="target_failed",
                custom={"roles": (), "api": False})
    def regrant_failed(self, *, error: str):
        self.last_error = error[:2000]
        self.resolved_by_id = None

    @transition(field="status", source=list(OPEN), target=S.DISMISSED, event="dismissed",
                custom={**RESOLVE, "reason": "resolution_note", "doc": "Leaves the drift as it is; `comment` says why."})
    def dismiss(self, *, actor):
        self._resolved(actor)

    @transition(field="status", source=[*OPEN, S.REVOKING, S.REGRANTING],
                target=FindingStatus.CLOSED, event="closed",
                custom={"roles": (), "api": False})
    def close(self):
        self.current = False
        self.resolved_at = timezone.now()
        self.resolution_note = "The drift was gone at the next sync."
