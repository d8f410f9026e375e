"""Policies, their kept versions and acknowledgements."""
from datetime import timedelta

import factory
from django.utils import timezone

from apps.policies.choices import CampaignAudience, PolicyCategory, PolicyStatus
from apps.policies.models import (
    AcknowledgementCampaign,
    Policy,
    PolicyAcknowledgement,
    PolicyVersion,
    review_cadence,
)

from .base import (
    DEFAULT_TENANT,
    InTenant,
    PersonId,
    ProjectFactory,
    TenantRecordFactory,
    register,
)


@register
class PolicyFactory(TenantRecordFactory):
    """A draft owned (and written) by a directory Person; `published=True` as its review completed."""

    name = factory.Sequence(lambda n: f"Policy {n}")
    description = "What we expect."
    body = "# Rules\n\nBe kind."
    category = PolicyCategory.SECURITY
    owner_id = PersonId()
    created_by = factory.SelfAttribute("owner_id")

    class Meta:
        model = Policy

    class Params:
        published = factory.Trait(
            status=PolicyStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
            next_review_at=factory.LazyAttribute(lambda o: o.published_at + review_cadence()),
        )


@register
class PolicyVersionFactory(ProjectFactory):
    """The kept text of a published policy's current version."""

    tenant_id = DEFAULT_TENANT
    policy = InTenant(PolicyFactory, published=True)
    version = factory.SelfAttribute("policy.version")
    name = factory.SelfAttribute("policy.name")
    body = factory.SelfAttribute("policy.body")
    published_at = factory.SelfAttribute("policy.published_at")
    created_by = factory.SelfAttribute("policy.owner_id")

    class Meta:
        model = PolicyVersion


@register
class PolicyAcknowledgementFactory(ProjectFactory):
    """A directory Person confirming they read a published policy's current version."""

    tenant_id = DEFAULT_TENANT
    policy = InTenant(PolicyFactory, published=True)
    version = factory.SelfAttribute("policy.version")
    person_id = PersonId()

    class Meta:
        model = PolicyAcknowledgement


@register
class AcknowledgementCampaignFactory(TenantRecordFactory):
    """A draft campaign for a published policy's current version, due in 30 days, asking everyone;
    `launched=True` as HR launched it."""

    policy = InTenant(PolicyFactory, published=True)
    version = factory.SelfAttribute("policy.version")
    audience = CampaignAudience.EVERYONE
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    remind_every_days = 7
    created_by = factory.SelfAttribute("policy.owner_id")

    class Meta:
        model = AcknowledgementCampaign

    class Params:
        launched = factory.Trait(status="open", launched_at=factory.LazyFunction(timezone.now))
