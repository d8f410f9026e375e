"""Joiners and movers: birthright access follows the directory. For a person, the entitlements their
groups and department carry (active BirthrightRule rows) are filed as access requests approved by the
rule (provisioned like any grant); birthright grants they no longer match are revoked after the tenant's
grace period (ScheduledRevoke, handed over by the lifecycle sweep), unless they match again first. A
newcomer to a group gets its onboarding checklist opened; a new manager takes over the steps the old one
was to decide on the person's requests."""
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core import services as core
from apps.directory.models import Person
from apps.core.exceptions import Conflict
from apps.core.principal import Principal, system_principal

from .models import BirthrightRule, LifecycleSettings, OnboardingChecklist, ScheduledRevoke

logger = logging.getLogger("apps.lifecycle")
BIRTHRIGHT = "birthright"  # the `source` of an access request a rule filed
LIVE = ("pending", "approved", "provisioning", "provisioning_failed", "provisioned")


def _rules_for(person: Person):
    if not person.active or person.is_deleted:
        return BirthrightRule.objects.none()
    department = person.department.strip()
    location = person.location.strip()
    match = (Q(group_id__in=person.groups.values("pk")) | (Q(department=department) if department else Q(pk__in=[]))
             | (Q(location=location) if location else Q(pk__in=[])))
    return BirthrightRule.objects.filter(match, tenant_id=person.tenant_id, is_active=True).select_related("entitlement")


def birthright_grants(person: Person):
    from apps.operations.models import AccessRequest

    return AccessRequest.objects.filter(tenant_id=person.tenant_id, requester_id=person.pk, source=BIRTHRIGHT,
                                        status__in=LIVE, entitlement__isnull=False)


def _rule_actor(tenant_id: str, rule: BirthrightRule) -> Principal:
    return Principal(person_id=f"rule:{rule.pk}", tenant_id=tenant_id, roles=frozenset({"admin"}), source_type="system")


def _grant_by_rule(person: Person, rule: BirthrightRule):
    from apps.operations.actions import access_request_approve
    from apps.operations.services import access_request_create

    request = access_request_create(actor=_rule_actor(person.tenant_id, rule), data={
        "requester_id": person.pk, "entitlement_id": rule.entitlement_id, "access_type": "new", "source": BIRTHRIGHT,
        "justification": f"Birthright: {rule}"})
    try:
        with transaction.atomic():
            access_request_approve(actor=system_principal(person.tenant_id), access_request=request,
                                   comment=f"Approved by the birthright rule {rule.pk} ({rule}).")
    except Conflict:  # the tenant routes catalog requests to an approval chain: its approvers decide
        logger.info("birthright request %s waits on its approval chain", request.pk)
    return request


@transaction.atomic
def birthrights_reconcile(*, person: Person, now=None) -> dict:
    """File what the person's rules carry and they lack; schedule the removal of what they no longer match."""
    now = now or timezone.now()
    rules = {}
    for rule in _rules_for(person):
        rules.setdefault(rule.entitlement_id, rule)
    held = {}
    for grant in birthright_grants(person).select_for_update():
        held.setdefault(grant.entitlement_id, grant)
    if not rules and not held:  # nothing carried, nothing to take back (most people of most directories)
        return {"filed": [], "scheduled": [], "cancelled": 0}
    filed = [_grant_by_rule(person, rule).pk for ent, rule in rules.items() if ent not in held]
    pending = ScheduledRevoke.objects.filter(person_id=person.pk, tenant_id=person.tenant_id,
                                             handed_over_at__isnull=True, cancelled_at__isnull=True)
    kept = pending.filter(grant__entitlement_id__in=list(rules))
    cancelled = kept.update(cancelled_at=now)
    scheduled = []
    grace = timedelta(days=LifecycleSettings.of(person.tenant_id).mover_grace_days)
    already = set(pending.values_list("grant_id", flat=True))
    for entitlement_id, grant in held.items():
        if entitlement_id in rules or grant.pk in already:
            continue
        scheduled.append(core.record_create(actor=system_principal(person.tenant_id), obj=ScheduledRevoke(
            grant=grant, person_id=person.pk, due_at=now + grace,
            reason=f"No birthright rule of {person.label} carries {grant.grant} any more")).pk)
    return {"filed": filed, "scheduled": scheduled, "cancelled": cancelled}


def mover_revokes_due(*, now=None) -> int:
    from .offboarding import revoke_hand_over

    now = now or timezone.now()
    handed = 0
    for revoke in ScheduledRevoke.objects.filter(due_at__lte=now, handed_over_at__isnull=True, cancelled_at__isnull=True):
        with transaction.atomic():
            if ScheduledRevoke.objects.filter(pk=revoke.pk, handed_over_at__isnull=True).update(handed_over_at=now):
                handed += revoke_hand_over(revoke.grant_id, now=now)
    return handed


