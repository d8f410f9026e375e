"""The tenant's directory: the people (`per_…` ids) every person field names, and their groups (teams).

Provisioned by SCIM 2.0 from the company's identity provider (apps/directory/scim/) or edited in the admin.
A StaffMembership's `person_id` names a Person of its tenant by the same id (no foreign key: a
membership may exist before its person is provisioned, and records keep plain ids either way).
The tables keep the names they had when these models were core's (`core_person`, …): the move to this app
changed Django's state only (migrations/0001_directory_from_core.py).
"""
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from apps.core.models import TenantModel, tracked_history
from apps.core.person_fields import GROUP_ID_PREFIX, PERSON_ID_PREFIX
from apps.core.principal import STAFF_ROLES
from apps.core.visibility import Visibility

EVENT_DOMAIN = "core"  # event types keep the names they were published under: `core.person.created`


class Person(TenantModel):
    """Someone of the tenant; the id is what every person field (requester_id, assigned_to_id …) holds."""

    id_prefix = PERSON_ID_PREFIX
    event_domain = EVENT_DOMAIN
    visibility = Visibility(sees_all=STAFF_ROLES, mine=("id",))  # staff see the directory; a member their own entry
    write_roles = ()  # admins (and SCIM provisioning, which acts as the tenant's admin)

    user_name = models.CharField(max_length=200, help_text="SCIM userName: the sign-in name at the identity provider.")
    display_name = models.CharField(max_length=200, blank=True, default="")
    given_name = models.CharField(max_length=100, blank=True, default="")
    family_name = models.CharField(max_length=100, blank=True, default="")
    email = models.EmailField(max_length=254, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    department = models.CharField(max_length=200, blank=True, default="")
    location = models.CharField(max_length=200, blank=True, default="", help_text=(
        "Where they work (office or site); SCIM: the work address's locality."))
    employee_number = models.CharField(max_length=64, blank=True, default="")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports",
                                db_constraint=False)
    active = models.BooleanField(default=True, help_text="Inactive people keep their records; new ones may not name them in strict mode.")
    external_id = models.CharField(max_length=200, blank=True, default="", help_text="The identity provider's id (SCIM externalId).")

    not_directory_fields = ("external_id",)  # the identity provider's id, not a person of the directory

    history = tracked_history(table_name="core_historicalperson")

    class Meta:
        db_table = "core_person"
        verbose_name_plural = "people"
        ordering = ("display_name", "id")
        constraints = [models.UniqueConstraint(fields=["tenant_id", "user_name"], condition=Q(is_deleted=False),
                                               name="uniq_person_user_name")]
        indexes = [models.Index(fields=["tenant_id", "external_id"], name="person_tenant_external"),
                   # SCIM's `userName eq "…"` is case-insensitive: UPPER(user_name) = UPPER(%s) in the tenant
                   models.Index(F("tenant_id"), Upper("user_name"), name="person_tenant_user_upper"),
                   # the admin list's order
                   models.Index(fields=["tenant_id", "display_name", "id"], name="person_tenant_name",
                                condition=Q(is_deleted=False)),
                   # the few people nobody may assign work to any more: what the reassignment queues start from
                   models.Index(fields=["tenant_id", "id"], name="person_tenant_gone",
                                condition=Q(active=False) | Q(is_deleted=True)),
                   # SCIM pages in id order: a cursor page starts at its id, a startIndex page walks the entries
                   models.Index(fields=["tenant_id", "id"], name="person_tenant_page", condition=Q(is_deleted=False))]

    @property
    def label(self) -> str:
        name = self.display_name or " ".join(p for p in (self.given_name, self.family_name) if p) or self.user_name
        label = f"{name} <{self.email}>" if self.email else name
        return label if self.active and not self.is_deleted else f"{label} (inactive)"

    def __str__(self) -> str:
        return self.label


class Group(TenantModel):
    """A team (helpdesk `team_id`, connector `group_id`); members are people of the same tenant."""

    id_prefix = GROUP_ID_PREFIX
    event_domain = EVENT_DOMAIN
    visibility = Visibility(sees_all=STAFF_ROLES, mine=("members__id",))
    write_roles = ()

    display_name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=200, blank=True, default="")
    members = models.ManyToManyField(Person, blank=True, related_name="groups", db_table="core_group_members")

    not_directory_fields = ("external_id",)

    history = tracked_history(table_name="core_historicalgroup")

    class Meta:
        db_table = "core_group"
        verbose_name = "group (team)"
        verbose_name_plural = "groups (teams)"
        ordering = ("display_name", "id")
        # the admin list's order
        indexes = [models.Index(fields=["tenant_id", "display_name", "id"], name="group_tenant_name",
                                condition=Q(is_deleted=False)),
                   # SCIM pages in id order (as Person's)
                   models.Index(fields=["tenant_id", "id"], name="group_tenant_page", condition=Q(is_deleted=False))]

    def __str__(self) -> str:
        return self.display_name or self.id


class DirectorySettings(TenantModel):
    """One row per tenant. Strict: the API refuses person/group ids the directory does not know as active."""

    id_prefix = "dir"
    event_domain = EVENT_DOMAIN
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

    history = tracked_history(table_name="core_historicaldirectorysettings")

    class Meta:
        db_table = "core_directorysettings"
        verbose_name = verbose_name_plural = "directory settings"
        constraints = [models.UniqueConstraint(fields=["tenant_id"], name="uniq_directory_settings")]

    def __str__(self) -> str:
        return f"Directory of {self.tenant_id} ({'strict' if self.strict else 'lenient'})"


class ScimToken(TenantModel):
    """A bearer token the identity provider's SCIM client sends; only its SHA-256 is kept."""

    id_prefix = "sct"
    event_domain = EVENT_DOMAIN
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

    history = tracked_history(excluded_fields=["last_used_at"], table_name="core_historicalscimtoken")

    class Meta:
        db_table = "core_scimtoken"
        verbose_name = "SCIM token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
