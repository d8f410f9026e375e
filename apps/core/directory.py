"""The tenant's directory: the people (`per_…` ids) every person field names, and their groups (teams).

Provisioned by SCIM 2.0 from the company's identity provider (apps/core/scim/) or edited in the admin.
A StaffMembership's `person_id` names a Person of its tenant by the same id (no foreign key: a
membership may exist before its person is provisioned, and records keep plain ids either way).
Imported by apps/core/models.py, so these are core models with core migrations.
"""
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from .models import TenantModel, tracked_history
from .visibility import Visibility
from .principal import STAFF_ROLES

PERSON = "person"
GROUP = "group"
PERSON_LIST = "person_list"
GROUP_LIST = "group_list"
APPROVER_LIST = "approver_list"  # approval chains: person ids, group ids and MANAGER, one step each
MANAGER = "manager"  # in an approver list: the requester's manager (Person.manager), resolved per request
OWNER = "owner"  # in an approver list: the owner (person or group) of the catalog entitlement asked for, or its system's
TOKENS = (MANAGER, OWNER)


def approver_kind(value: str) -> str:
    """What one entry of an approver list names: a token (MANAGER, OWNER), a GROUP (its `grp_` id) or a PERSON."""
    if value in TOKENS:
        return value
    return GROUP if value.startswith(f"{Group.id_prefix}_") else PERSON


class ChosenBy:
    """A field naming a person or a group depending on another field (`principal_type`)."""

    def __init__(self, field: str, kinds: dict[str, str], default: str):
        self.field, self.kinds, self.default = field, kinds, default

    def kind(self, values: dict, instance=None) -> str:
        chosen = values.get(self.field, getattr(instance, self.field, None))
        return self.kinds.get(chosen, self.default)


# Which attributes of each model (as the API accepts them) name a directory entry. Explicit, not
# guessed from names: `system_id`, `asset_id` or `source_id` end in `_id` and name no person.
# tests/directory/test_person_fields.py fails when a model gains an `*_id` field listed in neither map.
DIRECTORY_FIELDS: dict[str, dict] = {
    "helpdesk.Ticket": {"submitted_by_id": PERSON, "assigned_to_id": PERSON, "team_id": GROUP},
    "helpdesk.TicketComment": {"author_id": PERSON},
    "operations.AccessRequest": {
        "requester_id": PERSON, "approver_id": PERSON, "granted_by_id": PERSON,
        "principal_id": ChosenBy("principal_type", {"group": GROUP}, default=PERSON),
    },
    "operations.HRRequest": {"requester_id": PERSON},
    "operations.Equipment": {"requester_id": PERSON, "approver_id": PERSON},
    "operations.Travel": {"requester_id": PERSON, "approver_id": PERSON},
    "operations.Pending": {"assignee_id": PERSON, "requested_by_id": PERSON},
    "approvals.ApprovalChain": {"approver_ids": APPROVER_LIST},
    "approvals.ApprovalRequest": {"requested_by_id": PERSON, "approver_ids": APPROVER_LIST},
    "approvals.ApprovalStep": {"approver_id": PERSON, "delegated_to_id": PERSON},
    "policies.Policy": {"owner_id": PERSON},
    "integration.Connector": {"owner_id": PERSON, "user_id": PERSON, "group_id": GROUP},
    "integration.IntegrationApiKey": {"issued_to_user_id": PERSON, "created_by_user_id": PERSON},
    "integration.AccessSystem": {"owner_id": ChosenBy("owner_type", {"group": GROUP}, default=PERSON)},
    "integration.Entitlement": {"owner_id": ChosenBy("owner_type", {"group": GROUP}, default=PERSON),
                                "auto_approve_group_ids": GROUP_LIST},
    "integration.DriftFinding": {"owner_id": PERSON, "person_id": PERSON, "resolved_by_id": PERSON},
    "letters.Letter": {"requester_id": PERSON},
}
# `*_id` fields that name something else (records, systems, external objects).
NOT_DIRECTORY_FIELDS: dict[str, tuple[str, ...]] = {
    "helpdesk.Ticket": ("related_asset_id", "related_vulnerability_id"),
    "operations.AccessRequest": ("system_id", "asset_id"),
    "operations.Pending": ("source_id", "entity_id"),
    "approvals.ApprovalRequest": ("entity_id",),
    "integration.Application": ("oauth_client_id",),
    "integration.Connector": ("webhook_endpoint_id",),
    "integration.IntegrationApiKey": ("rotated_from_key_id",),
    "integration.Webhook": ("connector_id",),
    "files.Attachment": ("record_id",),
    "letters.Letter": ("attachment_id",),
}


