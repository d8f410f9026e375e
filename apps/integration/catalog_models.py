"""The catalog of requestable access: systems (each backed by a Connector, or manual) and their
entitlements (a group, role or permission in that system) with an owner, a risk, durations and
the approval route. An access request names one entitlement (operations.AccessRequest.entitlement).

Members read the catalog (the active systems, the requestable entitlements), so portals can list
it; IT and admins see every row and write it.
"""
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.json_shapes import STRING_LIST
from apps.core.person_fields import GROUP, GROUP_LIST, PERSON, ChosenBy
from apps.core.models import TenantModel, tracked_history
from apps.core.titles import Title
from apps.core.visibility import Visibility

from .choices import EntitlementKind, OwnerType, Risk

CATALOG_STAFF = ("it",)  # besides admins, who write everything


class AccessSystem(TenantModel):
    id_prefix = "sys"
    directory_fields = {"owner_id": ChosenBy("owner_type", {"group": GROUP}, default=PERSON)}
    visibility = Visibility(sees_all=("it", "approver"), mine=(), public=Q(is_active=True))
    write_roles = CATALOG_STAFF

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    connector = models.ForeignKey("integration.Connector", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="systems",
                                  help_text="The connector that grants and revokes access; none: a manual system "
                                            "(a person grants it from a task).")
    owner_id = models.CharField(max_length=64, null=True, blank=True,
                                help_text="Who owns the system (approves as \"owner\" for its entitlements).")
    owner_type = models.CharField(max_length=16, choices=OwnerType.choices, default=OwnerType.PERSON)
    is_active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        verbose_name = "access system"
        ordering = ("name", "id")
        constraints = [models.UniqueConstraint(fields=["tenant_id", "name"], condition=Q(is_deleted=False),
                                               name="uniq_access_system_name")]
        indexes = [models.Index(fields=["tenant_id", "name", "id"], name="sys_tenant_name",
                                condition=Q(is_deleted=False)),
                   # rows naming the people a search finds
                   models.Index(fields=["tenant_id", "owner_id"], name="sys_tenant_owner")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.connector_id is None


class Entitlement(TenantModel):
    id_prefix = "ent"
    directory_fields = {
        "owner_id": ChosenBy("owner_type", {"group": GROUP}, default=PERSON),
        "auto_approve_group_ids": GROUP_LIST,
    }
    json_shapes = {"auto_approve_group_ids": STRING_LIST}
    title_format = Title("{system_name} · {name}")
    visibility = Visibility(sees_all=("it", "approver"), mine=(),
                            public=Q(is_requestable=True, system__is_active=True))
    write_roles = CATALOG_STAFF

    system = models.ForeignKey(AccessSystem, on_delete=models.PROTECT, related_name="entitlements")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=EntitlementKind.choices, default=EntitlementKind.GROUP)
    target_ref = models.CharField(max_length=500, blank=True, default="", help_text=(
        "The target's reference: a SCIM group id, an LDAP group DN; blank for a manual system."))
    description = models.TextField(blank=True, default="")
    owner_id = models.CharField(max_length=64, null=True, blank=True,
                                help_text="Who owns the entitlement; empty: the system's owner.")
    owner_type = models.CharField(max_length=16, choices=OwnerType.choices, null=True, blank=True)
    risk = models.CharField(max_length=16, choices=Risk.choices, default=Risk.LOW)
    max_duration_days = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                                    help_text="The longest grant a request may ask for; empty: no limit.")
    default_duration_days = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                                        help_text="A request naming no expiry gets this many days.")
    auto_approve_group_ids = models.JSONField(default=list, blank=True, help_text=(
        "Requests by members of these groups are approved by the rule (never the owner's own)."))
    approval_chain = models.ForeignKey("approvals.ApprovalChain", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", help_text="Overrides the routing rules for this entitlement.")
    is_requestable = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        ordering = ("system__name", "name", "id")
        constraints = [models.UniqueConstraint(fields=["tenant_id", "system", "name"], condition=Q(is_deleted=False),
                                               name="uniq_entitlement_name")]
        indexes = [models.Index(fields=["tenant_id", "system", "name"], name="ent_tenant_system"),
                   # rows naming the people a search finds
                   models.Index(fields=["tenant_id", "owner_id"], name="ent_tenant_owner")]

    def __str__(self) -> str:
        return f"{self.system.name} · {self.name}" if self.system_id else self.name

    @property
    def system_name(self) -> str:
        return self.system.name if self.system_id else ""

    def effective_owner(self) -> tuple[str | None, str]:
        """(owner id, owner type): the entitlement's own owner, else its system's."""
        if self.owner_id:
            return self.owner_id, self.owner_type or OwnerType.PERSON
        return self.system.owner_id, self.system.owner_type

    def clean(self):
        errors = {}
        if (self.default_duration_days and self.max_duration_days
                and self.default_duration_days > self.max_duration_days):
            errors["default_duration_days"] = "The default duration cannot exceed the maximum."
        if self.owner_id and not self.owner_type:
            self.owner_type = OwnerType.PERSON
        ids = self.auto_approve_group_ids
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.startswith("grp_") for i in ids):
            errors["auto_approve_group_ids"] = "A list of group ids (grp_…)."
        if errors:
            raise ValidationError(errors)
