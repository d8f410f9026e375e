"""The approvals engine: requests of sequential steps, each queued for its approver.

Every function is one transaction. Locks are taken request first, then step, so two
approvers racing on one step serialize: one decision is recorded, the other gets 409.
"""
import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import events
from apps.core import services as core
from apps.core.actions import action, run_transition, transition_action
from apps.core.batches import keyset_batches
from apps.core.exceptions import Conflict, Forbidden, TransitionConflict
from apps.core.fsm import transitions_of
from apps.core.identity_services import decision_hold
from apps.directory.models import DirectorySettings
from apps.core.parties import decision_parties
from apps.core.people import DECIDER_ROLES, may_act
from apps.core.principal import Principal, system_principal
from apps.operations.choices import PendingStatus
from apps.operations.actions import pending_complete
from apps.operations.models import Pending

from .api.serializers import DelegateBody
from .approvers import check_chain_entries, resolve_approvers
from .deciders import other_steps_deciders
from .choices import OPEN_REQUEST_STATES, RequestStatus, RouteSource, StepStatus
from .models import ApprovalChain, ApprovalRequest, ApprovalRule, ApprovalStep
from .outcomes import normalize, target_model
from .reactions import OUTCOMES
from .routing import Route, auto_approval, default_chain, record_owner, route_for


def chain_for(*, tenant_id: str, entity_type: str) -> ApprovalChain | None:
    """The default chain of a type (a record of this project may be routed elsewhere: `route_for`)."""
    return default_chain(tenant_id=tenant_id, entity_type=entity_type)


def _check_approvers(approver_ids: list[str], parties: set[str]) -> None:
    if len(set(approver_ids)) != len(approver_ids):
        raise ValidationError({"approver_ids": "Each approver may appear only once."})
    if parties & set(approver_ids):
        raise ValidationError({"approver_ids": "The requester (or another party to the record) cannot approve it."})


@transaction.atomic
def approval_chain_create(*, actor: Principal, data: dict) -> ApprovalChain:
    check_chain_entries(tenant_id=actor.tenant_id, entries=data.get("approver_ids"))
    return core.record_create(actor=actor, obj=ApprovalChain(**data))


@transaction.atomic
def approval_chain_update(*, actor: Principal, obj: ApprovalChain, data: dict, if_match: str | None = None) -> ApprovalChain:
    if "approver_ids" in data:
        check_chain_entries(tenant_id=actor.tenant_id, entries=data["approver_ids"])
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)


def _rule_data(actor: Principal, data: dict) -> dict:
    """`chain_id` (API) or `chain` (the admin's instance): a chain of the caller's tenant."""
    data = dict(data)
    if "chain_id" in data or "chain" in data:
        value = data.pop("chain_id") if "chain_id" in data else data.pop("chain")
        data.pop("chain", None)
        chain = value if isinstance(value, ApprovalChain) else (
            ApprovalChain.objects.filter(tenant_id=actor.tenant_id, pk=value).first() if isinstance(value, str) else None)
        if chain is None or chain.tenant_id != actor.tenant_id or chain.is_deleted:
            raise ValidationError({"chain_id": "No such approval chain in your tenant."})
        data["chain"] = chain
    return data


@transaction.atomic
def approval_rule_create(*, actor: Principal, data: dict) -> ApprovalRule:
    data = _rule_data(actor, data)
    if "chain" not in data:
        raise ValidationError({"chain_id": "Name the chain this rule picks."})
    return core.record_create(actor=actor, obj=ApprovalRule(**data))


@transaction.atomic
def approval_rule_update(*, actor: Principal, obj: ApprovalRule, data: dict, if_match: str | None = None) -> ApprovalRule:
    return core.record_update(actor=actor, obj=obj, data=_rule_data(actor, data), if_match=if_match)


def open_request_for(*, tenant_id: str, entity_id: str) -> ApprovalRequest | None:
    return (ApprovalRequest.objects.filter(tenant_id=tenant_id, entity_id=entity_id, status__in=OPEN_REQUEST_STATES)
            .order_by("id").first())


