"""Provisioning as a lifecycle: a catalog access request is granted, and later removed, by its system's
connector (apps/integration/connectors), and counts as done only when the target confirms it.

    approved ──start──▶ provisioning ──confirm──▶ provisioned ──(expiry, revoke request)──▶ completed
                            │   ▲                      │  renew: the grant is asserted again
                         fail  start (retry due)       │
                            ▼   │                      ▼
                      provisioning_failed ── retry (IT) ▶ approved;  mark_manual (IT) ▶ provisioned

Approval, IT's retry, a renewal, an expiry and a closed manual task enqueue `provision_access` (after
commit); the scheduler's `provisioning_sweep` enqueues whatever is due again (a retry's time, a lost
enqueue, a worker killed mid-call: `provisioning_next_attempt_at` is also the claim's lease).

One step (`provisioning_run`) is two transactions: the first moves the request to `provisioning`
(committed, so it shows and survives a crash); the second holds the request's row lock
(`SELECT … FOR UPDATE SKIP LOCKED`) while it calls the target, so two workers never act on one request
at once, and a worker killed mid-call leaves the row as it was (its lock dies with its connection) for
the next step to redo — every connector call is idempotent. Nothing is stamped granted or revoked until
`verify` reads it back from the target.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.batches import keyset_batches
from apps.core.outbox_consumer import backoff, fair_pick_from, skip_locked
from apps.core.principal import Principal, system_principal
from apps.integration.connectors.base import ConnectorError, PersonRef

from . import group_provisioning
from .choices import AccessStatus, AccessType, ProvisioningOp
from .group_provisioning import group_as_person, is_group_grant
from .models import AccessRequest, Pending, held_by

logger = logging.getLogger("apps.operations.provisioning")

ACTIVE = (AccessStatus.APPROVED, AccessStatus.PROVISIONING, AccessStatus.PROVISIONING_FAILED, AccessStatus.PROVISIONED)
PER_TENANT_SWEEP = 50  # steps one tenant is sure of in a sweep while others wait (all of it when none do)
REVOKE_BATCH = 200  # expired catalog grants handed over per transaction
FALLBACK = timedelta(seconds=60)  # when the sweep enqueues a step again if the enqueue after commit was lost


# --- enqueueing --------------------------------------------------------------------------------------
def provisioning_enqueue(request_id: str) -> None:
    """Queue a step for the request after the current transaction commits. A queue that is down
    fails nothing: the sweep enqueues the step again when `provisioning_next_attempt_at` falls due."""

    def enqueue():
        from .tasks import provision_access

        try:
            provision_access.enqueue(request_id)
        except Exception:
            logger.warning("could not enqueue provisioning of %s; the sweep will", request_id, exc_info=True)

    transaction.on_commit(enqueue)


def provisioning_sweep(*, now=None, limit: int = 500) -> int:
    """Enqueue a step for every request whose next attempt is due (retries, lost enqueues, dead workers)."""
    now = now or timezone.now()
    # ... and approved catalog requests nothing enqueued (approved by a path that ran no transition hook)
    due = AccessRequest.objects.filter(
        Q(status__in=ACTIVE, provisioning_next_attempt_at__lte=now)
        | Q(status=AccessStatus.APPROVED, entitlement__isnull=False, provisioning_next_attempt_at__isnull=True),
    )
    # round-robin across tenants: one tenant's backlog of due steps holds back no other tenant's
    due = fair_pick_from(due, batch=limit, per_tenant=PER_TENANT_SWEEP, at="provisioning_next_attempt_at")
    for request_id in due:
        provisioning_enqueue(request_id)
    return len(due)


def queue_connector_work(request: AccessRequest, *, assert_grant: bool = False) -> None:
    """Approval and IT's retry start a grant; a renewal (`assert_grant`) asserts the grant again in the
    target (it may have been removed there meanwhile). Called by those actions before the transition is
    saved (their `prepare`): the fields go with it."""
    if not request.in_catalog():
        return
    if assert_grant:
        request.provisioning_op, request.provisioning_attempts = ProvisioningOp.GRANT, 0
    request.provisioning_next_attempt_at = timezone.now() + FALLBACK
    provisioning_enqueue(request.pk)


def manual_task_closed(task: Pending) -> None:
    """A person closed a manual connector's task: the request it stands for takes its next step."""
    from apps.integration.connectors.manual import GRANT_TASK, REVOKE_TASK

    if task.type in (GRANT_TASK, REVOKE_TASK) and task.source_id:
        provisioning_enqueue(task.source_id)


