"""A person's requests of every kind, as the portal shows them: one list newest first (one UNION
query, one query for the approval steps they wait on, one lookup of people), and one record's
timeline. Only the person's own records: those they requested, filed, or hold (an access grant)."""
from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.approvals.choices import RequestStatus
from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.core.people import display_people
from apps.core.principal import Principal
from apps.core.titles import name_of
from apps.helpdesk.actions import TICKET_ACTIONS
from apps.helpdesk.models import Ticket
from apps.operations.actions import ACCESS_REQUEST_ACTIONS, EQUIPMENT_ACTIONS, HR_REQUEST_ACTIONS, TRAVEL_ACTIONS
from apps.operations.models import AccessRequest, Equipment, HRRequest, Travel


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    noun: str
    owner_fields: tuple[str, ...]  # the person fields that make a record this person's
    columns: tuple[str, str]  # two text columns that name the record in the list
    open_states: tuple[str, ...]  # still waiting for a decision: the requester may withdraw it
    related: tuple[str, ...] = ()  # what its page shows besides the row (select_related)


KINDS = {
    "access": Kind("access", AccessRequest, gettext_lazy("Access"), ("requester_id", "principal_id", "created_by"),
                   ("system_id", "entitlement_type"), ("pending",), ("entitlement__system__connector",)),
    "equipment": Kind("equipment", Equipment, gettext_lazy("Equipment"), ("requester_id", "created_by"),
                      ("equipment_type", ""), ("requested",)),
    "travel": Kind("travel", Travel, gettext_lazy("Trip"), ("requester_id", "created_by"),
                   ("destination", ""), ("requested",)),
    "hr": Kind("hr", HRRequest, gettext_lazy("HR request"), ("requester_id", "created_by"), ("type", ""), ("pending",)),
    "ticket": Kind("ticket", Ticket, gettext_lazy("Help ticket"), ("submitted_by_id", "created_by"),
                   ("number", "title"), ()),
}
KIND_OF_MODEL = {kind.model: kind for kind in KINDS.values()}
# The writes of each kind (apps/core/actions.py): what the API's POST and DELETE of its record run.
ACTIONS = {"access": ACCESS_REQUEST_ACTIONS, "equipment": EQUIPMENT_ACTIONS, "travel": TRAVEL_ACTIONS,
           "hr": HR_REQUEST_ACTIONS, "ticket": TICKET_ACTIONS}

STATE_WORDS = {
    "pending": gettext_lazy("Waiting for approval"), "requested": gettext_lazy("Waiting for approval"),
    "approved": gettext_lazy("Approved"), "rejected": gettext_lazy("Turned down"),
    "provisioned": gettext_lazy("Access granted"), "completed": gettext_lazy("Done"),
    "in_progress": gettext_lazy("HR is working on it"), "ordered": gettext_lazy("Ordered"),
    "shipped": gettext_lazy("Shipped"), "delivered": gettext_lazy("Delivered"), "returned": gettext_lazy("Returned"),
    "booked": gettext_lazy("Booked"), "cancelled": gettext_lazy("Cancelled"),
    "new": gettext_lazy("New"), "open": gettext_lazy("Being worked on"), "resolved": gettext_lazy("Resolved"),
    "closed": gettext_lazy("Closed"), "provisioning": gettext_lazy("Being set up"),
    "provisioning_failed": gettext_lazy("Delayed: IT is looking into it"),
}
KIND_STATE_WORDS = {
    ("access", "pending"): gettext_lazy("Waiting for approval"),
    ("access", "completed"): gettext_lazy("Ended"),
    ("hr", "pending"): gettext_lazy("Waiting for HR"),
    ("hr", "completed"): gettext_lazy("Ready"),
    ("ticket", "pending"): gettext_lazy("Waiting for your answer"),
    # a request to remove access one holds (access_type "revoke")
    ("revoke", "approved"): gettext_lazy("Approved: being removed"),
    ("revoke", "provisioning"): gettext_lazy("Being removed"),
    ("revoke", "provisioning_failed"): gettext_lazy("Removal delayed: IT is looking into it"),
    ("revoke", "provisioned"): gettext_lazy("Access removed"),
}
# Who moves a record on when no approval step holds it, in words (by kind and state).
NEXT_HAND = {
    ("access", "approved"): gettext_lazy("Waiting for IT to grant the access"),
    ("access", "provisioning"): gettext_lazy("Waiting for the system to confirm the access"),
    ("revoke", "pending"): gettext_lazy("Waiting for an approver"),
    ("revoke", "approved"): gettext_lazy("Waiting for the system to remove the access"),
    ("revoke", "provisioning"): gettext_lazy("Waiting for the system to remove the access"),
    ("access", "pending"): gettext_lazy("Waiting for an approver"),
    ("hr", "pending"): gettext_lazy("Waiting for HR"),
    ("hr", "in_progress"): gettext_lazy("Waiting for HR to finish it"),
    ("equipment", "requested"): gettext_lazy("Waiting for an approver"),
    ("equipment", "approved"): gettext_lazy("Waiting for IT to order it"),
    ("equipment", "ordered"): gettext_lazy("Waiting for the delivery"),
    ("equipment", "shipped"): gettext_lazy("Waiting for the delivery"),
    ("travel", "requested"): gettext_lazy("Waiting for an approver"),
    ("travel", "approved"): gettext_lazy("Waiting for the travel desk to book it"),
    ("ticket", "new"): gettext_lazy("Waiting for the service desk"),
    ("ticket", "open"): gettext_lazy("Waiting for the service desk"),
    ("ticket", "pending"): gettext_lazy("Waiting for your answer"),
}
WITHDRAWN = gettext_lazy("Withdrawn")


