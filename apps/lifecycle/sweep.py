"""The scheduler's lifecycle job (every minute): planned leaving dates that fell due deactivate their
person (which opens the case), revokes the targets refused show as failed items and are handed over
again, mover revocations whose grace period ended are handed over, and evidence reports that could
not be attached are attached."""
import logging
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core import services as core
from apps.core.principal import system_principal

from .choices import CaseStatus, ItemKind, ItemStatus
from .closing import case_attach_evidence, cases_missing_evidence
from .models import OffboardingCase, OffboardingItem, PlannedLeave
from .offboarding import revoke_hand_over

logger = logging.getLogger("apps.lifecycle")


def planned_leaves_due(*, now=None) -> int:
    from apps.directory.models import Person
    from apps.directory.services import person_deactivate

    now = now or timezone.now()
    count = 0
    for leave in PlannedLeave.objects.filter(leaves_on__lte=now.date(), done_at__isnull=True).order_by("leaves_on"):
        with transaction.atomic():
            leave = PlannedLeave.objects.select_for_update().filter(pk=leave.pk, done_at__isnull=True).first()
            if leave is None:
                continue
            person = Person.objects.filter(tenant_id=leave.tenant_id, pk=leave.person_id).first()
            actor = replace(system_principal(leave.tenant_id, person_id="scheduler"), extra={"planned_leave": leave.pk})
            if person is not None and person.active:
                person_deactivate(actor=actor, obj=person)
                count += 1
            PlannedLeave.objects.filter(pk=leave.pk).update(done_at=now)
    return count


def revokes_sync(*, now=None) -> dict:
    """Items of open cases whose grant the connector could not remove: failed (with the target's
    error), and handed over again once the engine's own retries are spent."""
    from apps.operations.choices import AccessStatus, ProvisioningOp
    from apps.operations.models import AccessRequest

    now = now or timezone.now()
    counts = {"failed": 0, "retried": 0}
    items = OffboardingItem.objects.filter(kind=ItemKind.REVOKE_ACCESS, case__status=CaseStatus.OPEN,
                                           status__in=(ItemStatus.PENDING, ItemStatus.FAILED))
    grants = {g.pk: g for g in AccessRequest.objects.filter(pk__in=items.values("subject_id"))}
    for item in items:
        grant = grants.get(item.subject_id)
        if grant is None or grant.status != AccessStatus.PROVISIONED:
            continue
        with transaction.atomic():
            if grant.provisioning_error and (item.status == ItemStatus.PENDING or item.last_error != grant.provisioning_error):
                core.record_transition(actor=system_principal(item.tenant_id), obj=item, name="fail",
                                       params={"error": grant.provisioning_error}, check_permission=False)
                counts["failed"] += 1
            lost = grant.provisioning_op != ProvisioningOp.REVOKE
            spent = grant.provisioning_next_attempt_at is None and bool(grant.provisioning_error)
            if lost or (spent and item.updated_at <= now - timedelta(seconds=settings.LIFECYCLE_RETRY_SECONDS)):
                revoke_hand_over(grant.pk, now=now)
                OffboardingItem.objects.filter(pk=item.pk).update(updated_at=now)
                counts["retried"] += 1
    return counts


def cases_overdue(*, now=None) -> int:
    """Open cases past their due date: each emits `overdue` once (IT hears of it)."""
    from apps.core import events

    now = now or timezone.now()
    count = 0
    for case in OffboardingCase.objects.filter(status=CaseStatus.OPEN, due_at__lte=now, overdue_at__isnull=True)[:500]:
        with transaction.atomic():
            if OffboardingCase.objects.filter(pk=case.pk, status=CaseStatus.OPEN, overdue_at__isnull=True).update(
                    overdue_at=now):
                case.overdue_at = now
                events.emit(obj=case, action="overdue", actor=system_principal(case.tenant_id))
                count += 1
    return count


def evidence_retry() -> int:
    done = 0
    for case_id in cases_missing_evidence().values_list("pk", flat=True)[:100]:
        try:
            if case_attach_evidence(case_id=case_id):
                done += 1
        except Exception:
            logger.warning("evidence report of %s still not attached", case_id, exc_info=True)
    return done


def lifecycle_sweep(*, now=None) -> dict:
    from .movers import mover_revokes_due

    return {"left": planned_leaves_due(now=now), **revokes_sync(now=now), "mover_revokes": mover_revokes_due(now=now),
            "overdue": cases_overdue(now=now), "evidence": evidence_retry()}
