"""Policy library actions: versions on published edits, reviews, acknowledgements (the map: apps/policies/actions.py)."""
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core import events
from apps.core import services as core
from apps.core.actions import action, transition_action
from apps.core.exceptions import Conflict
from apps.core.principal import Principal, system_principal

from apps.directory.models import Group

from .api.serializers import CompleteReviewBody
from .campaigns import Progress, count_acknowledgement, progress_of
from .choices import CampaignStatus, PolicyStatus
from .models import AcknowledgementCampaign, Policy, PolicyAcknowledgement, PolicyVersion


def bump_minor(version: str) -> str:
    try:
        major, minor, *_ = (int(part) for part in version.split("."))
    except ValueError:
        return "1.1.0"
    return f"{major}.{minor + 1}.0"


@transaction.atomic
def policy_create(*, actor: Principal, data: dict) -> Policy:
    policy = Policy(**data)
    policy.owner_id = policy.owner_id or actor.person_id
    return core.record_create(actor=actor, obj=policy)


@transaction.atomic
def policy_update(*, actor: Principal, obj: Policy, data: dict, if_match: str | None = None) -> Policy:
    """Editing the body of a published policy starts a new version that needs a new review."""
    revised = {"flag": False}

    def new_version(policy: Policy, changed: set[str]) -> None:
        if "body" in changed and policy.status == PolicyStatus.PUBLISHED:
            policy.version = bump_minor(policy.version)
            revised["flag"] = True

    policy = core.record_update(actor=actor, obj=obj, data=data, if_match=if_match, prepare=new_version)
    if revised["flag"]:
        policy = policy_revise(actor=actor, policy=policy, comment=f"New version {policy.version}",
                               check_permission=False)
    return policy


policy_submit = transition_action(Policy, "submit")
policy_retire = transition_action(Policy, "retire")
policy_revise = transition_action(Policy, "revise")  # policy_update's, when a published text changes


@action(Policy, "complete", body=CompleteReviewBody)
@transaction.atomic
def policy_complete(*, actor: Principal, policy: Policy, next_review_at: datetime | None = None, comment: str = "",
                    if_match: str | None = None) -> Policy:
    """Publish after review and keep the published text as a version."""
    policy = core.record_transition(actor=actor, obj=policy, name="complete", comment=comment, if_match=if_match,
                                    params={"next_review_at": next_review_at})
    PolicyVersion.objects.update_or_create(
        policy=policy, version=policy.version,
        defaults={"tenant_id": policy.tenant_id, "name": policy.name, "body": policy.body,
                  "published_at": timezone.now(), "created_by": actor.person_id},
    )
    return policy


@transaction.atomic
def policy_acknowledge(*, actor: Principal, obj: Policy) -> tuple[PolicyAcknowledgement, bool]:
    """Record that the caller read the current version; a second call changes nothing."""
    if obj.status != PolicyStatus.PUBLISHED:
        raise Conflict(f"Only published policies can be acknowledged; this one is {obj.status}.")
    existing = PolicyAcknowledgement.objects.filter(policy=obj, version=obj.version, person_id=actor.person_id).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            ack = PolicyAcknowledgement.objects.create(policy=obj, tenant_id=obj.tenant_id, version=obj.version,
                                                       person_id=actor.person_id)
    except IntegrityError:  # a concurrent duplicate won
        return PolicyAcknowledgement.objects.get(policy=obj, version=obj.version, person_id=actor.person_id), False
    count_acknowledgement(tenant_id=obj.tenant_id, policy_id=obj.pk, version=obj.version, person_id=actor.person_id)
    events.emit(obj=obj, action="acknowledged", actor=actor,
                payload={"policy_id": obj.pk, "version": obj.version, "person_id": actor.person_id})
    return ack, True


def policies_review_due(*, within_days: int, now=None) -> list[Policy]:
    """Emit `policies.policy.review_due` once per review cycle for published policies due soon."""
    now = now or timezone.now()
    due = Policy.objects.filter(status=PolicyStatus.PUBLISHED, next_review_at__lte=now + timezone.timedelta(days=within_days),
                                review_due_notified_at__isnull=True)
    notified = []
    for policy in due.iterator():
        with transaction.atomic():
            if Policy.objects.filter(pk=policy.pk, review_due_notified_at__isnull=True).update(review_due_notified_at=now):
                events.emit(obj=policy, action="review_due", actor=system_principal(policy.tenant_id))
                notified.append(policy)
    return notified


# -- acknowledgement campaigns ------------------------------------------------------------------------
def _set_groups(campaign: AcknowledgementCampaign, groups) -> None:
    """Groups of the campaign's tenant only (the API and the admin offer no other; this is the last word)."""
    chosen = list(groups or ())
    ids = [g.pk if hasattr(g, "pk") else g for g in chosen]
    found = list(Group.objects.filter(tenant_id=campaign.tenant_id, pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"groups": ["Choose groups of your tenant's directory."]})
    campaign.groups.set(found)


