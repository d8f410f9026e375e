"""The approvals engine: requests of sequential steps, each queued for its approver.

Every function is one transaction. Locks are taken request first, then step, so two
approvers racing on one step serialize: one decision is recorded, the other gets 409.
"""
import inspect
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import events
from apps.core import services as core
from apps.core.exceptions import Conflict, TransitionConflict
from apps.core.people import DECIDER_ROLES, has_role
from apps.core.principal import Principal, system_principal
from apps.operations.choices import PendingStatus
from apps.operations.models import Pending

from .choices import RequestStatus, StepStatus
from .models import ApprovalChain, ApprovalRequest, ApprovalStep
from .outcomes import normalize, outcome_for, target_model


def chain_for(*, tenant_id: str, entity_type: str) -> ApprovalChain | None:
    wanted = normalize(entity_type)
    chains = ApprovalChain.objects.filter(tenant_id=tenant_id, is_active=True).order_by("-id")
    return next((c for c in chains if normalize(c.entity_type) == wanted), None) if wanted else None


def _check_approvers(approver_ids: list[str], requester: str) -> None:
    if len(set(approver_ids)) != len(approver_ids):
        raise ValidationError({"approver_ids": "Each approver may appear only once."})
    if requester in approver_ids:
        raise ValidationError({"approver_ids": "The requester cannot approve their own request."})


@transaction.atomic
def approval_request_create(*, actor: Principal, data: dict) -> ApprovalRequest:
    data = dict(data)
    approver_ids = data.pop("approver_ids", None)
    request = ApprovalRequest(**data)
    request.requested_by_id = request.requested_by_id or actor.person_id
    chain = None
    if approver_ids is None:
        chain = chain_for(tenant_id=actor.tenant_id, entity_type=request.entity_type)
        approver_ids = [p for p in (chain.approver_ids if chain else []) if p != request.requested_by_id]
    _check_approvers(approver_ids, request.requested_by_id)
    request.total_steps = len(approver_ids)
    if chain and chain.due_in_hours and not request.due_at:
        request.due_at = timezone.now() + timedelta(hours=chain.due_in_hours)
    core.record_create_in_transaction(actor=actor, obj=request)
    for index, approver in enumerate(approver_ids):
        step = ApprovalStep(approval_request=request, step_index=index, approver_id=approver)
        core.record_create_in_transaction(actor=actor, obj=step, emit=False)
    return request


def _queue(*, actor: Principal, request: ApprovalRequest, step: ApprovalStep, assignee: str) -> Pending:
    return core.record_create(actor=actor, obj=Pending(
        type="approval", source_id=step.id, entity_type=request.entity_type, entity_id=request.entity_id,
        assignee_id=assignee, requested_by_id=request.requested_by_id, title=request.title,
        description=request.description, due_at=request.due_at, current_step_index=step.step_index,
        total_steps=request.total_steps, priority=2,
    ))


def _unqueue(*, actor: Principal, step: ApprovalStep) -> None:
    for item in Pending.objects.filter(tenant_id=step.tenant_id, type="approval", source_id=step.id).exclude(
            status=PendingStatus.COMPLETED):
        core.record_transition(actor=actor, obj=item, name="complete", check_permission=False)


def _activate(*, actor: Principal, request: ApprovalRequest, index: int) -> None:
    step = request.steps.get(step_index=index)
    step = core.record_transition(actor=actor, obj=step, name="activate", check_permission=False)
    _queue(actor=actor, request=request, step=step, assignee=step.approver_id)


@transaction.atomic
def approval_request_submit(*, actor: Principal, obj: ApprovalRequest, if_match: str | None = None, **body) -> ApprovalRequest:
    request = core.lock(obj)
    if request.status == RequestStatus.DRAFT and request.total_steps == 0:
        raise Conflict("An approval request needs at least one step: send approver_ids or configure an approval chain.")
    request = core.record_transition(actor=actor, obj=request, name="submit", body=body, if_match=if_match)
    _activate(actor=actor, request=request, index=0)
    return request


def _close_open_steps(*, actor: Principal, request: ApprovalRequest) -> None:
    for step in request.steps.exclude(status__in=[StepStatus.APPROVED, StepStatus.REJECTED, StepStatus.SKIPPED]):
        _unqueue(actor=actor, step=step)
        core.record_transition(actor=actor, obj=step, name="skip", check_permission=False)


def _finish(*, actor: Principal, request: ApprovalRequest, name: str, body: dict | None = None) -> ApprovalRequest:
    request = core.record_transition(actor=actor, obj=request, name=name, body=body, check_permission=False)
    _close_open_steps(actor=actor, request=request)
    return request


@transaction.atomic
def approval_request_cancel(*, actor: Principal, obj: ApprovalRequest, if_match: str | None = None, **body) -> ApprovalRequest:
    request = core.record_transition(actor=actor, obj=obj, name="cancel", body=body, if_match=if_match)
    _close_open_steps(actor=actor, request=request)
    return request


@transaction.atomic
def approval_request_expire(*, obj: ApprovalRequest) -> ApprovalRequest:
    return _finish(actor=system_principal(obj.tenant_id), request=core.lock(obj), name="expire")


