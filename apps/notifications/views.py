"""Pages the emails link to. No login: the signed token names the person. GET only shows; a POST
decides (mail scanners fetch GET links). Decisions go through the approvals services, so every
rule of the API holds (segregation of duties, the step still open, the person still its decider)."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.approvals import services as approvals
from apps.approvals.choices import OPEN_STEP_STATES, RequestStatus
from apps.approvals.models import ApprovalStep
from apps.directory.services import is_deactivated
from apps.core.exceptions import DomainError
from apps.core.identity_services import links_revoked_at
from apps.core.people import display_person
from apps.core.principal import Principal

from .content import tenant_name
from apps.core.rendering import render_markdown

from .links import LinkExpired, LinkInvalid, read_acknowledge, read_decision, read_preferences
from .models import UsedLink
from .preferences import preference_of, preference_rows, preference_save
from .recipients import roles_of
from .registry import KINDS, kind

DECISIONS = {"approve": approvals.approval_step_approve, "reject": approvals.approval_step_reject}


def _notice(request, title: str, message: str, *, status: int, tenant: str = ""):
    return render(request, "notifications/pages/notice.html", {"title": title, "message": message, "tenant": tenant},
                  status=status)


def _bad_link(request, exc: Exception):
    if isinstance(exc, LinkExpired):
        return _notice(request, "This link has expired",
                       "Links in notification emails work for a limited time. Open the request in the back office "
                       "to decide it, or wait for the next reminder.", status=410)
    return _notice(request, "This link is not valid",
                   "The link is incomplete or was altered. Copy the whole link from the email.", status=404)


DETAIL_FIELDS = ("system_id", "access_type", "entitlement_type", "item", "destination", "request_type", "start_date",
                 "end_date", "estimated_cost", "cost", "justification", "reason", "description")


def _details(target) -> list[tuple[str, object]]:
    """What the approver decides on: the record's telling fields that have a value."""
    if target is None:
        return []
    names = {f.name for f in target._meta.concrete_fields}
    return [(target._meta.get_field(n).verbose_name.capitalize(), getattr(target, n)) for n in DETAIL_FIELDS
            if n in names and getattr(target, n) not in (None, "")]


def _step_problem(step: ApprovalStep) -> str | None:
    if step.approval_request.status != RequestStatus.PENDING:
        return f"The approval request is {step.approval_request.status}: there is nothing left to decide."
    if step.status not in OPEN_STEP_STATES or step.step_index != step.approval_request.current_step_index:
        return f"This step is {step.status}: it can no longer be decided from this link."
    return None


def _used_notice(request, link, tenant: str):
    """The 410 page for a one-click link already used (decision and review links work once), else None."""
    used = UsedLink.objects.filter(pk=link.token_id).first()
    if used is None:
        return None
    return _notice(request, "This link was already used",
                   f"It was used to {used.action} on {used.used_at:%Y-%m-%d %H:%M} UTC. A decision link works once.",
                   status=410, tenant=tenant)


def _revoked(link) -> str | None:
    """A decision link is bound to the person, not the address: deactivated, or their e-mail, provider
    link or roles changed since it was sent, it decides nothing (they decide in the back office)."""
    if is_deactivated(link.tenant_id, link.person_id):
        return "Your account is deactivated: this link no longer decides anything."
    revoked_at = links_revoked_at(link.tenant_id, link.person_id)
    if revoked_at is not None and link.issued_at <= revoked_at.timestamp():
        return ("Your account's e-mail address, sign-in link or roles changed after this email was sent, so its "
                "links were revoked. Open the request in the back office to decide it.")
    return None


