"""Answer: the approval steps the person may decide, decided here through the approvals services
(the API's rules: the decider, segregation of duties, a reason to turn down, identity holds), and
the policies HR asked them to acknowledge (read, then acknowledge)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.approvals.choices import RequestStatus, StepStatus
from apps.approvals.models import ApprovalStep
from apps.approvals.outcomes import target_model
from apps.approvals.services import approval_step_approve, approval_step_reject
from apps.approvals.summaries import summarise
from apps.core.exceptions import DomainError
from apps.core.people import display_person
from apps.core.rendering import render_markdown
from apps.policies.campaign_models import AcknowledgementCampaign
from apps.policies.campaigns import MEMBERSHIP
from apps.policies.choices import CampaignStatus, PolicyStatus
from apps.policies.models import Policy, PolicyAcknowledgement
from apps.policies.services import policy_acknowledge

from .. import records
from ..access import portal_view


def decidable(actor):
    """The steps the person may decide now (the approvals services' decider rule, never their own request)."""
    me = actor.person_id
    in_group = Exists(MEMBERSHIP.objects.filter(group_id=OuterRef("approver_group_id"), person_id=me))
    return (ApprovalStep.objects.filter(tenant_id=actor.tenant_id, status=StepStatus.PENDING,
                                        approval_request__status=RequestStatus.PENDING,
                                        step_index=F("approval_request__current_step_index"))
            .filter(Q(delegated=False, approver_id=me) | Q(delegated=True, delegated_to_id=me)
                    | Q(in_group, delegated=False, approver_id="", approver_group__isnull=False))
            .exclude(approval_request__requested_by_id=me))


def steps_for(actor, *, limit: int = 50) -> list:
    return list(decidable(actor).select_related("approval_request").order_by("updated_at", "id")[:limit])


def policies_for(actor, *, limit: int = 20) -> list:
    """Open campaigns whose audience holds the person, for a version they have not acknowledged."""
    me = actor.person_id
    acked = Exists(PolicyAcknowledgement.objects.filter(policy_id=OuterRef("policy_id"), version=OuterRef("version"),
                                                        person_id=me))
    in_groups = Exists(MEMBERSHIP.objects.filter(group__acknowledgement_campaigns=OuterRef("pk"), person_id=me))
    return list(AcknowledgementCampaign.objects.filter(
        tenant_id=actor.tenant_id, status=CampaignStatus.OPEN, policy__status=PolicyStatus.PUBLISHED,
        version=F("policy__version"), policy__is_deleted=False)
        .filter(Q(audience="everyone") | Q(in_groups)).exclude(acked)
        .select_related("policy").order_by("due_at", "id")[:limit])


@portal_view
def waiting(request):
    actor = request.actor
    return render(request, "portal/waiting.html", {"rows": summarise(steps_for(actor)),
                                                   "campaigns": policies_for(actor)})


DECISIONS = {"approve": approval_step_approve, "reject": approval_step_reject}


@portal_view
@require_http_methods(["GET", "POST"])
def decide(request, step_id: str):
    actor = request.actor
    step = decidable(actor).select_related("approval_request").filter(pk=step_id).first()
    if step is None:
        raise Http404
    approval = step.approval_request
    model = target_model(approval.entity_type) if approval.entity_id else None
    kind = records.KIND_OF_MODEL.get(model)
    record = kind and model.objects.select_related(*kind.related).filter(
        tenant_id=approval.tenant_id, pk=approval.entity_id).first()
    if record:  # the record as people call it (summarise's row without a second read of it)
        requester = display_person(actor.tenant_id, approval.requested_by_id) or approval.requested_by_id
        row = {"step": step, "title": f"{kind.noun}: {records.title_of(kind, record)}", "requester": requester,
               **model.summary_format.of(record), "due": approval.due_at,
               "step_of": _("step %(n)s of %(total)s") % {"n": step.step_index + 1, "total": approval.total_steps}}
    else:
        row = summarise([step])[0]
    context = {"row": row, "step": step, "record": record, "kind": kind, "comment": "", "error": ""}
    if request.method == "POST":
        action = request.POST.get("decision")
        comment = request.POST.get("comment", "").strip()[:2000]
        context["comment"] = comment
        if action not in DECISIONS:
            context["error"] = _("Choose Approve or Turn down.")
            return render(request, "portal/decide.html", context, status=400)
        if action == "reject" and not comment:
            context["error"] = _("Say why you turn it down: the requester reads it.")
            return render(request, "portal/decide.html", context, status=400)
        decide_step = DECISIONS[action]
        try:
            with transaction.atomic():
                decide_step(actor=actor, approval_step=step, comment=comment)
        except DomainError as exc:
            context["error"] = exc.detail
            return render(request, "portal/decide.html", context, status=exc.status)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "portal/decide.html", context, status=400)
        messages.success(request, _("You approved it.") if action == "approve" else _("You turned it down."))
        return redirect("portal:waiting")
    return render(request, "portal/decide.html", context)


@portal_view
@require_http_methods(["GET", "POST"])
def acknowledge(request, policy_id: str):
    actor = request.actor
    policy = Policy.objects.filter(tenant_id=actor.tenant_id, pk=policy_id, status=PolicyStatus.PUBLISHED).first()
    if policy is None:
        raise Http404
    done = PolicyAcknowledgement.objects.filter(policy=policy, version=policy.version, person_id=actor.person_id).first()
    if request.method == "POST" and done is None:
        if request.POST.get("read") != "yes":
            return render(request, "portal/acknowledge.html", {
                "policy": policy, "body": render_markdown(policy.body, top_heading=2),
                "error": _("Tick the box to confirm you read it.")}, status=400)
        try:
            policy_acknowledge(actor=actor, obj=policy)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("portal:acknowledge", policy_id=policy.pk)
        messages.success(request, _("Thank you: your acknowledgement of %(policy)s is recorded.") % {"policy": policy.name})
        return redirect("portal:waiting")
    return render(request, "portal/acknowledge.html", {"policy": policy, "done": done,
                                                       "body": render_markdown(policy.body, top_heading=2)})