def variant_of(kind: str, access_type: str = "") -> str:
    """The words' key: a request to remove access reads apart from one to get it."""
    return "revoke" if kind == "access" and access_type == "revoke" else kind


def state_words(kind: str, status: str, deleted: bool = False) -> str:
    if deleted:
        return str(WITHDRAWN)
    return str(KIND_STATE_WORDS.get((kind, status)) or STATE_WORDS.get(status) or status.replace("_", " "))


def next_hand(kind: str, status: str) -> str | None:
    return NEXT_HAND.get((kind, status))


def mine(kind: Kind, actor: Principal) -> Q:
    q = Q()
    for name in kind.owner_fields:
        q |= Q(**{name: actor.person_id})
    return q


def owned(kind: Kind, actor: Principal, *, deleted: bool = True):
    """The person's records of one kind in their tenant (withdrawn ones too: they stay on their list)."""
    manager = kind.model.all_objects if deleted else kind.model.objects
    return manager.filter(mine(kind, actor), tenant_id=actor.tenant_id)


@dataclass
class Row:
    kind: str
    id: str
    status: str
    created_at: datetime
    title: str
    deleted: bool
    holder: str = ""  # a ticket's assignee
    access_type: str = ""
    person: str = ""  # whom it is for (the requester; a ticket's submitter)
    person_name: str = ""
    state: str = ""
    waiting: str = ""

    @property
    def noun(self) -> str:
        return str(KINDS[self.kind].noun)


REMOVAL = gettext_lazy("Remove %(access)s")


def _title(kind: str, first: str, second: str, access_type: str = "") -> str:
    if kind == "access":
        text = f"{first} · {second}" if second else first
        return str(REMOVAL) % {"access": text} if access_type == "revoke" else text
    if kind == "hr":
        return str(dict(HRRequest._meta.get_field("type").choices).get(first, first)).replace("_", " ").capitalize()
    if kind == "ticket":
        return f"{first} · {second}"
    return first


def _list_query(actor: Principal, kinds, rows_of=None):
    """One UNION of the kinds' rows: the person's own (`owned`), or those `rows_of(kind)` gives."""
    text = CharField()
    parts = []
    rows_of = rows_of or (lambda kind: owned(kind, actor))
    for kind in kinds:
        first, second = kind.columns
        # An access request names its catalog system by name (system_id holds the system's id then).
        a = Coalesce("entitlement__system__name", F(first), output_field=text) if kind.slug == "access" else F(first)
        parts.append(rows_of(kind).order_by().annotate(
            kind=Value(kind.slug, output_field=text), a=a,
            b=F(second) if second else Value("", output_field=text),
            # who holds a ticket (the others have no one person holding them): no query per row
            holder=F("assigned_to_id") if kind.slug == "ticket" else Value("", output_field=text),
            variant=F("access_type") if kind.slug == "access" else Value("", output_field=text),
            person=F("submitted_by_id" if kind.slug == "ticket" else "requester_id"),
        ).values_list("kind", "id", "status", "created_at", "a", "b", "is_deleted", "holder", "variant", "person"))
    query = parts[0]
    return query.union(*parts[1:], all=True) if len(parts) > 1 else query


def my_requests(actor: Principal, *, kinds=None, limit: int = 50, offset: int = 0) -> list[Row]:
    """The person's requests, newest first, described."""
    return rows_and_people(actor, kinds=kinds, limit=limit, offset=offset)[0]


def rows_and_people(actor: Principal, *, kinds=None, limit: int = 50, offset: int = 0, rows_of=None,
                    also_people=()) -> tuple[list[Row], dict[str, str]]:
    """The rows (the person's, or with `rows_of` those it gives per kind) and the people's labels."""
    kinds = [KINDS[k] for k in (kinds or KINDS)]
    found = _list_query(actor, kinds, rows_of).order_by("-created_at", "-id")[offset:offset + limit]
    rows = [Row(kind=k, id=pk, status=status, created_at=created, title=_title(k, a or "", b or "", variant or ""),
                deleted=bool(d), holder=holder or "", access_type=variant or "", person=person or "")
            for k, pk, status, created, a, b, d, holder, variant, person in found]
    return rows, describe(actor, rows, also_people=also_people, name_people=rows_of is not None)


