"""Tenants, staff users and memberships, the outbox, saved filters, identity changes."""
import functools

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from factory.django import DjangoModelFactory

from apps.core.models import Counter, Event, IdentityChange, SavedFilter, StaffMembership, Tenant

from .base import (
    DEFAULT_TENANT,
    PersonId,
    ProjectFactory,
    RecordId,
    TenantRecordFactory,
    register,
)


@register
class TenantFactory(DjangoModelFactory):
    """The tenant with this id, made if it does not exist yet."""

    id = DEFAULT_TENANT
    name = factory.LazyAttribute(lambda o: o.id.title())

    class Meta:
        model = Tenant
        django_get_or_create = ("id",)


class UserFactory(DjangoModelFactory):
    """A Django staff user as `User.objects.create_user(username, is_staff=True)` makes it: no email
    or names unless given, an unusable password unless `password=` (hashed) is given."""

    username = factory.Sequence(lambda n: f"staff{n}")
    email = ""
    is_staff = True

    class Meta:
        model = User

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        raw = kwargs.pop("password", None)
        user = model_class._default_manager.create_user(*args, **kwargs)
        if raw is not None:  # the real hasher, once per password per process (a team of 8 cost seconds a test)
            user.password = _hashed(raw, tuple(settings.PASSWORD_HASHERS))
            user.save(update_fields=["password"])
        return user


@functools.cache
def _hashed(raw: str, hashers: tuple[str, ...]) -> str:
    """Keyed on the hashers too: a test that changes them must not get a hash they cannot check."""
    return make_password(raw)


@register
class StaffMembershipFactory(ProjectFactory):
    """A staff user of the tenant acting as a directory Person of that tenant (made from the user's
    login and names), unless `person_id=` names someone else."""

    _tenant_key = "tenant"
    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    person_id = PersonId(tenant_id=factory.SelfAttribute("..tenant.id"), user_name=factory.SelfAttribute("..user.username"),
                         email=factory.SelfAttribute("..user.email"), given_name=factory.SelfAttribute("..user.first_name"),
                         family_name=factory.SelfAttribute("..user.last_name"))
    roles = factory.LazyFunction(list)

    class Meta:
        model = StaffMembership


@register
class EventFactory(ProjectFactory):
    """The outbox row of a ticket's creation (a ticket of the same tenant)."""

    tenant_id = DEFAULT_TENANT
    type = "helpdesk.ticket.created"
    entity_type = "helpdesk.Ticket"
    entity_id = RecordId("tests.factories.helpdesk.TicketFactory")
    payload = factory.LazyAttribute(lambda o: {"id": o.entity_id})

    class Meta:
        model = Event


@register
class CounterFactory(ProjectFactory):
    tenant_id = DEFAULT_TENANT
    name = factory.Sequence(lambda n: f"sequence-{n}")
    value = 0

    class Meta:
        model = Counter



@register
class SavedFilterFactory(ProjectFactory):
    """A staff member's saved view of the ticket list (apps/core/saved_filters.py)."""

    tenant_id = DEFAULT_TENANT
    owner_id = PersonId()
    changelist = "helpdesk.ticket"
    name = factory.Sequence(lambda n: f"View {n}")
    query = "status__exact=open"

    class Meta:
        model = SavedFilter


@register
class IdentityChangeFactory(ProjectFactory):
    """A recorded change of a person's e-mail (by default), as apps.core.identity_services records it."""

    _tenant_key = "tenant"
    tenant = factory.SubFactory(TenantFactory)
    kind = "email"
    subject_id = PersonId(tenant_id=factory.SelfAttribute("..tenant.id"))
    changed_by = "per_admin"

    class Meta:
        model = IdentityChange
