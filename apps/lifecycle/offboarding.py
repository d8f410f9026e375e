"""Opening an offboarding case and handing each of its items over: what the person held (grants,
equipment, API keys), decided (approval steps), had to do (tickets, queue items) and owned (catalog
entries, connectors, policies, webhooks). Items that another system must confirm stay pending until
it does (apps/lifecycle/reactions.py); the rest are done, or flagged to the admin, when the case opens."""
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core import services as core
from apps.directory.models import Person
from apps.core.exceptions import Conflict, Forbidden
from apps.core.principal import Principal, system_principal

from .choices import CaseStatus, CaseTrigger, ItemKind, ItemStatus
from .models import LifecycleSettings, OffboardingCase, OffboardingItem

logger = logging.getLogger("apps.lifecycle")


def trigger_of(actor) -> tuple[str, str]:
    """(trigger, who) for the actor who deactivated the person."""
    who = getattr(actor, "person_id", "") or ""
    extra = getattr(actor, "extra", None) or {}
    if extra.get("scim_token") or who.startswith("scim:"):
        return CaseTrigger.SCIM, who
    if extra.get("planned_leave"):
        return CaseTrigger.SCHEDULED, who
    if who and who != "system":
        return CaseTrigger.DIRECTORY, who
    return CaseTrigger.OTHER, who


def active_manager(person: Person) -> str | None:
    """The first active person up the person's management chain (their work and ownership fall back there)."""
    seen = {person.pk}
    manager_id = person.manager_id
    while manager_id and manager_id not in seen:
        seen.add(manager_id)
        manager = Person.objects.filter(tenant_id=person.tenant_id, pk=manager_id).values("active", "manager_id").first()
        if manager is None:
            return None
        if manager["active"]:
            return manager_id
        manager_id = manager["manager_id"]
    return None


@transaction.atomic
def offboarding_case_open(*, actor: Principal, person: Person) -> OffboardingCase | None:
    """One case per deactivation: None when the person already has an open one."""
    if OffboardingCase.objects.select_for_update().filter(tenant_id=person.tenant_id, person_id=person.pk,
                                                          status=CaseStatus.OPEN).exists():
        return None
    trigger, who = trigger_of(actor)
    now = timezone.now()
    engine = system_principal(person.tenant_id)
    case = core.record_create(actor=engine, obj=OffboardingCase(
        person_id=person.pk, trigger=trigger, triggered_by=who, manager_id=person.manager_id,
        due_at=OffboardingCase.due_from(now, LifecycleSettings.of(person.tenant_id))))
    fallback = active_manager(person)
    for hand_over in HAND_OVERS:
        hand_over(case=case, person=person, fallback=fallback, engine=engine)
    from .closing import case_close_if_done

    case_close_if_done(case_id=case.pk)
    return case


def _item(case: OffboardingCase, *, kind: str, subject, label: str, target: str = "") -> OffboardingItem:
    return core.record_create(actor=system_principal(case.tenant_id), obj=OffboardingItem(
        case=case, kind=kind, subject_type=subject._meta.label_lower, subject_id=subject.pk, label=label[:300],
        target=target[:300]))


def item_done(item: OffboardingItem, *, by: str, action: str, confirmation: str = "") -> OffboardingItem:
    return core.record_transition(actor=system_principal(item.tenant_id), obj=item, name="complete",
                                  params={"by": by, "action": action, "confirmation": confirmation},
                                  check_permission=False)


def item_flag(item: OffboardingItem, *, reason: str) -> OffboardingItem:
    return core.record_transition(actor=system_principal(item.tenant_id), obj=item, name="flag",
                                  params={"reason": reason}, check_permission=False)


# --- grants ------------------------------------------------------------------------------------------
def access_of(tenant_id: str, person_id: str, *statuses: str):
    """The person's catalog access requests in `statuses` (not requests to remove access), theirs as
    principal or as requester."""
    from apps.operations.choices import AccessType
    from apps.operations.models import AccessRequest

    return (AccessRequest.objects.filter(Q(principal_id=person_id) | (Q(requester_id=person_id)
                                                                      & (Q(principal_id__isnull=True) | Q(principal_id=""))),
                                         tenant_id=tenant_id, status__in=statuses, entitlement__isnull=False)
            .exclude(access_type=AccessType.REVOKE).select_related("entitlement__system"))


