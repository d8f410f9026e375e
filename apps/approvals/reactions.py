"""Cross-domain reactions of approvals, all in this one place (README "The code"):

1. A decided approval request applies its outcome to its record: `OUTCOMES` names, per model approvals
   decide, the record's action for an approval and for a rejection (services.apply_outcome calls it).
2. A record of such a model, filed in a tenant with an approval chain for its type, gets its approval
   request opened and submitted in the same transaction (`wire`: the `created` event of the record).
3. While an approval request for a record is open, the record's decisions run only through it
   (`wire`: a transition guard every transition runs, apps.core.services).

tests/approvals/test_reactions.py checks OUTCOMES against each model's `decisions` declaration.
"""
from dataclasses import dataclass
from collections.abc import Callable

from apps.operations import actions as operations
from apps.operations.models import AccessRequest, Equipment, HRRequest, Travel
from apps.policies import services as policies
from apps.policies.models import Policy


@dataclass(frozen=True)
class Outcome:
    approve: Callable
    reject: Callable | None = None  # None: the record stays as it is when the approval is rejected


OUTCOMES: dict[type, Outcome] = {
    AccessRequest: Outcome(approve=operations.access_request_approve, reject=operations.access_request_reject),
    HRRequest: Outcome(approve=operations.hr_request_start, reject=operations.hr_request_reject),
    Equipment: Outcome(approve=operations.equipment_approve),
    Travel: Outcome(approve=operations.travel_approve, reject=operations.travel_cancel),
    Policy: Outcome(approve=policies.policy_complete),
}


def wire() -> None:
    """Connects reactions 2 and 3 (AppConfig.ready)."""
    from apps.core.events import event_emitted
    from apps.core.services import register_transition_guard

    from .receivers import decided_only_through_open_approval, open_approval_on_create

    event_emitted.connect(open_approval_on_create, dispatch_uid="approvals.open_on_create")
    register_transition_guard(decided_only_through_open_approval)