# --- onboarding checklists ---------------------------------------------------------------------------
ONBOARDING_TASK = "onboarding"


def onboarding_open(*, person: Person, checklist: OnboardingChecklist) -> bool:
    """Open the checklist for the person once: an equipment request, HR requests, a task per policy."""
    from apps.operations.models import Equipment, HRRequest, Pending

    tasks = Pending.objects.filter(tenant_id=person.tenant_id, type=ONBOARDING_TASK, source_id=checklist.pk,
                                   requested_by_id=person.pk)
    if tasks.exists():
        return False
    engine = system_principal(person.tenant_id)
    opened = []
    if checklist.equipment_type:
        equipment = core.record_create(actor=engine, obj=Equipment(
            requester_id=person.pk, equipment_type=checklist.equipment_type,
            specification=checklist.equipment_specification or checklist.equipment_type))
        opened.append(f"equipment request {equipment.pk}")
    for hr_type in checklist.hr_request_types:
        hr = core.record_create(actor=engine, obj=HRRequest(requester_id=person.pk, type=hr_type,
                                                            description=f"Onboarding of {person.label}"))
        opened.append(f"HR request {hr.pk}")
    for policy in checklist.policies.all():
        core.record_create(actor=engine, obj=Pending(
            type="policy_acknowledgement", source_id=policy.pk, entity_type="Policy", entity_id=policy.pk,
            assignee_id=person.pk, requested_by_id=person.pk, title=f"Acknowledge the policy {policy.name}"[:300]))
        opened.append(f"policy {policy.name}")
    core.record_create(actor=engine, obj=Pending(
        type=ONBOARDING_TASK, source_id=checklist.pk, entity_type="OnboardingChecklist", entity_id=checklist.pk,
        requested_by_id=person.pk, title=f"Onboarding of {person.label}"[:300],
        description="Opened: " + (", ".join(opened) or "nothing")))
    return True


def _checklists(person: Person) -> None:
    if not person.active:
        return
    checklists = OnboardingChecklist.objects.filter(tenant_id=person.tenant_id, is_active=True,
                                                    group_id__in=person.groups.values("pk"))
    for checklist in checklists:
        onboarding_open(person=person, checklist=checklist)


# --- reactions (apps/lifecycle/receivers.py) ---------------------------------------------------------
def person_joined(*, person: Person) -> None:
    birthrights_reconcile(person=person)
    _checklists(person)


def person_changed(*, person: Person) -> None:
    """A department or manager change (any update: the reconcile is idempotent)."""
    if not person.active:
        return
    birthrights_reconcile(person=person)
    previous = person.history.order_by("-history_id")[1:2].first()
    if previous is not None and previous.manager_id != person.manager_id and previous.manager_id:
        reroute_old_manager_steps(person=person, old_manager_id=previous.manager_id)


def group_members_changed(*, group, changed: list[str]) -> None:
    """The people who joined or left: their birthrights and checklists, when the group carries any (a
    rule, active or not: its grants are taken back from who left; an active checklist)."""
    if not changed:
        return
    rules = BirthrightRule.objects.filter(tenant_id=group.tenant_id, group=group)
    checklists = OnboardingChecklist.objects.filter(tenant_id=group.tenant_id, group=group, is_active=True)
    if not rules.exists() and not checklists.exists():
        return
    for person in Person.objects.filter(tenant_id=group.tenant_id, pk__in=changed):
        birthrights_reconcile(person=person)
        _checklists(person)


def reroute_old_manager_steps(*, person: Person, old_manager_id: str) -> int:
    """Open steps the old manager was to decide on the person's requests go to the new manager."""
    from apps.approvals.models import ApprovalStep
    from apps.approvals.services import approval_step_delegate

    if not person.manager_id:
        return 0
    moved = 0
    steps = ApprovalStep.objects.filter(tenant_id=person.tenant_id, approval_request__requested_by_id=person.pk,
                                        status__in=("pending", "delegated")).filter(
        Q(approver_id=old_manager_id, delegated=False) | Q(delegated_to_id=old_manager_id, delegated=True))
    for step in steps:
        try:
            with transaction.atomic():
                approval_step_delegate(actor=Principal(person_id=old_manager_id, tenant_id=person.tenant_id,
                                                       roles=frozenset({"approver"}), source_type="system"),
                                       approval_step=step, delegated_to_id=person.manager_id,
                                       comment=f"{person.label} has a new manager: re-routed to them.")
            moved += 1
        except Exception as exc:  # the new manager may not decide it: the approvals dashboard shows it
            logger.info("step %s stays with %s: %s", step.pk, old_manager_id, exc)
    return moved