def held_grants(tenant_id: str, person_id: str):
    """The person's catalog grants the target holds (provisioned)."""
    from apps.operations.choices import AccessStatus

    return access_of(tenant_id, person_id, AccessStatus.PROVISIONED)


def _where(grant) -> str:
    system = grant.entitlement.system
    return f"{system.name}" + (f" ({grant.entitlement.target_ref})" if grant.entitlement.target_ref else " (manual)")


def revoke_hand_over(grant_id: str, *, now=None) -> bool:
    """Give the grant to its connector for removal (the provisioning engine's revoke, confirmed by
    read-back; a manual system's owner gets a task); False when it is no longer held."""
    from apps.operations.choices import AccessStatus, ProvisioningOp
    from apps.operations.models import AccessRequest
    from apps.operations.provisioning import FALLBACK, provisioning_enqueue

    now = now or timezone.now()
    updated = AccessRequest.objects.filter(pk=grant_id, status=AccessStatus.PROVISIONED).update(
        provisioning_op=ProvisioningOp.REVOKE, provisioning_attempts=0, provisioning_error="",
        provisioning_next_attempt_at=now + FALLBACK)
    if updated:
        provisioning_enqueue(grant_id)
    return bool(updated)


def _revoke_grants(*, case, person, fallback, engine) -> None:
    for grant in held_grants(case.tenant_id, person.pk):
        _item(case, kind=ItemKind.REVOKE_ACCESS, subject=grant, label=str(grant.entitlement), target=_where(grant))
        revoke_hand_over(grant.pk)


# --- open requests -----------------------------------------------------------------------------------
def _stop_requests(*, case, person, fallback, engine) -> None:
    """What the leaver asked for, or was to be given, and no longer needs: their open approval requests
    (and those deciding access for them) are cancelled with the reason and the request withdrawn; access
    approved but not started is withdrawn before it reaches the target; access being provisioned gets a
    revoke item, handed over once the target confirms the grant (reactions.access_provisioned)."""
    from apps.approvals.choices import OPEN_REQUEST_STATES
    from apps.approvals.models import ApprovalRequest
    from apps.approvals.services import approval_request_cancel
    from apps.operations.choices import AccessStatus

    reason = f"{person.label} left (offboarding case {case.pk}): cancelled."
    waiting = access_of(case.tenant_id, person.pk, AccessStatus.PENDING)
    approvals = ApprovalRequest.objects.filter(
        Q(requested_by_id=person.pk) | Q(entity_type="AccessRequest", entity_id__in=list(waiting.values_list("pk", flat=True))),
        tenant_id=case.tenant_id, status__in=OPEN_REQUEST_STATES).order_by("created_at", "id")
    for approval in approvals:
        target = approval.target()
        item = _item(case, kind=ItemKind.CANCEL_REQUEST, subject=target or approval, label=str(target or approval.title),
                     target="approval cancelled")
        approval_request_cancel(actor=engine, approval_request=approval, comment=reason)
        if target is not None and getattr(target, "status", "") == "pending":
            core.record_delete(actor=engine, obj=target)
        item_done(item, by=engine.person_id, action=f"approval {approval.pk} cancelled; request withdrawn",
                  confirmation=reason)
    for grant in access_of(case.tenant_id, person.pk, AccessStatus.PENDING, AccessStatus.APPROVED):
        item = _item(case, kind=ItemKind.CANCEL_REQUEST, subject=grant, label=str(grant.entitlement), target=_where(grant))
        core.record_delete(actor=engine, obj=grant)
        item_done(item, by=engine.person_id, action=f"withdrawn before provisioning (was {grant.status})",
                  confirmation=reason)
    for grant in access_of(case.tenant_id, person.pk, AccessStatus.PROVISIONING, AccessStatus.PROVISIONING_FAILED):
        _item(case, kind=ItemKind.REVOKE_ACCESS, subject=grant, label=str(grant.entitlement),
              target=f"{_where(grant)}: removed once the grant in progress completes")


