"""Access reviews: settings, campaigns, items over provisioned catalog grants, tallies."""
from datetime import timedelta

import factory
from django.utils import timezone

from apps.reviews.models import ReviewCampaign, ReviewItem, ReviewSettings, ReviewTally

from .base import DEFAULT_TENANT, InTenant, PersonId, ProjectFactory, TenantRecordFactory, register
from .integration import EntitlementFactory
from .operations import AccessRequestFactory


@register
class ReviewSettingsFactory(TenantRecordFactory):
    class Meta:
        model = ReviewSettings
        django_get_or_create = ("tenant_id",)


@register
class ReviewCampaignFactory(TenantRecordFactory):
    """A draft campaign due in 14 days, owned by a directory Person; `launched=True` as opened."""

    name = factory.Sequence(lambda n: f"Access review {n}")
    owner_id = PersonId()
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    created_by = factory.SelfAttribute("owner_id")

    class Meta:
        model = ReviewCampaign

    class Params:
        launched = factory.Trait(status="open", launched_at=factory.LazyFunction(timezone.now))


@register
class ReviewItemFactory(TenantRecordFactory):
    """An undecided item of an open campaign over a provisioned grant of a catalog entitlement."""

    campaign = InTenant(ReviewCampaignFactory, launched=True)
    entitlement = InTenant(EntitlementFactory)
    system = factory.SelfAttribute("entitlement.system")
    grant = InTenant(AccessRequestFactory, status="provisioned",
                     entitlement=factory.SelfAttribute("..entitlement"))
    holder_id = factory.SelfAttribute("grant.requester_id")
    risk = "low"
    reviewer_id = PersonId()
    routed_because = "manager"
    created_by = factory.SelfAttribute("campaign.owner_id")

    class Meta:
        model = ReviewItem


@register
class ReviewTallyFactory(ProjectFactory):
    tenant_id = DEFAULT_TENANT
    campaign = InTenant(ReviewCampaignFactory, launched=True)
    dimension = ReviewTally.REVIEWER
    key = factory.Sequence(lambda n: f"per_tally_{n}")
    total = 1

    class Meta:
        model = ReviewTally
