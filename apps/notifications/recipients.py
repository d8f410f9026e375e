"""Who hears of an event. Every address comes from `addresses` (the people directory, else staff
users); the other functions name person ids and why they hear of it."""
from dataclasses import dataclass

from apps.core.models import Event, StaffMembership
from apps.directory.models import Person


@dataclass(frozen=True)
class Address:
    email: str
    name: str


def addresses(tenant_id: str, person_ids) -> dict[str, Address]:
    """{person id: Address} for the ids that can be written to: the directory's entry (Person) when
    it has an address — a deactivated or deleted person hears nothing — else the staff user's email
    (a directory entry without an address, e.g. one made before the directory was filled after an
    upgrade, does not silence the person)."""
    wanted = {p for p in person_ids if p}
    if not wanted:
        return {}
    found: dict[str, Address] = {}
    known = set()
    for person in Person.all_objects.filter(tenant_id=tenant_id, pk__in=wanted):
        if person.active and not person.is_deleted and not person.email:
            continue  # the staff user's address, below
        known.add(person.pk)
        if person.active and not person.is_deleted and person.email:
            name = person.display_name or " ".join(n for n in (person.given_name, person.family_name) if n)
            found[person.pk] = Address(email=person.email, name=name or person.user_name)
    staff = StaffMembership.objects.filter(tenant_id=tenant_id, person_id__in=wanted - known, user__is_active=True)
    for m in staff.select_related("user"):
        if m.user.email:
            found[m.person_id] = Address(email=m.user.email, name=m.user.get_full_name() or m.user.username)
    for source in _address_sources:  # e.g. people who wrote in by e-mail without a directory entry
        if rest := wanted - known - set(found):
            found.update(source(tenant_id, rest))
    return found


# Other apps' people who are in neither the directory nor staff: callables (tenant_id, ids) -> {id: Address}.
_address_sources: list = []


def register_address_source(source) -> None:
    if source not in _address_sources:
        _address_sources.append(source)


def roles_of(tenant_id: str, person_id: str) -> frozenset[str]:
    membership = StaffMembership.objects.filter(tenant_id=tenant_id, person_id=person_id, user__is_active=True).first()
    return frozenset(membership.roles or ()) if membership else frozenset()


Recipients = list[tuple[str, str]]  # (person id, reason)


def _one(person_id: str | None, reason: str, *, not_actor: Event | None = None) -> Recipients:
    if not person_id or (not_actor is not None and person_id == not_actor.actor_id):
        return []
    return [(person_id, reason)]


# -- approvals ----------------------------------------------------------------------------------
def _step_of(step: dict) -> str:
    return f"{step.get('step_index', 0) + 1} of {step.get('approval_request_id')}"


def _group_deciders(event: Event) -> Recipients:
    """A group step: every active member who may decide it (apps.approvals.deciders says who)."""
    from apps.approvals.models import ApprovalStep

    step = ApprovalStep.objects.filter(tenant_id=event.tenant_id, pk=event.payload.get("id")).first()
    if step is None or not step.is_group_step:
        return []
    reason = f"member of {step.approver_group}, approvers of step {_step_of(event.payload)}"
    return [(person_id, reason) for person_id in step.eligible_deciders()]


def step_approver(event: Event) -> Recipients:
    step = event.payload
    if step.get("approver_group_id") and not step.get("approver_id"):
        return _group_deciders(event)
    if step.get("delegated") and step.get("delegated_to_id"):  # delegated before it activated (its approver left)
        return _one(step.get("delegated_to_id"), f"delegate of step {_step_of(step)}")
    return _one(step.get("approver_id"), f"approver of step {_step_of(step)}")


def step_delegate(event: Event) -> Recipients:
    step = event.payload
    return _one(step.get("delegated_to_id"), f"delegate of step {_step_of(step)}")


def current_decider(event: Event) -> Recipients:
    from apps.approvals.models import ApprovalStep

    request = event.payload
    step = ApprovalStep.objects.filter(tenant_id=event.tenant_id, approval_request_id=event.entity_id,
                                       step_index=request.get("current_step_index", 0)).first()
    index = request.get("current_step_index", 0) + 1
    if step is not None and step.is_group_step:
        return [(p, f"member of {step.approver_group}, deciders of step {index} of {event.entity_id}, falling due")
                for p in step.eligible_deciders()]
    return _one(step and step.decider_id, f"decider of step {index} of {event.entity_id}, falling due")


def approval_requester(event: Event) -> Recipients:
    """The requester of an approval request's outcome, unless the record it decides tells them
    itself (its own approved/rejected event): equipment has no rejection, free-form requests no record."""
    from apps.approvals.outcomes import target_model

    request = event.payload
    model = target_model(request.get("entity_type") or "")
    if model is not None and request.get("entity_id"):
        outcome = event.type.rsplit(".", 1)[-1]
        decisions = model.decisions
        if (outcome == "approved" and decisions.approve) or (outcome == "rejected" and decisions.reject):
            return []
    return _one(request.get("requested_by_id"), f"requester of approval {event.entity_id}", not_actor=event)


# -- operations requests ------------------------------------------------------------------------
def request_requester(event: Event) -> Recipients:
    return _one(event.payload.get("requester_id"), f"requester of {event.entity_id}", not_actor=event)


def access_owners(event: Event) -> Recipients:
    """Who holds the access (a person grantee) and who asked for it."""
    grant = event.payload
    holder = grant.get("principal_id") if grant.get("principal_type") in (None, "", "person") else None
    found = _one(holder, f"holder of access {event.entity_id}")
    if grant.get("requester_id") != holder:
        found += _one(grant.get("requester_id"), f"requester of access {event.entity_id}")
    return found