# --- equipment ---------------------------------------------------------------------------------------
RETURN_TASK = "equipment_return"


def _return_equipment(*, case, person, fallback, engine) -> None:
    from apps.operations.choices import EquipmentStatus
    from apps.operations.models import Equipment, Pending

    for equipment in Equipment.objects.filter(tenant_id=case.tenant_id, requester_id=person.pk,
                                              status=EquipmentStatus.DELIVERED):
        _item(case, kind=ItemKind.RETURN_EQUIPMENT, subject=equipment, label=equipment.equipment_type,
              target="IT queue: a return task")
        core.record_create(actor=engine, obj=Pending(
            type=RETURN_TASK, source_id=equipment.pk, entity_type="Equipment", entity_id=equipment.pk,
            requested_by_id=person.pk, priority=2, title=f"Collect {equipment.equipment_type} from {person.label}"[:300],
            description=(f"{person.label} left (offboarding case {case.pk}). Collect the {equipment.equipment_type} "
                         f"({equipment.specification[:200]}) and mark the equipment request returned.")))


# --- approval steps ----------------------------------------------------------------------------------
def _step_candidates(step, person_id: str, fallback: str | None) -> list[tuple[str, str]]:
    """(who, why) in order: the step's own approver when the leaver was its delegate, the leaver's
    manager (chain fallback), the owner of what the step decides."""
    from apps.approvals.routing import record_owner

    out = []
    if step.delegated and step.delegated_to_id == person_id and step.approver_id and step.approver_id != person_id:
        out.append((step.approver_id, "back to the step's approver, who had delegated it"))
    if fallback:
        out.append((fallback, "to the leaver's manager (chain fallback)"))
    target = step.approval_request.target()
    owner = record_owner(target) if target is not None else None
    if owner and owner[1] == "person":
        out.append((owner[0], "to the owner of what it decides"))
    return out


def _reroute_steps(*, case, person, fallback, engine) -> None:
    from apps.approvals.models import ApprovalStep
    from apps.approvals.services import approval_step_delegate, approval_step_reroute

    # Active steps, and later steps of open requests (waiting): those are delegated ahead.
    open_steps = ApprovalStep.objects.filter(
        Q(approver_id=person.pk, delegated=False) | Q(delegated_to_id=person.pk, delegated=True),
        tenant_id=case.tenant_id, status__in=("pending", "delegated", "waiting"),
        approval_request__status__in=("draft", "pending")).select_related("approval_request")
    for step in open_steps.order_by("approval_request_id", "step_index"):
        later = step.status == "waiting"
        reroute = approval_step_reroute if later else approval_step_delegate
        item = _item(case, kind=ItemKind.REROUTE_STEP, subject=step,
                     label=f"Step {step.step_index + 1} of {step.approval_request.title}{' (not active yet)' if later else ''}"[:300])
        for candidate, why in _step_candidates(step, person.pk, fallback):
            try:
                with transaction.atomic():
                    reroute(actor=engine, approval_step=step, delegated_to_id=candidate,
                            comment=f"{person.label} left: re-routed {why}.")
            except (ValidationError, Conflict, Forbidden) as exc:
                logger.info("step %s cannot go to %s: %s", step.pk, candidate, exc)
                step.refresh_from_db()
                continue
            item_done(item, by=engine.person_id, action=f"delegated {why}", confirmation=f"decider now {candidate}")
            item.target = candidate
            OffboardingItem.objects.filter(pk=item.pk).update(target=candidate)
            break
        else:
            item_flag(item, reason="Nobody may take this step (no active delegate, manager or owner who may decide it): "
                                   "delegate it in Approvals, then resolve this item.")


