"""What moves a case on, from the outbox events of other domains (inside their transaction):
a deactivation opens a case, a re-activation stops it, a grant the target confirmed gone and a laptop
returned complete their items."""
from django.db import transaction
from django.utils import timezone

from apps.core import services as core
from apps.core.principal import system_principal

from .choices import CaseStatus, ItemKind, ItemStatus
from .closing import case_close_if_done
from .models import OffboardingCase, OffboardingItem


def person_deactivated(*, person, actor) -> None:
    from .offboarding import offboarding_case_open

    offboarding_case_open(actor=actor, person=person)


def person_deleted(*, person, actor) -> None:
    """A SCIM DELETE deactivates without its own event: a case opens unless one is open, or the last
    one already ran for this deactivation (it was not stopped by a re-activation since)."""
    last = OffboardingCase.objects.filter(tenant_id=person.tenant_id, person_id=person.pk).order_by("-created_at").first()
    if last is None or last.status == CaseStatus.STOPPED:
        person_deactivated(person=person, actor=actor)


def person_reactivated(*, person, actor) -> None:
    """Stop the open case: pending revokes are taken back from the connectors (what the targets already
    confirmed stays revoked), and the case says what was stopped and what was already done."""
    from apps.operations.choices import AccessStatus, ProvisioningOp
    from apps.operations.models import AccessRequest

    case = OffboardingCase.objects.select_for_update().filter(tenant_id=person.tenant_id, person_id=person.pk,
                                                              status=CaseStatus.OPEN).first()
    if case is None:
        return
    engine = system_principal(case.tenant_id)
    stopped, done = [], []
    for item in case.items.select_for_update().order_by("id"):
        if item.kind == ItemKind.REVOKE_ACCESS and item.status == ItemStatus.DONE:
            done.append(item.label)
        if item.status not in (ItemStatus.PENDING, ItemStatus.FAILED, ItemStatus.FLAGGED):
            continue
        if item.kind == ItemKind.REVOKE_ACCESS:
            AccessRequest.objects.filter(pk=item.subject_id, status=AccessStatus.PROVISIONED,
                                         provisioning_op=ProvisioningOp.REVOKE).update(
                provisioning_op="", provisioning_error="", provisioning_attempts=0, provisioning_next_attempt_at=None)
            stopped.append(item.label)
        core.record_transition(actor=engine, obj=item, name="cancel", check_permission=False,
                               params={"reason": "stopped: the person was re-activated"})
    who = getattr(actor, "person_id", "") or "unknown"
    reason = (f"{person.label} was re-activated by {who} on {timezone.now():%Y-%m-%d %H:%M UTC}. "
              f"Revokes stopped: {', '.join(stopped) or 'none'}. Already revoked (request them again if needed): "
              f"{', '.join(done) or 'none'}.")
    case = core.record_transition(actor=engine, obj=case, name="stop", check_permission=False, params={"reason": reason})
    from .closing import _attach_quietly

    transaction.on_commit(lambda: _attach_quietly(case.pk))


def _open_items(subject_id: str, kind: str):
    return (OffboardingItem.objects.select_for_update()
            .filter(subject_id=subject_id, kind=kind, status__in=(ItemStatus.PENDING, ItemStatus.FAILED),
                    case__status=CaseStatus.OPEN))


def access_revoked(*, grant, actor) -> None:
    """The target confirmed the grant is gone (read back by the connector, or its owner closed the task)."""
    from .offboarding import item_done

    for item in _open_items(grant.pk, ItemKind.REVOKE_ACCESS):
        how = "absent on read-back" if grant.entitlement.system.connector_id else "the owner's removal task was closed"
        item_done(item, by=getattr(actor, "person_id", "") or "", action="revoked through the connector"
                  if grant.entitlement.system.connector_id else "removed by the system's owner",
                  confirmation=f"{grant.entitlement.system.name}: {how}")
        case_close_if_done(case_id=item.case_id)


def equipment_returned(*, equipment, actor) -> None:
    from apps.operations.actions import pending_complete
    from apps.operations.choices import PendingStatus
    from apps.operations.models import Pending

    from .offboarding import RETURN_TASK, item_done

    for item in _open_items(equipment.pk, ItemKind.RETURN_EQUIPMENT):
        item_done(item, by=getattr(actor, "person_id", "") or "", action="returned",
                  confirmation="equipment request marked returned")
        for task in Pending.objects.filter(tenant_id=equipment.tenant_id, type=RETURN_TASK, source_id=equipment.pk).exclude(
                status=PendingStatus.COMPLETED):
            pending_complete(actor=system_principal(equipment.tenant_id), pending=task, check_permission=False)
        case_close_if_done(case_id=item.case_id)


def access_provisioned(*, grant, actor) -> None:
    """A grant a leaver's case was waiting on reached the target: hand it straight back for removal."""
    from .offboarding import revoke_hand_over

    if _open_items(grant.pk, ItemKind.REVOKE_ACCESS).exists():
        revoke_hand_over(grant.pk)