def _bind(*, actor: Principal, request: ApprovalRequest):
    """Check an approval request for a record of this project: the caller can see the record, its
    decision is still to be taken, nobody else is deciding it, and the requester is the record's."""
    model = target_model(request.entity_type)
    if model is None or not request.entity_id:
        return None
    target = model.objects.visible_to(actor).filter(pk=request.entity_id).first()
    if target is None:
        raise ValidationError({"entity_id": f"No {model._meta.verbose_name} with this id that you can see."})
    decisions = set(model.decisions.names())
    if not decisions & set(core.available_transitions(target)):
        raise Conflict(f"This {model._meta.verbose_name} is already decided (status {target.status}).")
    if (other := open_request_for(tenant_id=actor.tenant_id, entity_id=target.pk)) is not None:
        raise Conflict(f"Approval request {other.pk} is already deciding this record.", approval_request_id=other.pk)
    request.entity_type = model.__name__
    requester = target.requester_person_id
    if request.requested_by_id and request.requested_by_id != requester:
        raise ValidationError({"requested_by_id": "An approval for a record is requested by the record's requester."})
    request.requested_by_id = requester
    return target


def _chain_approvers(*, actor: Principal, chain: ApprovalChain | None, given: list[str] | None,
                     parties: set[str]) -> list[str]:
    """The chain's approvers (minus the record's parties). Admins may add steps, never drop the chain's."""
    required = [p for p in (chain.approver_ids if chain else []) if p not in parties]
    if given is None or given == required:
        return required
    if chain is not None and not actor.has_role("admin"):
        raise ValidationError({"approver_ids": "Approvers of this record come from the tenant's approval chain; "
                                               "only an admin may add steps."})
    remaining = iter(given)
    if not all(any(p == q for q in remaining) for p in required):  # the chain's steps, in order, within `given`
        raise ValidationError({"approver_ids": f"Must keep the approval chain's approvers {required} in order."})
    return given


@transaction.atomic
def approval_request_create(*, actor: Principal, data: dict) -> ApprovalRequest:
    data = dict(data)
    approver_ids = data.pop("approver_ids", None)
    request = ApprovalRequest(**data)
    request.tenant_id = actor.tenant_id
    target = _bind(actor=actor, request=request)
    request.requested_by_id = request.requested_by_id or actor.person_id
    parties = {request.requested_by_id}
    if target is not None:
        parties |= decision_parties(target)
    route = route_for(target) if target is not None else Route(
        chain=chain_for(tenant_id=actor.tenant_id, entity_type=request.entity_type))
    chain = route.chain
    if target is not None:
        approver_ids = _chain_approvers(actor=actor, chain=chain, given=approver_ids, parties=parties)
    elif approver_ids is None:
        approver_ids = [p for p in (chain.approver_ids if chain else []) if p not in parties]
    else:
        chain = None  # a free-form request with its own approvers
    _check_approvers(approver_ids, parties)
    # Whoever files it is a party too (they may never decide it): a manager or group is checked against both.
    approvers = resolve_approvers(tenant_id=actor.tenant_id, entries=approver_ids,
                                  requester_id=request.requested_by_id, parties=parties | {actor.person_id},
                                  owner=record_owner(target) if target is not None else None)
    if chain is not None and approver_ids == [p for p in chain.approver_ids if p not in parties]:
        request.chain, request.rule, request.routed_by = chain, route.rule, route.source
    else:
        request.chain, request.routed_by = chain, RouteSource.GIVEN
    request.total_steps = len(approvers)
    if chain and chain.due_in_hours and not request.due_at:
        request.due_at = timezone.now() + timedelta(hours=chain.due_in_hours)
    core.record_create(actor=actor, obj=request)
    for index, approver in enumerate(approvers):
        step = ApprovalStep(approval_request=request, step_index=index, approver_id=approver.person_id,
                            approver_group=approver.group)
        core.record_create(actor=actor, obj=step, emit=False)
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
        pending_complete(actor=actor, pending=item, check_permission=False)


def _activate(*, actor: Principal, request: ApprovalRequest, index: int) -> None:
    step = request.steps.get(step_index=index)
    step = approval_step_activate(actor=actor, approval_step=step, check_permission=False)
    for assignee in step.eligible_deciders():  # a group step: in every member's queue until one decides
        _queue(actor=actor, request=request, step=step, assignee=assignee)


@action(ApprovalRequest, "submit")
@transaction.atomic
def approval_request_submit(*, actor: Principal, approval_request: ApprovalRequest, comment: str = "",
                            if_match: str | None = None) -> ApprovalRequest:
    request = core.lock(approval_request)
    if request.status == RequestStatus.DRAFT and request.total_steps == 0:
        raise Conflict("An approval request needs at least one step: send approver_ids or configure an approval chain.")
    request = core.record_transition(actor=actor, obj=request, name="submit", comment=comment, if_match=if_match)
    _activate(actor=actor, request=request, index=0)
    return request