# --- expiry ------------------------------------------------------------------------------------------
def access_revoke_expired(*, now=None, batch_size: int = REVOKE_BATCH) -> int:
    """Hand every expired catalog grant to its connector for removal (the grant completes when the
    target confirms it); returns how many were handed over now. Grants already being removed keep their
    retry schedule. The due grants are read in keyset batches, each handed over by one UPDATE in one
    transaction (their steps queued when it commits); nothing is kept between batches."""
    now = now or timezone.now()
    due = AccessRequest.objects.filter(status=AccessStatus.PROVISIONED, expires_at__lte=now,
                                       entitlement__isnull=False).exclude(provisioning_op=ProvisioningOp.REVOKE)
    handed = 0
    for batch in keyset_batches(due.only("pk", "expires_at"), key="expires_at", size=batch_size):
        with transaction.atomic():
            ids = list(due.filter(pk__in=[grant.pk for grant in batch]).select_for_update(skip_locked=True)
                       .values_list("pk", flat=True))  # still due, and no worker acting on it
            handed += AccessRequest.objects.filter(pk__in=ids).update(
                provisioning_op=ProvisioningOp.REVOKE, provisioning_attempts=0, provisioning_error="",
                provisioning_next_attempt_at=now + FALLBACK)
            for request_id in ids:
                provisioning_enqueue(request_id)
    return handed


# --- one step ----------------------------------------------------------------------------------------
def provisioning_run(request_id: str, *, now=None) -> str:
    """Take the request's next step with its connector; safe to run by any number of workers at once.
    Returns what happened (for the task's result and the logs)."""
    if not _claim(request_id, now=now or timezone.now()):
        return "nothing due"
    return _act(request_id)


@transaction.atomic
def _claim(request_id: str, *, now) -> bool:
    # SKIP LOCKED: a worker acting on the request holds its row; it takes this step itself.
    request = skip_locked(AccessRequest.objects.filter(pk=request_id, is_deleted=False)).first()
    if request is None or not request.in_catalog():
        return False
    due = request.provisioning_next_attempt_at is None or request.provisioning_next_attempt_at <= now
    lease = now + timedelta(seconds=settings.PROVISIONING_LEASE_SECONDS)
    if request.status == AccessStatus.APPROVED or (request.status == AccessStatus.PROVISIONING_FAILED and due):
        from .actions import access_request_start_provisioning

        access_request_start_provisioning(actor=system_principal(request.tenant_id), access_request=request,
                                          lease_until=lease)
        return True
    if request.status == AccessStatus.PROVISIONING:
        return True  # resumed (a worker died mid-call, a manual task was closed) or raced: _act decides
    # A removal or assertion: at once when it was just handed over, else when its retry is due.
    if request.status == AccessStatus.PROVISIONED and request.provisioning_op and (
            request.provisioning_attempts == 0 or due):
        AccessRequest.objects.filter(pk=request.pk).update(
            provisioning_attempts=request.provisioning_attempts + 1, provisioning_next_attempt_at=lease)
        return True
    return False


@transaction.atomic
def _act(request_id: str) -> str:
    # SKIP LOCKED: another worker is acting on this request right now; it finishes the step.
    request = skip_locked(AccessRequest.objects.select_related("entitlement__system__connector").filter(pk=request_id),
                          of=("self",)).first()
    if request is None:
        return "busy: another worker holds it"
    op = request.provisioning_op
    if not (request.status == AccessStatus.PROVISIONING or (request.status == AccessStatus.PROVISIONED and op)):
        return f"nothing due ({request.status})"
    from apps.integration.connectors import registry

    try:
        connector, target = registry.for_access_request(request)
        if is_group_grant(request) and not getattr(connector, "confirms_later", False):
            return _act_for_group(request, connector, target)
        person = person_ref(request)
        if op == ProvisioningOp.REVOKE:
            if not getattr(connector, "confirms_later", False) and group_provisioning.kept_by_another_grant(
                    request, person.person_id):
                return _revoked(request, actor=_confirmer(request, connector, "access_revoke"))
            connector.revoke(person=person, entitlement=target)
            held = connector.verify(person=person, entitlement=target)
            if held and getattr(connector, "confirms_later", False):
                return _waiting(request, "removal")
            if held:
                raise ConnectorError("the target accepted the removal but still shows the access")
            return _revoked(request, actor=_confirmer(request, connector, "access_revoke"))
        account = connector.grant(person=person, entitlement=target)
        held = connector.verify(person=person, entitlement=target)
        if not held and getattr(connector, "confirms_later", False):
            return _waiting(request, "grant")
        if not held:
            raise ConnectorError("the target accepted the grant but does not show it")
        return _granted(request, actor=_confirmer(request, connector, "access_grant"), account=account, target=target)
    except ConnectorError as exc:
        return _failed(request, exc)


def person_ref(request: AccessRequest) -> PersonRef:
    """Who gets (or loses) the access, as the directory knows them."""
    from apps.directory.models import Person

    if is_group_grant(request):  # a manual system: one task for the group (a connector grants each member)
        return group_as_person(request)
    person_id = request.principal_id or request.requester_id
    person = Person.objects.filter(tenant_id=request.tenant_id, pk=person_id, is_deleted=False).first()
    if person is None or not person.user_name:
        raise ConnectorError(f"{person_id} is not in the directory: no userName to grant to", retryable=False)
    return PersonRef(person_id=person.pk, user_name=person.user_name, email=person.email,
                     display_name=person.display_name, given_name=person.given_name, family_name=person.family_name)


