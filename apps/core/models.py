"""Tenants, staff membership, the abstract base every record extends, the event outbox."""
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .ids import new_id
from .json_shapes import OBJECT, STRING_LIST, TAGS, ShapedModel
from .visibility import Visibility
from .text import snake_case
from .titles import Summary, Title, people_for_title


class SourceType(models.TextChoices):
    FRONTEND = "frontend"
    BACKEND = "backend"
    SERVER = "server"
    SYSTEM = "system"
    API = "api"


class Tenant(models.Model):
    id = models.SlugField(primary_key=True, max_length=64)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class StaffMembership(ShapedModel, models.Model):
    """Ties a Django (admin) user to one tenant, the person id it acts as, and its roles."""

    # Any string: a role given by a provider's role mapping stays, even one the staff roles no longer list.
    json_shapes = {"roles": STRING_LIST}

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    person_id = models.CharField(max_length=64, help_text="The person id this user acts as (JWT `sub`).")
    roles = models.JSONField(default=list, blank=True, help_text="admin, approver, it, hr, agent, travel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "person_id"], name="uniq_membership_person")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant_id}"


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant_id: str) -> "TenantQuerySet":
        return self.filter(tenant_id=tenant_id)

    def visible_to(self, principal) -> "TenantQuerySet":
        """Tenancy and the model's declared visibility (API, admin, selectors): apps/core/visibility.py."""
        return self.model.visibility.scope(self, principal)