# --- work back to the queue --------------------------------------------------------------------------
def _requeue_work(*, case, person, fallback, engine) -> None:
    from apps.helpdesk.models import Ticket
    from apps.operations.choices import PendingStatus
    from apps.operations.models import Pending

    for ticket in Ticket.objects.filter(tenant_id=case.tenant_id, assigned_to_id=person.pk,
                                        status__in=("new", "open", "pending")):
        item = _item(case, kind=ItemKind.REQUEUE_WORK, subject=ticket, label=str(ticket),
                     target=f"team {ticket.team_id}" if ticket.team_id else "the helpdesk queue")
        core.record_update(actor=engine, obj=ticket, data={"assigned_to_id": None})
        item_done(item, by=engine.person_id, action="unassigned: back to the queue")
    tasks = (Pending.objects.filter(tenant_id=case.tenant_id, assignee_id=person.pk)
             .exclude(status=PendingStatus.COMPLETED).exclude(type="approval"))  # approval items follow their step
    for task in tasks:
        item = _item(case, kind=ItemKind.REQUEUE_WORK, subject=task, label=task.title or task.type, target="the work queue")
        core.record_update(actor=engine, obj=task, data={"assignee_id": None})
        item_done(item, by=engine.person_id, action="unassigned: back to the queue")


# --- owned objects -----------------------------------------------------------------------------------
def _owned_models():
    from apps.integration.catalog_models import AccessSystem, Entitlement
    from apps.integration.models import Connector
    from apps.policies.models import Policy

    return (Entitlement, AccessSystem, Connector, Policy)


def _reassign_owned(*, case, person, fallback, engine) -> None:
    from apps.integration.models import Webhook

    for model in _owned_models():
        owned = model.objects.filter(tenant_id=case.tenant_id, owner_id=person.pk)
        if hasattr(model, "owner_type"):
            owned = owned.exclude(owner_type="group")
        for obj in owned:
            item = _item(case, kind=ItemKind.REASSIGN_OWNER, subject=obj,
                         label=f"{model._meta.verbose_name.capitalize()}: {obj}")
            if fallback:
                core.record_update(actor=engine, obj=obj, data={"owner_id": fallback})
                OffboardingItem.objects.filter(pk=item.pk).update(target=fallback)
                item_done(item, by=engine.person_id, action="owner set to the leaver's manager",
                          confirmation=f"owner now {fallback}")
            else:
                item_flag(item, reason="No active manager to take it over: choose a new owner, then resolve this item.")
    for webhook in Webhook.objects.filter(tenant_id=case.tenant_id, created_by=person.pk, enabled=True):
        item = _item(case, kind=ItemKind.REASSIGN_OWNER, subject=webhook, label=f"Webhook: {webhook.name}")
        item_flag(item, reason="The leaver set up this webhook: confirm who keeps its receiver, then resolve this item.")


# --- API keys ----------------------------------------------------------------------------------------
def _stop_api_keys(*, case, person, fallback, engine) -> None:
    from apps.integration.actions import integration_api_key_revoke
    from apps.integration.choices import KeyStatus
    from apps.integration.models import IntegrationApiKey

    keys = IntegrationApiKey.objects.filter(Q(created_by_user_id=person.pk) | Q(issued_to_user_id=person.pk),
                                            tenant_id=case.tenant_id, status=KeyStatus.ACTIVE)
    for key in keys:
        item = _item(case, kind=ItemKind.STOP_API_KEY, subject=key, label=f"API key {key.name} ({key.prefix}…)",
                     target=f"service {key.issued_to_service}" if key.issued_to_service else "")
        integration_api_key_revoke(actor=engine, integration_api_key=key, comment=f"{person.label} left.")
        action = "revoked" + (f"; re-issue a key for {key.issued_to_service}" if key.issued_to_service else "")
        item_done(item, by=engine.person_id, action=action, confirmation="key status revoked: refused from now on")


HAND_OVERS = (_revoke_grants, _return_equipment, _stop_requests, _reroute_steps, _requeue_work, _reassign_owned, _stop_api_keys)
