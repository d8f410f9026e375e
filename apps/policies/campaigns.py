"""Who a campaign asks and how far it got, as queries: no loop over people anywhere.

The audience is read from the directory when asked (active people, of the chosen groups' members
when the audience is `groups`): someone who joins a group later is asked by the next reminder, and
someone deactivated leaves the count. Acknowledged = the audience members with a
PolicyAcknowledgement of the campaign's policy and version, however it was made.
"""
from dataclasses import dataclass

from django.db.models import Case, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from apps.directory.models import Group, Person

from .campaign_models import AcknowledgementCampaign
from .choices import CampaignAudience, CampaignStatus
from .models import PolicyAcknowledgement

MEMBERSHIP = Group.members.through


@dataclass(frozen=True)
class Progress:
    audience: int
    acknowledged: int

    @property
    def outstanding(self) -> int:
        return self.audience - self.acknowledged

    @property
    def percent(self) -> float:
        return round(100.0 * self.acknowledged / self.audience, 1) if self.audience else 0.0


def _acknowledged(policy_id, version, person=OuterRef("pk")) -> Exists:
    return Exists(PolicyAcknowledgement.objects.filter(policy_id=policy_id, version=version, person_id=person))


def audience_of(campaign: AcknowledgementCampaign) -> QuerySet:
    people = Person.objects.filter(tenant_id=campaign.tenant_id, active=True)
    if campaign.audience == CampaignAudience.GROUPS:
        chosen = campaign.groups.filter(tenant_id=campaign.tenant_id).values("pk")
        people = people.filter(Exists(MEMBERSHIP.objects.filter(person_id=OuterRef("pk"), group_id__in=chosen)))
    return people


def outstanding_of(campaign: AcknowledgementCampaign) -> QuerySet:
    """Audience members who have not acknowledged the campaign's version (ordered by name)."""
    return audience_of(campaign).exclude(_acknowledged(campaign.policy_id, campaign.version))


def progress_of(campaign: AcknowledgementCampaign) -> Progress:
    """One aggregate query; a queryset from `with_progress` already carries the numbers."""
    if hasattr(campaign, "audience_size"):
        return Progress(campaign.audience_size, campaign.acknowledged_count)
    from django.db.models import Count

    counts = audience_of(campaign).aggregate(
        audience=Count("pk"), acknowledged=Count("pk", filter=Q(_acknowledged(campaign.policy_id, campaign.version))))
    return Progress(counts["audience"], counts["acknowledged"])


def _count(people: QuerySet):
    return Coalesce(Subquery(people.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]), Value(0))


def with_progress(campaigns: QuerySet) -> QuerySet:
    """`campaigns` annotated with `audience_size` and `acknowledged_count` (correlated subqueries:
    the list costs one query whatever its length)."""
    people = Person.objects.filter(tenant_id=OuterRef("tenant_id"), active=True)
    in_groups = Exists(MEMBERSHIP.objects.filter(
        person_id=OuterRef("pk"), group__is_deleted=False, group__acknowledgement_campaigns=OuterRef(OuterRef("pk"))))
    acked = _acknowledged(OuterRef(OuterRef("policy_id")), OuterRef(OuterRef("version")))
    everyone, grouped = people, people.filter(in_groups)

    def by_audience(everyone_qs, grouped_qs):
        return Case(When(audience=CampaignAudience.EVERYONE, then=_count(everyone_qs)), default=_count(grouped_qs),
                    output_field=IntegerField())

    return campaigns.annotate(audience_size=by_audience(everyone, grouped),
                              acknowledged_count=by_audience(everyone.filter(acked), grouped.filter(acked)))


def counted_progress(campaign: AcknowledgementCampaign) -> Progress | None:
    """The progress as last counted (the admin's numbers), or None before the first count."""
    if campaign.counted_at is None:
        return None
    return Progress(campaign.counted_audience or 0, campaign.counted_acknowledged or 0)


def count_acknowledgement(*, tenant_id: str, policy_id: str, version: str, person_id: str) -> int:
    """One more acknowledged on each counted open campaign of this policy version whose audience holds
    the person, in the acknowledging transaction: the admin's progress is current without counting the
    audience per row per read. Returns how many campaigns moved."""
    if not Person.objects.filter(tenant_id=tenant_id, pk=person_id, active=True).exists():
        return 0  # outside every audience (deactivated or unknown): nothing to count
    open_campaigns = AcknowledgementCampaign.objects.filter(
        tenant_id=tenant_id, policy_id=policy_id, version=version, status=CampaignStatus.OPEN, counted_at__isnull=False)
    in_groups = Exists(MEMBERSHIP.objects.filter(person_id=person_id, group__is_deleted=False,
                                                 group__acknowledgement_campaigns=OuterRef("pk")))
    asking = open_campaigns.filter(Q(audience=CampaignAudience.EVERYONE) | in_groups)
    return AcknowledgementCampaign.objects.filter(pk__in=asking.values("pk")).update(
        counted_acknowledged=Coalesce(F("counted_acknowledged"), Value(0)) + 1)