def open_steps(tenant_id: str, record_ids) -> dict[str, ApprovalStep]:
    """{record id: the step its open approval request waits on} (one query)."""
    steps = (ApprovalStep.objects.filter(tenant_id=tenant_id, approval_request__entity_id__in=list(record_ids),
                                         approval_request__status=RequestStatus.PENDING,
                                         step_index=F("approval_request__current_step_index"))
             .select_related("approval_request", "approver_group"))
    return {step.approval_request.entity_id: step for step in steps}


def waiting_words(step: ApprovalStep, people: dict[str, str]) -> str:
    """“Waiting for Ada Lovelace, step 2 of 2, since 1 Dec”."""
    if step.decider_id:
        who = name_of(people.get(step.decider_id, step.decider_id))
    elif step.approver_group_id:
        who = _("any member of %(group)s") % {"group": step.approver_group}
    else:
        who = _("an approver")
    return _("Waiting for %(who)s, step %(n)s of %(total)s, since %(since)s") % {
        "who": who, "n": step.step_index + 1, "total": step.approval_request.total_steps,
        "since": date_format(timezone.localtime(step.updated_at), "D d M")}  # in the page's language


def describe(actor: Principal, rows: list[Row], *, also_people=(), name_people: bool = False) -> dict[str, str]:
    """State in words and who each open row waits for now (and, with `name_people`, whom each is
    for): one query of steps, one of people (with `also_people`, for the page's other parts)."""
    live = [r for r in rows if not r.deleted]
    steps = open_steps(actor.tenant_id, [r.id for r in live]) if live else {}
    assignees = {r.id: r.holder for r in live if r.kind == "ticket" and r.status in ("new", "open") and r.holder}
    wanted = [s.decider_id for s in steps.values()] + list(assignees.values()) + list(also_people)
    people = display_people(actor.tenant_id, wanted + ([r.person for r in rows] if name_people else []))
    for row in rows:
        row.person_name = name_of(people.get(row.person, row.person)) if name_people else ""
        words = variant_of(row.kind, row.access_type)
        row.state = state_words(words, row.status, row.deleted)
        if row.deleted:
            continue
        if row.id in steps:
            row.waiting = waiting_words(steps[row.id], people)
        elif assignees.get(row.id):
            row.waiting = _("Waiting for %(who)s") % {"who": name_of(people.get(assignees[row.id]))}
        elif (words, row.status) in NEXT_HAND:
            row.waiting = str(NEXT_HAND[(words, row.status)])
    return people


def title_of(kind: Kind, obj) -> str:
    """What the person calls the record: "GitHub · Maintainer", "Laptop", "Lisbon, 3–5 May"."""
    if kind.slug == "access":
        return _title("access", obj.system_name, obj.grant, obj.access_type)
    if kind.slug == "travel":
        return f"{obj.destination}, {obj.trip_dates}"
    if kind.slug == "hr":
        return obj.get_type_display()
    if kind.slug == "ticket":
        return f"{obj.number} · {obj.title}"
    return obj.equipment_type


def record_of(actor: Principal, kind_slug: str, record_id: str):
    """The person's record, or 404 (another person's or tenant's record, or no such kind)."""
    kind = KINDS.get(kind_slug)
    if kind is None:
        raise Http404
    obj = owned(kind, actor).select_related(*kind.related).filter(pk=record_id).first()
    if obj is None:
        raise Http404
    return kind, obj


@dataclass
class Moment:
    when: datetime | None
    what: str
    note: str = ""
    link: str = ""
    state: str = "done"  # done | waiting | refused | future