def _act_for_group(request: AccessRequest, connector, target: str) -> str:
    """A group's grant: each member in the target (apps/operations/group_provisioning.py)."""
    group = request.principal_id
    if request.provisioning_op == ProvisioningOp.REVOKE:
        removed = group_provisioning.revoke_members(request, connector, target)
        logger.info("removed %s members of %s from %s", removed, group, target)
        return _revoked(request, actor=_confirmer(request, connector, "access_revoke"))
    granted, removed = group_provisioning.grant_members(request, connector, target)
    if request.status == AccessStatus.PROVISIONED:  # the group's members changed, or a renewal's assertion
        AccessRequest.objects.filter(pk=request.pk).update(provisioning_op="", provisioning_error="",
                                                           provisioning_next_attempt_at=None)
        return f"asserted for {granted} members ({removed} removed)"
    from .actions import access_request_confirm_provisioning

    system = request.entitlement.system
    note = (f"{granted} members of the group {group_provisioning.group_name(request)} hold "
            f"{request.entitlement.name} in {system.name} ({target}); members who join or leave follow")
    access_request_confirm_provisioning(actor=_confirmer(request, connector, "access_grant"), access_request=request,
                                        note=note)
    return "granted"


def _confirmer(request: AccessRequest, connector, task_kind: str) -> Principal:
    """Who confirmed it: the person who closed a manual task, else the connector itself."""
    closed = connector.closed_task(task_kind) if hasattr(connector, "closed_task") else None
    if closed is not None and closed.updated_by:
        return Principal(person_id=closed.updated_by, tenant_id=request.tenant_id, source_type="system")
    record_id = request.entitlement.system.connector_id or "manual"
    return system_principal(request.tenant_id, person_id=record_id)


def _granted(request: AccessRequest, *, actor: Principal, account, target: str) -> str:
    if request.status == AccessStatus.PROVISIONED:  # a renewal's assertion: nothing changes state
        AccessRequest.objects.filter(pk=request.pk).update(provisioning_op="", provisioning_error="",
                                                           provisioning_next_attempt_at=None)
        return "asserted"
    system = request.entitlement.system
    note = f"{account.user_name} holds {request.entitlement.name} in {system.name}" + (f" ({target})" if target else "")
    from .actions import access_request_confirm_provisioning

    access_request_confirm_provisioning(actor=actor, access_request=request, note=note)
    return "granted"


def _revoked(request: AccessRequest, *, actor: Principal) -> str:
    from .actions import access_request_confirm_provisioning, access_request_confirm_revoked

    if request.status == AccessStatus.PROVISIONED:  # an expired grant: removed in the target
        access_request_confirm_revoked(actor=actor, access_request=request, check_permission=False)
        return "revoked"
    # An approved revoke request: it is done, and so are the grants it ends.
    access_request_confirm_provisioning(actor=actor, access_request=request, note="removed in the target")
    person_id = request.principal_id or request.requester_id
    grants = AccessRequest.objects.select_for_update().filter(
        held_by(person_id), tenant_id=request.tenant_id, status=AccessStatus.PROVISIONED, entitlement_id=request.entitlement_id,
    ).exclude(access_type=AccessType.REVOKE)
    for grant in grants:
        access_request_confirm_revoked(actor=actor, access_request=grant, check_permission=False)
    return "revoked"


def _waiting(request: AccessRequest, what: str) -> str:
    """A manual system: the task is with a person; their closing it enqueues the next step."""
    AccessRequest.objects.filter(pk=request.pk).update(provisioning_next_attempt_at=None)
    return f"waiting for a person to do the {what}"


def _failed(request: AccessRequest, exc: ConnectorError) -> str:
    attempts = request.provisioning_attempts
    retry_at = None
    if exc.retryable and attempts < settings.PROVISIONING_MAX_ATTEMPTS:
        retry_at = timezone.now() + backoff(attempts, base=settings.PROVISIONING_RETRY_SECONDS, cap=3600)
    error = str(exc)[:2000]
    logger.warning("provisioning %s failed (attempt %s, %s): %s", request.pk, attempts,
                   "retry at " + retry_at.isoformat() if retry_at else "no automatic retry", error)
    if request.status == AccessStatus.PROVISIONING:
        from .actions import access_request_fail_provisioning

        access_request_fail_provisioning(actor=system_principal(request.tenant_id), access_request=request,
                                         error=error, retry_at=retry_at)
    else:  # a removal or a renewal's assertion: the grant stays provisioned, the error shows on it
        AccessRequest.objects.filter(pk=request.pk).update(provisioning_error=error,
                                                           provisioning_next_attempt_at=retry_at)
    return f"failed: {error}"