def directory_fields(model) -> dict:
    return DIRECTORY_FIELDS.get(model._meta.label, {})


class Person(TenantModel):
    """Someone of the tenant; the id is what every person field (requester_id, assigned_to_id …) holds."""

    id_prefix = "per"
    visibility = Visibility(sees_all=STAFF_ROLES, mine=("id",))  # staff see the directory; a member their own entry
    write_roles = ()  # admins (and SCIM provisioning, which acts as the tenant's admin)

    user_name = models.CharField(max_length=200, help_text="SCIM userName: the sign-in name at the identity provider.")
    display_name = models.CharField(max_length=200, blank=True, default="")
    given_name = models.CharField(max_length=100, blank=True, default="")
    family_name = models.CharField(max_length=100, blank=True, default="")
    email = models.EmailField(max_length=254, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    department = models.CharField(max_length=200, blank=True, default="")
    employee_number = models.CharField(max_length=64, blank=True, default="")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports",
                                db_constraint=False)
    active = models.BooleanField(default=True, help_text="Inactive people keep their records; new ones may not name them in strict mode.")
    external_id = models.CharField(max_length=200, blank=True, default="", help_text="The identity provider's id (SCIM externalId).")

    history = tracked_history()

    class Meta:
        verbose_name_plural = "people"
        ordering = ("display_name", "id")
        constraints = [models.UniqueConstraint(fields=["tenant_id", "user_name"], condition=Q(is_deleted=False),
                                               name="uniq_person_user_name")]
        indexes = [models.Index(fields=["tenant_id", "external_id"], name="person_tenant_external"),
                   # SCIM's `userName eq "…"` is case-insensitive: UPPER(user_name) = UPPER(%s) in the tenant
                   models.Index(F("tenant_id"), Upper("user_name"), name="person_tenant_user_upper"),
                   # the admin list's order
                   models.Index(fields=["tenant_id", "display_name", "id"], name="person_tenant_name",
                                condition=Q(is_deleted=False))]

    @property
    def label(self) -> str:
        name = self.display_name or " ".join(p for p in (self.given_name, self.family_name) if p) or self.user_name
        label = f"{name} <{self.email}>" if self.email else name
        return label if self.active and not self.is_deleted else f"{label} (inactive)"

    def __str__(self) -> str:
        return self.label


class Group(TenantModel):
    """A team (helpdesk `team_id`, connector `group_id`); members are people of the same tenant."""

    id_prefix = "grp"
    visibility = Visibility(sees_all=STAFF_ROLES, mine=("members__id",))
    write_roles = ()

    display_name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=200, blank=True, default="")
    members = models.ManyToManyField(Person, blank=True, related_name="groups")

    history = tracked_history()

    class Meta:
        verbose_name = "group (team)"
        verbose_name_plural = "groups (teams)"
        ordering = ("display_name", "id")
        # the admin list's order
        indexes = [models.Index(fields=["tenant_id", "display_name", "id"], name="group_tenant_name",
                                condition=Q(is_deleted=False))]

    def __str__(self) -> str:
        return self.display_name or self.id


class DirectorySettings(TenantModel):
    """One row per tenant. Strict: the API refuses person/group ids the directory does not know as active."""

    id_prefix = "dir"
    write_roles = ()
    visibility = Visibility(mine=())  # admins only

    strict = models.BooleanField(default=False, help_text=(
        "Refuse (400) API writes naming a person or team the directory does not know, or an inactive person."))
    # Every approval decision counts as high-risk until a catalog gives items a risk of their own.
    catalog_strict = models.BooleanField(default=False, help_text=(
        "Refuse (400) an access request that names no entitlement of the access catalog."))
    fresh_signin_minutes = models.PositiveIntegerField(default=0, help_text=(
        "0: off. Otherwise approval decisions need a sign-in (admin session or token) at most this many minutes "
        "old; one-click e-mail links then only show the request."))

    history = tracked_history()

    class Meta:
        verbose_name = verbose_name_plural = "directory settings"
        constraints = [models.UniqueConstraint(fields=["tenant_id"], name="uniq_directory_settings")]

    def __str__(self) -> str:
        return f"Directory of {self.tenant_id} ({'strict' if self.strict else 'lenient'})"


class ScimToken(TenantModel):
    """A bearer token the identity provider's SCIM client sends; only its SHA-256 is kept."""

    id_prefix = "sct"
    write_roles = ()
    visibility = Visibility(mine=())  # admins only
    event_payload_exclude = ("token_hash",)
    unsearchable_fields = ("token_hash",)

    name = models.CharField(max_length=200, help_text="e.g. Okta production")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = tracked_history(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = "SCIM token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
