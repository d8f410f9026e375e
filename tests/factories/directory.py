"""The directory: people, groups (teams), directory settings, SCIM tokens."""
import secrets

import factory

from apps.directory.models import DirectorySettings, Group, Person, ScimToken
from apps.directory.services import hash_token

from .base import TenantRecordFactory, register


@register
class PersonFactory(TenantRecordFactory):
    user_name = factory.LazyAttributeSequence(lambda o, n: f"person{n}@{o.tenant_id}.example")
    given_name = "Pat"
    family_name = factory.Sequence(lambda n: f"Person{n}")
    display_name = factory.LazyAttribute(lambda o: " ".join(p for p in (o.given_name, o.family_name) if p))
    email = factory.SelfAttribute("user_name")

    class Meta:
        model = Person


@register
class GroupFactory(TenantRecordFactory):
    """A team; `members=[people]` (of the same tenant), else one new Person of the tenant."""

    display_name = factory.Sequence(lambda n: f"Team {n}")

    class Meta:
        model = Group
        skip_postgeneration_save = True

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if not create:
            return
        people = list(extracted) if extracted is not None else [PersonFactory(tenant_id=self.tenant_id)]
        strangers = [p.pk for p in people if p.tenant_id != self.tenant_id]
        if strangers:
            raise ValueError(f"GroupFactory: members {strangers} are not of tenant {self.tenant_id!r}")
        self.members.set(people)


@register
class DirectorySettingsFactory(TenantRecordFactory):
    strict = False

    class Meta:
        model = DirectorySettings


@register
class ScimTokenFactory(TenantRecordFactory):
    """A SCIM bearer token stored as the service stores it (its SHA-256); `raw_token` is on the instance."""

    _instance_attributes = ("raw_token",)
    name = factory.Sequence(lambda n: f"IdP {n}")
    raw_token = factory.LazyFunction(lambda: "scim_" + secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.raw_token))
    prefix = factory.LazyAttribute(lambda o: o.raw_token[:10])

    class Meta:
        model = ScimToken