def _close_open_steps(*, actor: Principal, request: ApprovalRequest) -> None:
    for step in request.steps.exclude(status__in=[StepStatus.APPROVED, StepStatus.REJECTED, StepStatus.SKIPPED]):
        _unqueue(actor=actor, step=step)
        approval_step_skip(actor=actor, approval_step=step, check_permission=False)


def _finish(finish, *, actor: Principal, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """Approve, reject or expire the request (the engine's own step: its decision was checked) and skip its open steps."""
    request = finish(actor=actor, approval_request=request, comment=comment, check_permission=False)
    _close_open_steps(actor=actor, request=request)
    return request


@action(ApprovalRequest, "cancel")
@transaction.atomic
def approval_request_cancel(*, actor: Principal, approval_request: ApprovalRequest, comment: str,
                            if_match: str | None = None) -> ApprovalRequest:
    request = core.record_transition(actor=actor, obj=approval_request, name="cancel", comment=comment, if_match=if_match)
    _close_open_steps(actor=actor, request=request)
    return request


approval_request_approve = transition_action(ApprovalRequest, "approve")  # the engine's: _finish
approval_request_reject = transition_action(ApprovalRequest, "reject")
approval_step_activate = transition_action(ApprovalStep, "activate")
approval_step_skip = transition_action(ApprovalStep, "skip")


@action(ApprovalRequest, "expire")
@transaction.atomic
def approval_request_expire(*, actor: Principal | None = None, approval_request: ApprovalRequest, comment: str = "",
                            if_match: str | None = None) -> ApprovalRequest:
    """Past its due date (the approvals sweep): the system ends it and skips its open steps."""
    actor = actor or system_principal(approval_request.tenant_id)
    request = core.record_transition(actor=actor, obj=approval_request, name="expire", comment=comment,
                                     if_match=if_match, check_permission=False)
    _close_open_steps(actor=actor, request=request)
    return request


def _outcome_transition(target, *, approved: bool) -> str | None:
    decisions = type(target).decisions
    return decisions.approve if approved else decisions.reject


def check_decider(*, actor: Principal, request: ApprovalRequest, approved: bool) -> None:
    """A step's decider must be allowed to take the decision on the record itself (roles, segregation
    of duties, the record's own checks): an approval never decides what its approvers may not."""
    target = request.target()
    name = target is not None and (_outcome_transition(target, approved=approved)
                                   or _outcome_transition(target, approved=True))
    if not name:
        return
    info = transitions_of(type(target))[name]
    if (denial := core.transition_denial(actor=actor, obj=target, info=info)) is not None:
        raise Forbidden(f"You may not decide this {type(target)._meta.verbose_name}: {denial}")


def check_identity_hold(*, actor: Principal, request: ApprovalRequest) -> None:
    """A party who changed the decider's identity (or the tenant's provider) since the request opened
    cannot have that decider's decision count until another admin confirms the change
    (apps.core.identity_services: the rule)."""
    change = decision_hold(tenant_id=request.tenant_id, since=request.created_at, parties=request.parties(),
                           decider_id=actor.person_id)
    if change is not None:
        raise Conflict(f"This decision cannot count yet: {change.get_kind_display()} of "
                       f"{'the tenant' if not change.subject_id else 'the decider'} was changed by "
                       f"{change.on_behalf_of or change.changed_by}, a party to this request, since it opened. "
                       f"Another admin must confirm that change (Identity changes), or re-route the step.",
                       identity_change_id=change.pk)


def check_fresh_signin(*, actor: Principal, tenant_id: str) -> None:
    """A tenant may require decisions to come from a recent sign-in (DirectorySettings): a one-click
    link (no sign-in at all) or an old session is refused; the decider signs in again."""
    minutes = DirectorySettings.objects.filter(tenant_id=tenant_id).values_list("fresh_signin_minutes", flat=True).first()
    if not minutes:
        return
    signed_in_at = (actor.extra or {}).get("signed_in_at")
    if not isinstance(signed_in_at, (int, float)) or time.time() - signed_in_at > minutes * 60:
        raise Forbidden(f"This organisation requires a sign-in in the last {minutes} minutes to decide approvals: "
                        f"sign in again and decide in the back office.")


def apply_outcome(*, actor: Principal, request: ApprovalRequest, approved: bool, comment: str = "") -> str | None:
    """Run the target record's decision as the deciding approver, with every check; returns what was done.
    The record's actions for it are declared in apps/approvals/reactions.py (OUTCOMES)."""
    target = request.target()
    outcome = OUTCOMES.get(type(target)) if target is not None else None
    decide = outcome and (outcome.approve if approved else outcome.reject)
    if not decide:
        return None
    note = comment or f"{'Approved' if approved else 'Rejected'} in approval {request.id}"
    try:
        with transaction.atomic():  # a conflict rolls back the target's attempt, not the step's decision
            run_transition(decide, actor=actor, obj=target, comment=note)
    except TransitionConflict:
        return None  # the record moved on by itself (e.g. a trip its requester cancelled); the approval stands
    return f"{type(target).__name__}.{decide.transition}"


def _decide(*, actor: Principal, obj: ApprovalStep, name: str, if_match: str | None, comment: str) -> ApprovalStep:
    request = core.lock(obj.approval_request)
    if request.status != RequestStatus.PENDING:
        raise TransitionConflict(f"The approval request is {request.status}.", allowed_transitions=[])
    step = core.lock(obj)
    if step.step_index != request.current_step_index:
        raise TransitionConflict("Only the active step can be decided.", allowed_transitions=[])
    check_decider(actor=actor, request=request, approved=name == "approve")
    check_identity_hold(actor=actor, request=request)
    check_fresh_signin(actor=actor, tenant_id=request.tenant_id)
    step = core.record_transition(actor=actor, obj=step, name=name, comment=comment, if_match=if_match,
                                  params={"actor": actor, "comment": comment})
    _unqueue(actor=actor, step=step)
    if name == "reject":
        request = _finish(approval_request_reject, actor=actor, request=request, comment=comment)
        apply_outcome(actor=actor, request=request, approved=False, comment=comment)
    elif step.step_index + 1 >= request.total_steps:
        request = _finish(approval_request_approve, actor=actor, request=request, comment=comment)
        apply_outcome(actor=actor, request=request, approved=True, comment=comment)
    else:
        request = core.record_update(actor=actor, obj=request, data={"current_step_index": step.step_index + 1})
        _activate(actor=actor, request=request, index=step.step_index + 1)
    return step


@action(ApprovalStep, "approve")
@transaction.atomic
def approval_step_approve(*, actor: Principal, approval_step: ApprovalStep, comment: str = "",
                          if_match: str | None = None) -> ApprovalStep:
    return _decide(actor=actor, obj=approval_step, name="approve", if_match=if_match, comment=comment)


@action(ApprovalStep, "reject")
@transaction.atomic
def approval_step_reject(*, actor: Principal, approval_step: ApprovalStep, comment: str,
                         if_match: str | None = None) -> ApprovalStep:
    return _decide(actor=actor, obj=approval_step, name="reject", if_match=if_match, comment=comment)


@action(ApprovalStep, "delegate", body=DelegateBody)
@transaction.atomic
def approval_step_delegate(*, actor: Principal, approval_step: ApprovalStep, delegated_to_id: str, comment: str = "",
                           if_match: str | None = None) -> ApprovalStep:
    obj = approval_step
    request = core.lock(obj.approval_request)
    _check_delegate(actor=actor, step=obj, request=request, delegated_to_id=delegated_to_id)
    step = core.record_transition(actor=actor, obj=obj, name="delegate", comment=comment, if_match=if_match,
                                  params={"actor": actor, "delegated_to_id": delegated_to_id})
    _unqueue(actor=actor, step=step)
    _queue(actor=actor, request=request, step=step, assignee=delegated_to_id)
    return step


def _check_delegate(*, actor: Principal, step: ApprovalStep, request: ApprovalRequest, delegated_to_id: str) -> None:
    if delegated_to_id == actor.person_id or delegated_to_id in request.parties():
        raise ValidationError({"delegated_to_id": "Delegate to someone else than yourself and the parties to the request."})
    if delegated_to_id in other_steps_deciders(step):
        raise ValidationError({"delegated_to_id": "This person decides another step of the same request: "
                                                  "nobody decides one request twice."})
    if (reason := may_act(request.tenant_id, delegated_to_id, DECIDER_ROLES, what="an approver")) is not None:
        raise ValidationError({"delegated_to_id": reason})


@action(ApprovalStep, "reroute")
@transaction.atomic
def approval_step_reroute(*, actor: Principal, approval_step: ApprovalStep, delegated_to_id: str, comment: str = "",
                          if_match: str | None = None) -> ApprovalStep:
    """A later step (waiting) whose decider left is delegated ahead, by the delegation's rules; nothing
    is queued until it activates."""
    request = core.lock(approval_step.approval_request)
    _check_delegate(actor=actor, step=approval_step, request=request, delegated_to_id=delegated_to_id)
    return core.record_transition(actor=actor, obj=approval_step, name="reroute", comment=comment, if_match=if_match,
                                  params={"delegated_to_id": delegated_to_id})


def approve_by_rule(*, obj, approval) -> None:
    """The record approved by an auto-approval rule: the system decides, the history and the
    `auto_approved` event name the rule (the entitlement and the requester's group)."""
    from apps.core.actions import run_transition

    actor = system_principal(obj.tenant_id)
    obj = run_transition(OUTCOMES[type(obj)].approve, actor=actor, obj=obj, comment=approval.reason)
    events.emit(obj=obj, action="auto_approved", actor=actor, payload={
        **events.record_payload(obj), "rule": "entitlement_auto_approve", "reason": approval.reason,
        "entitlement_id": approval.entitlement.pk, "group_id": approval.group.pk})


@transaction.atomic
def open_for_record(*, actor: Principal, obj) -> ApprovalRequest | None:
    """A new record of a type approvals decide: approved by an auto-approval rule, or given an
    approval request (opened and submitted) when its route names a chain (apps/approvals/routing.py)."""
    if (approval := auto_approval(obj)) is not None:
        approve_by_rule(obj=obj, approval=approval)
        return None
    chain = route_for(obj).chain
    if chain is None:
        return None
    if not [p for p in chain.approver_ids if p not in decision_parties(obj)]:
        return None
    actor = system_principal(obj.tenant_id)  # the engine opens it; the record's requester is named on it
    request = approval_request_create(actor=actor, data={
        "entity_type": type(obj).__name__, "entity_id": obj.pk,
        "title": f"{type(obj)._meta.verbose_name.capitalize()}: {obj}",
    })
    return approval_request_submit(actor=actor, approval_request=request)


SWEEP_BATCH = 200  # approval requests per transaction in the sweeps


def remind_due(*, within: timedelta, now=None, batch_size: int = SWEEP_BATCH) -> int:
    """Emit `approvals.request.reminder` once for pending requests due within `within`; returns how many.
    Read in keyset batches on the partial index of the requests not reminded yet (an empty pass reads
    nothing); each batch is stamped by one UPDATE and its events written in the same transaction."""
    now = now or timezone.now()
    due = ApprovalRequest.objects.filter(status=RequestStatus.PENDING, reminded_at__isnull=True,
                                         due_at__gt=now, due_at__lte=now + within)
    reminded = 0
    for batch in keyset_batches(due, key="due_at", size=batch_size):
        with transaction.atomic():
            ids = set(due.filter(pk__in=[r.pk for r in batch]).select_for_update(skip_locked=True)
                      .values_list("pk", flat=True))  # not reminded by a concurrent sweep meanwhile
            ApprovalRequest.objects.filter(pk__in=ids).update(reminded_at=now)
            for request in batch:
                if request.pk in ids:
                    events.emit(obj=request, action="reminder", actor=system_principal(request.tenant_id))
            reminded += len(ids)
    return reminded


def approval_requests_expire_overdue(*, now=None, batch_size: int = SWEEP_BATCH, on_progress=None) -> int:
    """Expire every pending request past its due date; returns how many. Bounded by the due work: read in
    keyset batches on the (status, due_at) index, each batch one transaction with a savepoint per request
    (each expiry records its history and event and skips the request's open steps, so it is not one
    UPDATE); a request decided meanwhile is skipped and the rest of its batch still commits."""
    overdue = ApprovalRequest.objects.filter(status=RequestStatus.PENDING, due_at__lte=now or timezone.now())
    expired = 0
    for batch in keyset_batches(overdue, key="due_at", size=batch_size):
        with transaction.atomic():
            for request in batch:
                try:
                    with transaction.atomic():
                        approval_request_expire(approval_request=request)
                    expired += 1
                except TransitionConflict:
                    pass  # decided while we were sweeping
                if on_progress:
                    on_progress()
    return expired