# -- helpdesk -------------------------------------------------------------------------------------
def _previous_payload(event: Event) -> dict:
    earlier = (Event.objects.filter(tenant_id=event.tenant_id, entity_id=event.entity_id, id__lt=event.id)
               .order_by("-id").values_list("payload", flat=True))
    for payload in earlier[:20]:
        if isinstance(payload, dict) and "assigned_to_id" in payload and "title" in payload:
            return payload
    return {}


def new_assignee(event: Event) -> Recipients:
    """The agent a ticket was just assigned to (on create, or an update that changed the assignee)."""
    assignee = event.payload.get("assigned_to_id")
    if event.type.endswith(".updated") and _previous_payload(event).get("assigned_to_id") == assignee:
        return []
    return _one(assignee, f"assignee of ticket {event.payload.get('number') or event.entity_id}", not_actor=event)


def agent_on_requester_reply(event: Event) -> Recipients:
    from apps.helpdesk.models import Ticket

    comment = event.payload
    if comment.get("internal"):
        return []
    ticket = Ticket.objects.filter(tenant_id=event.tenant_id, pk=comment.get("ticket_id")).first()
    if ticket is None or comment.get("author_id") != ticket.submitted_by_id:
        return []
    return _one(ticket.assigned_to_id, f"assignee of ticket {ticket.number}: the requester replied")


def ticket_requester(event: Event) -> Recipients:
    """The requester of a ticket, of what others did on it: a public reply, a change of status; and of a
    ticket they opened by e-mail (the acknowledgement with its number). Never of their own replies."""
    from apps.helpdesk.models import Ticket

    payload = event.payload
    if event.type.startswith("helpdesk.ticket_comment."):
        if payload.get("internal"):
            return []
        ticket = Ticket.objects.filter(tenant_id=event.tenant_id, pk=payload.get("ticket_id")).first()
        if ticket is None or payload.get("author_id") == ticket.submitted_by_id:
            return []
        return _one(ticket.submitted_by_id, f"requester of ticket {ticket.number}")
    if event.type.endswith(".created"):
        if payload.get("source") != "email":
            return []  # they filed it themselves, or staff did for them: nothing to acknowledge by mail
        return _one(payload.get("submitted_by_id"), f"requester of ticket {payload.get('number')} (opened by e-mail)")
    return _one(payload.get("submitted_by_id"), f"requester of ticket {payload.get('number')}", not_actor=event)


def sla_assignee(event: Event) -> Recipients:
    return _one(event.payload.get("assigned_to_id"), f"assignee of ticket {event.payload.get('number')}")


# -- policies -------------------------------------------------------------------------------------
def campaign_outstanding(event: Event) -> Recipients:
    """The campaign's audience who have not acknowledged its version when the event is fanned out
    (someone who acknowledged in between hears nothing); nobody once the campaign is closed."""
    from apps.policies.campaigns import outstanding_of
    from apps.policies.models import AcknowledgementCampaign

    campaign = AcknowledgementCampaign.objects.filter(tenant_id=event.tenant_id, pk=event.entity_id,
                                                      status="open").select_related("policy").first()
    if campaign is None:
        return []
    reason = f"asked to acknowledge {campaign.policy.name} v{campaign.version} (campaign {campaign.pk})"
    return [(person_id, reason) for person_id in outstanding_of(campaign).values_list("pk", flat=True)]


# -- integration ----------------------------------------------------------------------------------
def integration_admins(event: Event) -> Recipients:
    members = StaffMembership.objects.filter(tenant_id=event.tenant_id, user__is_active=True)
    return [(m.person_id, "tenant admin (integration)") for m in members if "admin" in (m.roles or ())]


def connector_owner(event: Event) -> Recipients:
    """The connector's owner; the tenant's admins when it names none (someone must hear of it)."""
    owner = event.payload.get("owner_id")
    return [(owner, "owner of the connector")] if owner else integration_admins(event)


# -- access reviews ------------------------------------------------------------------------------
def review_reviewers(event: Event) -> Recipients:
    """Every reviewer with an undecided item of the open campaign when the event is fanned out."""
    from apps.reviews.models import ReviewItem

    reviewers = (ReviewItem.objects.filter(tenant_id=event.tenant_id, campaign_id=event.entity_id, status="pending",
                                           campaign__status="open").values_list("reviewer_id", flat=True).distinct())
    return [(p, f"reviewer in access review {event.payload.get('name')}") for p in reviewers]


def review_owner(event: Event) -> Recipients:
    return _one(event.payload.get("owner_id"), f"owner of access review {event.payload.get('name')}")


def review_admins(event: Event) -> Recipients:
    """The tenant's admins: items nobody else may review wait on them."""
    return [(p, f"tenant admin (access review {event.payload.get('name')})") for p, _ in integration_admins(event)]


def review_holder(event: Event) -> Recipients:
    return _one(event.payload.get("holder_id"), "holder of the access reviewed")


def review_item_owner(event: Event) -> Recipients:
    from apps.reviews.models import ReviewCampaign

    owner = ReviewCampaign.objects.filter(tenant_id=event.tenant_id, pk=event.payload.get("campaign_id")).values_list(
        "owner_id", flat=True).first()
    return _one(owner, "owner of the access review")


# -- leavers (apps/lifecycle) --------------------------------------------------------------------
def lifecycle_it(event: Event) -> Recipients:
    """The tenant's active IT staff (who work offboarding cases)."""
    from apps.core.people import members_with_role

    return [(person_id, "IT (offboarding cases)") for person_id, _ in members_with_role(event.tenant_id, ("it",))]


def leaver_manager_and_it(event: Event) -> Recipients:
    """The leaver's manager when they left (their work and ownership fall back there), then IT."""
    return _one(event.payload.get("manager_id"), "manager of the leaver") + lifecycle_it(event)
