from apps.core.exceptions import Conflict

from .outcomes import decided_by_approvals
from .services import open_for_record, open_request_for


def open_approval_on_create(sender, *, obj, action, actor, **kwargs):
    """A new record of a type approvals decide, in a tenant with a chain for its type, gets its
    approval request opened and submitted in the same transaction."""
    if action != "created" or not decided_by_approvals(sender):
        return
    open_for_record(actor=actor, obj=obj)


def decided_only_through_open_approval(obj, info) -> None:
    """Transition guard: while an approval request for a record is open, its decisions run only through it."""
    decisions = getattr(type(obj), "decisions", None)
    if decisions is None or info.name not in decisions.names():
        return
    request = open_request_for(tenant_id=obj.tenant_id, entity_id=obj.pk)
    if request is not None:
        # The API's callers match the request by its id; a person reads its title and the open step.
        raise Conflict(f"Approval request {request.pk} (“{request.title}”) is deciding this record: decide its "
                       f"open step (step {request.current_step_index + 1} of {request.total_steps}) instead.",
                       approval_request_id=request.pk)
