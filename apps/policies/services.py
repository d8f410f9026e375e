"""Policy library actions: versions on published edits, reviews, acknowledgements."""
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core import events
from apps.core import services as core
from apps.core.exceptions import Conflict
from apps.core.principal import Principal, system_principal

from .choices import PolicyStatus
from .models import Policy, PolicyAcknowledgement, PolicyVersion


def bump_minor(version: str) -> str:
    try:
        major, minor, *_ = (int(part) for part in version.split("."))
    except ValueError:
        return "1.1.0"
    return f"{major}.{minor + 1}.0"


@core.serves(Policy, "create")
@transaction.atomic
def policy_create(*, actor: Principal, data: dict) -> Policy:
    policy = Policy(**data)
    policy.owner_id = policy.owner_id or actor.person_id
    return core.record_create(actor=actor, obj=policy)


@core.serves(Policy, "update")
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
        policy = core.record_transition(actor=actor, obj=policy, name="revise", check_permission=False,
                                        body={"comment": f"New version {policy.version}"})
    return policy


@core.serves(Policy, "complete")
@transaction.atomic
def policy_complete(*, actor: Principal, obj: Policy, if_match: str | None = None, check_permission: bool = True,
                    **body) -> Policy:
    """Publish after review and keep the published text as a version. `check_permission=False`
    when an approval decided it (the approval engine checked the decider)."""
    policy = core.record_transition(actor=actor, obj=obj, name="complete", body=body, if_match=if_match,
                                    check_permission=check_permission)
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