class ActiveManager(models.Manager.from_queryset(TenantQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


AllManager = models.Manager.from_queryset(TenantQuerySet)


def _history_user_getter(historical):
    return historical.history_user_id


def _history_user_setter(historical, user):
    if user is not None:
        historical.history_user_id = getattr(user, "person_id", None) or str(user.pk)


def tracked_history(**kwargs) -> HistoricalRecords:
    """Change history with the acting person's id (not a Django user FK)."""
    return HistoricalRecords(
        history_user_id_field=models.CharField(max_length=64, null=True, blank=True),
        history_user_getter=_history_user_getter,
        history_user_setter=_history_user_setter,
        **kwargs,
    )


class TenantModel(ShapedModel, models.Model):
    """DESIGN.md §3: every record carries these fields; the client never sets the stamps."""

    id_prefix: ClassVar[str] = "rec"
    # Who sees which rows (roles that see all, the fields that make a row someone's own): data.
    visibility: ClassVar[Visibility] = Visibility()
    # The person who asked for the record; segregation of duties keys on it.
    requester_field: ClassVar[str | None] = None
    # Everyone these fields name, now or in the record's history (plus its creator), is a party to the
    # record and may not decide it (transitions marked `sod`). None: the requester field.
    party_fields: ClassVar[tuple[str, ...] | None] = None
    # Which fields may change in which status, and by whom (apps.core.field_policy); None: write_roles only.
    field_policy: ClassVar = None
    # Alias pairs from resources.json: {alias: canonical field}; one stored value.
    field_aliases: ClassVar[dict[str, str]] = {}
    # Entity name in event types: `<event_domain>.<event_entity>.<action>`.
    event_entity: ClassVar[str | None] = None
    # The first part of event types; None: the app label (a model moved between apps keeps its events' names).
    event_domain: ClassVar[str | None] = None
    # Anyone may have this model's work to do, whatever their roles (a group's member decides its step).
    everyones_work: ClassVar[bool] = False
    # What deciding and delivering the record wrote (who, when, why, what was delivered): shown on its page.
    outcome_fields: ClassVar[tuple[str, ...]] = ()
    # Roles (besides admin) allowed to create/update/delete; None lets anyone in the tenant.
    write_roles: ClassVar[tuple[str, ...] | None] = None
    # Models with an integer `version` bump it on every write and reject stale ones.
    optimistic_version: ClassVar[bool] = False
    # Text fields `?search=` must not match (secrets and their fingerprints, paths into the secret store).
    unsearchable_fields: ClassVar[tuple[str, ...]] = ()
    # Fields the API neither renders nor filters on (internal bookkeeping of the admin or a job).
    api_hidden_fields: ClassVar[tuple[str, ...]] = ()
    # What a person reads for the record (apps/core/titles.py); None: its number, title or name.
    title_format: ClassVar[Title | None] = None
    # Which `*_id` attributes (as the API accepts them) name a directory entry, and how: PERSON, GROUP,
    # a list of either, or ChosenBy (apps/core/person_fields.py). Explicit, not guessed from names: every other
    # `*_id` attribute is listed in `not_directory_fields` (tests/directory/test_person_fields.py).
    directory_fields: ClassVar[dict] = {}
    # The JSON Schema of each JSON field, merged with the bases' (apps/core/json_shapes.py): the model's
    # clean, the API's validation and its OpenAPI schema all read it.
    json_shapes: ClassVar[dict[str, dict]] = {"tags": TAGS}
    not_directory_fields: ClassVar[tuple[str, ...]] = ()
    # What an inbox row says besides the title (an excerpt, an amount, dates).
    summary_format: ClassVar[Summary] = Summary()

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    tenant_id = models.CharField(max_length=64, db_index=True, editable=False)
    app_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.CharField(max_length=64, null=True, blank=True, editable=False)
    updated_by = models.CharField(max_length=64, null=True, blank=True, editable=False)
    source = models.CharField(max_length=64, default="edm", blank=True)
    source_type = models.CharField(max_length=16, choices=SourceType.choices, default=SourceType.API, editable=False)
    is_deleted = models.BooleanField(default=False, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.CharField(max_length=64, null=True, blank=True, editable=False)
    schema_version = models.PositiveIntegerField(default=1, editable=False)
    tags = models.JSONField(default=list, blank=True)

    objects = ActiveManager()
    all_objects = AllManager()

    class Meta:
        abstract = True
        ordering = ("-id",)

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_id(self.id_prefix)
        super().save(*args, **kwargs)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        replaced = sorted({"staff_roles", "owner_fields", "visibility_q"} & set(cls.__dict__))
        if replaced:
            raise ImproperlyConfigured(f"{cls.__name__}: {', '.join(replaced)} became `visibility = Visibility(...)`"
                                       " (apps/core/visibility.py)")
        if isinstance(cls.__dict__.get("api_hidden_fields"), str):
            raise ImproperlyConfigured(f"{cls.__name__}.api_hidden_fields is a tuple (a lone string is a missing comma)")
        if isinstance(cls.__dict__.get("outcome_fields"), str):
            raise ImproperlyConfigured(f"{cls.__name__}.outcome_fields is a tuple (a lone string is a missing comma)")
        if isinstance(cls.__dict__.get("unsearchable_fields"), str):
            raise ImproperlyConfigured(f"{cls.__name__}.unsearchable_fields is a tuple (a lone string is a missing comma)")

    @property
    def requester_person_id(self) -> str | None:
        return getattr(self, self.requester_field) if self.requester_field else self.created_by

    @classmethod
    def entity_name(cls) -> str:
        return cls.event_entity or snake_case(cls.__name__)

    @classmethod
    def event_prefix(cls) -> str:
        """`<domain>.<entity>`: what the model's event types start with."""
        return f"{cls.event_domain or cls._meta.app_label}.{cls.entity_name()}"

    def __str__(self) -> str:
        title = type(self).title_format
        if title is not None:
            return title.render(self, people_for_title(self))
        label = getattr(self, "number", None) or getattr(self, "title", None) or getattr(self, "name", None)
        return str(label) if label else self._meta.verbose_name.capitalize()


# The fields the server stamps on every record and a client never sets: the base's own fields
# declared editable=False. The API renders them read-only (and ignores them in a request body), the
# admin shows them read-only.
STAMPED_FIELDS: tuple[str, ...] = tuple(f.name for f in TenantModel._meta.local_fields if not f.editable)


class Event(ShapedModel, models.Model):
    """Outbox: written in the same transaction as the change it describes."""

    # Each event type's payload is described by its own serializer (apps/core/event_catalogue.py).
    json_shapes = {"payload": {**OBJECT, "description": "The event's payload (docs/events.md per type)."}}

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    tenant_id = models.CharField(max_length=64, db_index=True)
    app_id = models.CharField(max_length=64, null=True, blank=True)
    type = models.CharField(max_length=128, db_index=True)
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=40, db_index=True)
    actor_id = models.CharField(max_length=64, null=True, blank=True)
    payload = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-id",)

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_id("evt")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.type} {self.entity_id}"


class Counter(models.Model):
    """Per-tenant sequences (ticket numbers); never reused, safe under concurrency."""

    tenant_id = models.CharField(max_length=64)
    name = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "name"], name="uniq_counter")]

    @classmethod
    def next_value(cls, *, tenant_id: str, name: str) -> int:
        """Must run inside the caller's transaction: the row lock is held until it commits.
        One statement (an upsert with RETURNING, on PostgreSQL and SQLite alike)."""
        connection = connections[router.db_for_write(cls)]
        quote = connection.ops.quote_name
        table = quote(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({quote('tenant_id')}, {quote('name')}, {quote('value')}) VALUES (%s, %s, 1)"
                f" ON CONFLICT ({quote('tenant_id')}, {quote('name')})"
                f" DO UPDATE SET {quote('value')} = {table}.{quote('value')} + 1 RETURNING {quote('value')}",
                [tenant_id, name],
            )
            return cursor.fetchone()[0]


from .saved_filters import SavedFilter  # noqa: E402,F401  (staff members' saved changelist views)
from .identity_changes import IdentityChange  # noqa: E402,F401  (who changed whose identity)
from .outbox_progress import ConsumedEvent, ConsumerProgress  # noqa: E402,F401  (each outbox consumer's progress)