def timeline(actor: Principal, kind: Kind, obj, *, also_people=()) -> tuple[list[Moment], dict[str, str]]:
    """Filed, each approval step with its decision and reason, then what followed (granted, fulfilled,
    booked, delivered, expiry), and the labels of the people named (with `also_people`, for the
    page's other parts). Two queries: the approval steps (none for tickets), the people."""
    steps = [] if kind.slug == "ticket" else list(
        ApprovalStep.objects.filter(tenant_id=obj.tenant_id, approval_request__entity_id=obj.pk)
        .select_related("approval_request", "approver_group").order_by("approval_request_id", "step_index"))
    fields = ("created_by", "approver_id", "granted_by_id", "fulfilled_by", "assigned_to_id", "deleted_by")
    ids = {getattr(obj, f, None) for f in fields} | {s.decider_id for s in steps} | set(also_people)
    people = display_people(obj.tenant_id, ids)

    def who(pid):
        return name_of(people.get(pid, pid)) if pid else ""

    moments = [Moment(obj.created_at, _("Filed by %(who)s") % {"who": who(obj.created_by)})]
    for step in steps:
        request = step.approval_request
        label = _("Step %(n)s of %(total)s") % {"n": step.step_index + 1, "total": request.total_steps}
        if step.decision == "approved":
            moments.append(Moment(step.decided_at, _("%(step)s approved by %(who)s") % {"step": label, "who": who(step.decider_id)},
                                  note=step.comment))
        elif step.decision == "rejected":
            moments.append(Moment(step.decided_at, _("%(step)s turned down by %(who)s") % {"step": label, "who": who(step.decider_id)},
                                  note=step.comment, state="refused"))
        elif step.status == "pending" and request.status == RequestStatus.PENDING:
            moments.append(Moment(step.updated_at, waiting_words(step, people), state="waiting"))
        elif step.status == "waiting" and request.status == RequestStatus.PENDING:
            moments.append(Moment(None, _("%(step)s: %(who)s decides next") % {
                "step": label, "who": who(step.decider_id) or _("an approver")}, state="future"))
        if request.status == RequestStatus.CANCELLED and step.step_index == request.total_steps - 1:
            moments.append(Moment(request.completed_at, _("Approval withdrawn"), note=request.cancellation_reason,
                                  state="refused"))
    moments += _outcome(kind, obj, who)
    if obj.is_deleted:
        moments.append(Moment(obj.deleted_at, _("Withdrawn by %(who)s") % {"who": who(obj.deleted_by)}, state="refused"))
    dated = sorted((m for m in moments if m.when), key=lambda m: m.when)
    return dated + [m for m in moments if not m.when], people


def _outcome(kind: Kind, obj, who) -> list[Moment]:
    out: list[Moment] = []
    rejected = getattr(obj, "rejection_reason", "") if obj.status == "rejected" else ""
    if kind.slug == "access":
        connector = obj.entitlement.system.connector if obj.entitlement_id else None
        if connector is not None:  # the connector confirmed it: named as such, never by its id
            by_person = who
            who = lambda pid: connector.name if pid == connector.pk else by_person(pid)  # noqa: E731
        if obj.approved_at:
            out.append(Moment(obj.approved_at, _("Approved")))
        if obj.status == "rejected":
            out.append(Moment(obj.updated_at, _("Turned down by %(who)s") % {"who": who(obj.approver_id)}, note=rejected,
                              state="refused"))
        if obj.provisioned_at and obj.access_type == "revoke":
            out.append(Moment(obj.provisioned_at, _("Access removed, confirmed by %(who)s") % {
                "who": who(obj.granted_by_id)}, note=obj.provisioning_note))
            return out
        if obj.provisioned_at:
            out.append(Moment(obj.provisioned_at, _("Access granted by %(who)s") % {"who": who(obj.granted_by_id)},
                              note=obj.provisioning_note))
        if obj.status == "completed" and (not obj.expires_at or obj.updated_at < obj.expires_at):
            out.append(Moment(obj.updated_at, _("Access removed before its end date"), state="done"))
        elif obj.expires_at:
            ended = obj.status == "completed"
            out.append(Moment(obj.expires_at, _("Expired") if ended else _("Expires"), state="done" if ended else "future"))
    elif kind.slug == "hr":
        if obj.status == "rejected":
            out.append(Moment(obj.updated_at, _("Turned down by HR"), note=rejected, state="refused"))
        if obj.fulfilled_at:
            out.append(Moment(obj.fulfilled_at, _("Fulfilled by %(who)s") % {"who": who(obj.fulfilled_by)},
                              note=obj.fulfilment_note, link=obj.deliverable_url))
    elif kind.slug == "equipment":
        if obj.ordered_at:
            out.append(Moment(obj.ordered_at, _("Ordered")))
        if obj.delivered_at:
            out.append(Moment(obj.delivered_at, _("Delivered")))
    elif kind.slug == "travel":
        if obj.booked_at:
            out.append(Moment(obj.booked_at, _("Booked"), note=obj.booking_reference))
        if obj.status == "cancelled":
            out.append(Moment(obj.updated_at, _("Cancelled"), note=obj.cancellation_reason, state="refused"))
    elif kind.slug == "ticket":
        if obj.first_response_at:
            out.append(Moment(obj.first_response_at, _("First answer from the service desk")))
        if obj.resolved_at:
            out.append(Moment(obj.resolved_at, _("Resolved")))
    return out


def open_approval(obj) -> ApprovalRequest | None:
    return (ApprovalRequest.objects.filter(tenant_id=obj.tenant_id, entity_id=obj.pk, status=RequestStatus.PENDING)
            .order_by("id").first())
