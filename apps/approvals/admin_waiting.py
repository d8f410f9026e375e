"""A record an approval request decides says so on its page: which step it waits for, on whom, with a
link to the step; its Approve/Reject buttons decide that step for someone who may, and are not
shown to anyone else (its own transitions would only answer that the request is deciding it)."""
from django.urls import reverse

from apps.core import services as core
from apps.core.fsm import transitions_of
from apps.core.people import display_people
from apps.core.principal import Principal
from apps.core.waiting import Waiting, waits_on

from .outcomes import decided_by_approvals
from .services import open_request_for


def current_step(request):
    return request.steps.select_related("approver_group").filter(step_index=request.current_step_index).first()


def decider_words(step, people: dict[str, str]) -> str:
    if step.delegated:
        return people.get(step.delegated_to_id, step.delegated_to_id)
    if step.approver_id:
        return people.get(step.approver_id, step.approver_id)
    return f"any member of {step.approver_group}" if step.approver_group_id else "nobody (reassign it)"


@waits_on
def waiting_on_approval(*, actor: Principal, obj) -> Waiting | None:
    if not decided_by_approvals(type(obj)):
        return None
    request = open_request_for(tenant_id=obj.tenant_id, entity_id=obj.pk)
    if request is None:
        return None
    decisions = type(obj).decisions
    step = current_step(request)
    if step is None:
        return Waiting(text=f"Waiting for the approval request “{request.title}”", taken_over=decisions.names(),
                       url=reverse("admin:approvals_approvalrequest_change", args=[request.pk]))
    people = display_people(obj.tenant_id, [step.approver_id, step.delegated_to_id])
    infos = transitions_of(type(step))
    may = {name for name in ("approve", "reject")
           if core.transition_denial(actor=actor, obj=step, info=infos[name]) is None}
    urls = {name: reverse("admin:approvals_approvalstep_transition", args=[step.pk, name]) for name in may}
    decide = {decisions.approve: urls["approve"]} if "approve" in urls else {}
    if decisions.reject and "reject" in urls:
        decide[decisions.reject] = urls["reject"]
    return Waiting(text=f"Waiting for step {step.step_index + 1} of {request.total_steps} — {decider_words(step, people)}",
                   url=reverse("admin:approvals_approvalstep_change", args=[step.pk]),
                   decide_urls=decide, taken_over=decisions.names())