@require_http_methods(["GET", "POST"])
def decide(request, token: str):
    try:
        link = read_decision(token)
    except (LinkExpired, LinkInvalid) as exc:
        return _bad_link(request, exc)
    tenant = tenant_name(link.tenant_id)
    step = (ApprovalStep.objects.filter(tenant_id=link.tenant_id, pk=link.step_id)
            .select_related("approval_request").first())
    if step is None:
        return _notice(request, "Nothing to decide", "This approval no longer exists.", status=404, tenant=tenant)
    if (revoked := _revoked(link)) is not None:
        return _notice(request, "This link was revoked", revoked, status=410, tenant=tenant)
    if (used := _used_notice(request, link, tenant)) is not None:
        return used
    if (problem := _step_problem(step)) is not None:
        return _notice(request, "Already decided", problem, status=409, tenant=tenant)
    approval = step.approval_request
    target = approval.target()
    context = {"tenant": tenant, "step": step, "approval": approval, "target": target, "error": "",
               "requester": display_person(link.tenant_id, approval.requested_by_id) or "—",
               "details": _details(target)}
    if request.method == "GET":
        if not step.may_decide(link.person_id):  # say so now; a POST would be refused by the service anyway
            context |= {"refused": True, "error": "This step is no longer yours to decide (it was delegated)."}
        return render(request, "notifications/pages/decide.html", context)

    action = request.POST.get("decision")
    if action not in DECISIONS:
        context["error"] = "Choose Approve or Reject."
        return render(request, "notifications/pages/decide.html", context, status=400)
    actor = Principal(person_id=link.person_id, tenant_id=link.tenant_id, roles=roles_of(link.tenant_id, link.person_id),
                      source_type="frontend")
    try:
        with transaction.atomic():
            UsedLink.objects.create(token_id=link.token_id, tenant_id=link.tenant_id, person_id=link.person_id,
                                    target_id=step.pk, action=action)
            DECISIONS[action](actor=actor, approval_step=step, comment=request.POST.get("comment", "")[:2000])
    except IntegrityError:
        return _notice(request, "This link was already used", "A decision link works once.", status=410, tenant=tenant)
    except DomainError as exc:
        context["error"] = exc.detail
        return render(request, "notifications/pages/decide.html", context | {"refused": True}, status=exc.status)
    except ValidationError as exc:  # bad input (a rejection without its reason): the form again, as typed
        context["error"] = " ".join(exc.messages)
        return render(request, "notifications/pages/decide.html", context | {"comment": request.POST.get("comment", "")},
                      status=400)
    verb = "approved" if action == "approve" else "rejected"
    return _notice(request, f"You {verb} this step", f"{approval.title}: step {step.step_index + 1} of "
                   f"{approval.total_steps} is {verb}. Thank you.", status=200, tenant=tenant)


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a session; the signed token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        link = read_preferences(token)
    except (LinkExpired, LinkInvalid) as exc:
        return _bad_link(request, exc)
    tenant = tenant_name(link.tenant_id)
    what = kind(link.kind) if link.kind in KINDS or link.kind == "digest" else None
    if what is None or what.mandatory:
        return render(request, "notifications/pages/unsubscribe.html",
                      {"tenant": tenant, "kind": what, "mandatory": True, "token": token}, status=200)
    if request.method == "POST":
        with transaction.atomic():
            pref = preference_of(link.tenant_id, link.person_id)
            pref.disabled_kinds = sorted(set(pref.disabled_kinds or []) | {what.name})
            pref.updated_at = timezone.now()
            pref.save()
        return render(request, "notifications/pages/unsubscribe.html",
                      {"tenant": tenant, "kind": what, "done": True, "token": token})
    return render(request, "notifications/pages/unsubscribe.html", {"tenant": tenant, "kind": what, "token": token})


@require_http_methods(["GET", "POST"])
def preferences(request, token: str):
    try:
        link = read_preferences(token)
    except (LinkExpired, LinkInvalid) as exc:
        return _bad_link(request, exc)
    pref, saved = preference_of(link.tenant_id, link.person_id), False
    if request.method == "POST":
        pref = preference_save(tenant_id=link.tenant_id, person_id=link.person_id,
                               enabled=set(request.POST.getlist("kinds")), digest=request.POST.get("digest") == "on")
        saved = True
    return render(request, "notifications/pages/preferences.html",
                  {"tenant": tenant_name(link.tenant_id), "rows": preference_rows(pref), "digest": pref.digest,
                   "saved": saved})


@require_http_methods(["GET", "POST"])
def acknowledge(request, token: str):
    """The policy's text and one button; the POST acknowledges through the policies service (once
    per person and version, so a second press, or a second link, changes nothing)."""
    from apps.core.exceptions import Conflict
    from apps.policies.models import Policy, PolicyAcknowledgement
    from apps.policies.services import policy_acknowledge

    try:
        link = read_acknowledge(token)
    except (LinkExpired, LinkInvalid) as exc:
        return _bad_link(request, exc)
    tenant = tenant_name(link.tenant_id)
    policy = Policy.objects.filter(tenant_id=link.tenant_id, pk=link.policy_id).first()
    if policy is None:
        return _notice(request, "No such policy", "This policy no longer exists.", status=404, tenant=tenant)
    if policy.version != link.version or policy.status != "published":
        return _notice(request, "A newer version exists",
                       f"This link asked about version {link.version}; {policy.name} is now version {policy.version} "
                       f"({policy.status}). A new request will come if it needs your acknowledgement.",
                       status=409, tenant=tenant)
    done = PolicyAcknowledgement.objects.filter(policy=policy, version=policy.version, person_id=link.person_id).first()
    context = {"tenant": tenant, "policy": policy, "body": render_markdown(policy.body, top_heading=2), "done": done}
    if request.method == "POST" and done is None:
        actor = Principal(person_id=link.person_id, tenant_id=link.tenant_id, source_type="frontend",
                          roles=roles_of(link.tenant_id, link.person_id))
        try:
            context["done"], _ = policy_acknowledge(actor=actor, obj=policy)
        except Conflict as exc:
            return _notice(request, "Cannot acknowledge", exc.detail, status=409, tenant=tenant)
    return render(request, "notifications/pages/acknowledge.html", context)