@transaction.atomic
def acknowledgement_campaign_create(*, actor: Principal, data: dict) -> AcknowledgementCampaign:
    """A draft campaign for the policy's current version (stamped now: a later version needs its own)."""
    data = dict(data)
    groups = data.pop("groups", None)
    policy = data.get("policy")
    if policy is None or policy.tenant_id != actor.tenant_id:
        raise ValidationError({"policy": ["Choose a policy of your tenant."]})
    if policy.status != PolicyStatus.PUBLISHED:
        raise ValidationError({"policy": [f"Choose a published policy: this one is {policy.status}."]})
    campaign = AcknowledgementCampaign(**data, version=policy.version)
    campaign = core.record_create(actor=actor, obj=campaign, emit=False)
    _set_groups(campaign, groups)
    events.emit(obj=campaign, action="created", actor=actor)
    return campaign


@transaction.atomic
def acknowledgement_campaign_update(*, actor: Principal, obj: AcknowledgementCampaign, data: dict,
                                    if_match: str | None = None) -> AcknowledgementCampaign:
    data = dict(data)
    groups = data.pop("groups", None)
    data.pop("policy", None)  # a campaign stays with its policy version
    if groups is not None and {getattr(g, "pk", g) for g in groups} != set(obj.groups.values_list("pk", flat=True)):
        core.check_write(actor, AcknowledgementCampaign)
        if obj.status != CampaignStatus.DRAFT:  # a many-to-many: the field policy sees concrete fields only
            raise Conflict(f"groups cannot change while the campaign is {obj.status}.",
                           errors=[{"field": "groups", "message": f"frozen while {obj.status}"}])
        _set_groups(obj, groups)
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)


def _count_audience(campaign: AcknowledgementCampaign) -> None:
    """Launching and closing count the audience (saved with the transition)."""
    progress = progress_of(campaign)
    campaign.counted_audience, campaign.counted_acknowledged = progress.audience, progress.acknowledged
    campaign.counted_at = timezone.now()


@action(AcknowledgementCampaign, "launch")
def acknowledgement_campaign_launch(*, actor: Principal, acknowledgement_campaign: AcknowledgementCampaign,
                                    comment: str = "", if_match: str | None = None) -> AcknowledgementCampaign:
    return core.record_transition(actor=actor, obj=acknowledgement_campaign, name="launch", comment=comment,
                                  if_match=if_match, prepare=_count_audience)


@action(AcknowledgementCampaign, "close")
def acknowledgement_campaign_close(*, actor: Principal, acknowledgement_campaign: AcknowledgementCampaign,
                                   comment: str = "", if_match: str | None = None) -> AcknowledgementCampaign:
    return core.record_transition(actor=actor, obj=acknowledgement_campaign, name="close", comment=comment,
                                  if_match=if_match, prepare=_count_audience)


def acknowledgement_campaign_recount(*, campaign: AcknowledgementCampaign) -> Progress:
    """Count the campaign's audience and acknowledgements now and keep the numbers on it (no history
    row or event: a count is a reading, not a change of the campaign)."""
    progress = progress_of(campaign)
    now = timezone.now()
    AcknowledgementCampaign.objects.filter(pk=campaign.pk).update(
        counted_audience=progress.audience, counted_acknowledged=progress.acknowledged, counted_at=now)
    campaign.counted_audience, campaign.counted_acknowledged, campaign.counted_at = (
        progress.audience, progress.acknowledged, now)
    return progress


def acknowledgement_campaigns_remind(*, now=None) -> list[tuple[AcknowledgementCampaign, object]]:
    """Emit `policies.acknowledgement_campaign.reminder` once per reached reminder slot of each open
    campaign (missed slots fold into the latest), and recount each open campaign's progress. Its notifications go to who is outstanding when the
    event is fanned out. A campaign whose version was superseded reminds no one."""
    now = now or timezone.now()
    sent = []
    campaigns = (AcknowledgementCampaign.objects.filter(status=CampaignStatus.OPEN, launched_at__isnull=False)
                 .select_related("policy").order_by("id"))
    for campaign in campaigns.iterator():
        acknowledgement_campaign_recount(campaign=campaign)  # the sweep keeps the admin's numbers fresh
        slot = campaign.due_slot(now)
        policy = campaign.policy
        if slot is None or policy.status != PolicyStatus.PUBLISHED or policy.version != campaign.version:
            continue
        with transaction.atomic():
            claimed = AcknowledgementCampaign.objects.filter(
                pk=campaign.pk, status=CampaignStatus.OPEN, reminded_slot_at=campaign.reminded_slot_at,
            ).update(reminded_slot_at=slot)
            if claimed:
                campaign.reminded_slot_at = slot
                events.emit(obj=campaign, action="reminder", actor=system_principal(campaign.tenant_id),
                            payload={**events.record_payload(campaign), "slot_at": slot.isoformat(),
                                     "final": slot >= campaign.due_at})
                sent.append((campaign, slot))
    return sent