def apply_outcome(*, actor: Principal, request: ApprovalRequest, approved: bool, comment: str = "") -> str | None:
    """Run the target record's approve/reject transition; returns what was done (or None)."""
    outcome = outcome_for(request.entity_type)
    model = target_model(outcome) if outcome else None
    name = (outcome.on_approve if approved else outcome.on_reject) if outcome else None
    if model is None or name is None or not request.entity_id:
        return None
    target = model.objects.filter(tenant_id=request.tenant_id, pk=request.entity_id).first()
    if target is None:
        return None
    note = comment or f"{'Approved' if approved else 'Rejected'} in approval {request.id}"
    service = core.dispatch(model, name)
    try:
        if service is not None and "check_permission" in inspect.signature(service).parameters:
            service(actor=actor, obj=target, check_permission=False, comment=note)  # e.g. policy versions
        else:
            core.record_transition(actor=actor, obj=target, name=name, check_permission=False,
                                   body={"comment": note, "reason": note})
    except TransitionConflict:
        return None  # the record moved on by itself (e.g. decided directly); the approval still stands
    return f"{model.__name__}.{name}"


def _decide(*, actor: Principal, obj: ApprovalStep, name: str, if_match: str | None, comment: str) -> ApprovalStep:
    request = core.lock(obj.approval_request)
    if request.status != RequestStatus.PENDING:
        raise TransitionConflict(f"The approval request is {request.status}.", allowed_transitions=[])
    step = core.lock(obj)
    if step.step_index != request.current_step_index:
        raise TransitionConflict("Only the active step can be decided.", allowed_transitions=[])
    step = core.record_transition(actor=actor, obj=step, name=name, body={"comment": comment}, if_match=if_match)
    _unqueue(actor=actor, step=step)
    if name == "reject":
        request = _finish(actor=actor, request=request, name="reject", body={"comment": comment})
        apply_outcome(actor=actor, request=request, approved=False, comment=comment)
    elif step.step_index + 1 >= request.total_steps:
        request = _finish(actor=actor, request=request, name="approve", body={"comment": comment})
        apply_outcome(actor=actor, request=request, approved=True, comment=comment)
    else:
        request = core.record_update(actor=actor, obj=request, data={"current_step_index": step.step_index + 1})
        _activate(actor=actor, request=request, index=step.step_index + 1)
    return step


@transaction.atomic
def approval_step_approve(*, actor: Principal, obj: ApprovalStep, if_match: str | None = None, comment: str = "") -> ApprovalStep:
    return _decide(actor=actor, obj=obj, name="approve", if_match=if_match, comment=comment)


@transaction.atomic
def approval_step_reject(*, actor: Principal, obj: ApprovalStep, if_match: str | None = None, comment: str = "") -> ApprovalStep:
    return _decide(actor=actor, obj=obj, name="reject", if_match=if_match, comment=comment)


@transaction.atomic
def approval_step_delegate(*, actor: Principal, obj: ApprovalStep, delegated_to_id: str, if_match: str | None = None,
                           comment: str = "") -> ApprovalStep:
    request = core.lock(obj.approval_request)
    if delegated_to_id in (actor.person_id, request.requested_by_id):
        raise ValidationError({"delegated_to_id": "Delegate to someone else than yourself and the requester."})
    if not has_role(request.tenant_id, delegated_to_id, DECIDER_ROLES):
        raise ValidationError({"delegated_to_id": f"{delegated_to_id!r} is not an approver of this tenant."})
    step = core.record_transition(actor=actor, obj=obj, name="delegate", if_match=if_match,
                                  body={"delegated_to_id": delegated_to_id, "comment": comment})
    _unqueue(actor=actor, step=step)
    _queue(actor=actor, request=request, step=step, assignee=delegated_to_id)
    return step


@transaction.atomic
def open_for_record(*, actor: Principal, obj) -> ApprovalRequest | None:
    """Open and submit an approval request for a new record when its tenant has a chain for its type."""
    chain = chain_for(tenant_id=obj.tenant_id, entity_type=type(obj).__name__)
    if chain is None:
        return None
    requester = obj.requester_person_id or actor.person_id
    actor = system_principal(obj.tenant_id)  # the engine opens it; the requester is named on it
    approvers = [p for p in chain.approver_ids if p != requester]
    if not approvers:
        return None
    request = approval_request_create(actor=actor, data={
        "entity_type": type(obj).__name__, "entity_id": obj.pk, "requested_by_id": requester,
        "title": f"{type(obj)._meta.verbose_name.capitalize()}: {obj}", "approver_ids": approvers,
    })
    return approval_request_submit(actor=actor, obj=request)


def remind_due(*, within: timedelta, now=None) -> list[ApprovalRequest]:
    """Emit `approvals.request.reminder` once for pending requests due within `within`."""
    now = now or timezone.now()
    reminded = []
    due = ApprovalRequest.objects.filter(status=RequestStatus.PENDING, reminded_at__isnull=True,
                                         due_at__gt=now, due_at__lte=now + within)
    for request in due.iterator():
        with transaction.atomic():
            updated = ApprovalRequest.objects.filter(pk=request.pk, reminded_at__isnull=True).update(reminded_at=now)
            if updated:
                events.emit(obj=request, action="reminder", actor=system_principal(request.tenant_id))
                reminded.append(request)
    return reminded


def requests_overdue(*, now=None):
    return ApprovalRequest.objects.filter(status=RequestStatus.PENDING, due_at__lte=now or timezone.now())

