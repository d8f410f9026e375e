"""Helpdesk services: creating and updating tickets, comments, the SLA sweep. The transitions are the
named actions in apps/helpdesk/actions.py."""
from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from apps.core import events
from apps.core import services as core
from apps.core.exceptions import Forbidden
from apps.core.ids import new_id
from apps.core.models import Counter, Event
from apps.core.people import AGENT_ROLES, may_act
from apps.core.principal import Principal

from .choices import SLAState, TicketStatus
from .models import Ticket, TicketComment
from .sla import refresh_sla


def check_assignee(*, tenant_id: str, person_id: str | None) -> None:
    """A ticket is assigned to one of the tenant's active agents (or nobody): a typo, or someone who
    has left, would leave it with no one."""
    if person_id and (reason := may_act(tenant_id, person_id, AGENT_ROLES, what="an agent")) is not None:
        raise ValidationError({"assigned_to_id": reason})


def next_ticket_number(tenant_id: str) -> str:
    """The tenant's next ticket number. Inside the caller's transaction: the counter row stays locked until COMMIT."""
    return f"TKT-{Counter.next_value(tenant_id=tenant_id, name='ticket'):04d}"


@transaction.atomic
def ticket_create(*, actor: Principal, data: dict) -> Ticket:
    check_assignee(tenant_id=actor.tenant_id, person_id=data.get("assigned_to_id"))
    ticket = Ticket(**data)
    ticket.tenant_id = actor.tenant_id
    if not ticket.submitted_by_id:
        ticket.submitted_by_id = actor.person_id
    refresh_sla(ticket)

    def number(t: Ticket) -> None:
        # Right before the INSERT: the counter row stays locked until COMMIT and every create of
        # the tenant waits for it, so nothing that can run earlier (SLA lookup, validation) runs under it.
        t.number = next_ticket_number(t.tenant_id)

    return core.record_create(actor=actor, obj=ticket, assign=number, assigns=("number",))


@transaction.atomic
def ticket_update(*, actor: Principal, obj: Ticket, data: dict, if_match: str | None = None) -> Ticket:
    if data.get("assigned_to_id") and data["assigned_to_id"] != obj.assigned_to_id:
        check_assignee(tenant_id=obj.tenant_id, person_id=data["assigned_to_id"])

    def recompute_sla(ticket: Ticket, changed: set[str]) -> None:
        if changed & {"type", "priority"}:
            refresh_sla(ticket)

    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match, prepare=recompute_sla)


def record_late_resolution(*, actor: Principal, ticket: Ticket) -> None:
    """A ticket resolved after its due time between two sweeps still gets its breach, once."""
    late = ticket.due_at and ticket.resolved_at and ticket.resolved_at > ticket.due_at
    if not late or ticket.resolution_breached_at is not None:
        return
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(resolution_breached_at=now, sla_state=SLAState.BREACHED)
    ticket.resolution_breached_at, ticket.sla_state = now, SLAState.BREACHED
    events.emit(obj=ticket, action="sla_breached", actor=actor, payload={
        "id": ticket.pk, "number": ticket.number, "clock": "resolution", "priority": ticket.priority,
        "assigned_to_id": ticket.assigned_to_id, "due_at": ticket.due_at.isoformat(), "detected_at": now.isoformat()})


@transaction.atomic
def ticket_comment_create(*, actor: Principal, ticket: Ticket, body: str, internal: bool = False,
                          tags: list[str] | None = None, source: str | None = None) -> TicketComment:
    """Add a reply or an internal note. The first public reply by someone other than the
    submitter is the ticket's first response."""
    is_agent = Ticket.visibility.sees_every_row(actor)
    if internal and not is_agent:
        raise Forbidden("Internal notes need one of the roles: admin, agent.")
    comment = TicketComment(ticket=ticket, author_id=actor.person_id, body=body, internal=internal)
    if tags is not None:
        comment.tags = tags
    if source is not None:
        comment.source = source
    core.record_create(actor=actor, obj=comment)
    if not internal and actor.person_id != ticket.submitted_by_id:
        ticket = core.lock(ticket)
        if ticket.first_response_at is None:
            ticket.first_response_at = comment.created_at
            refresh_sla(ticket)
            core._stamp(ticket, actor)
            ticket._change_reason = "first response"
            ticket.save()
            events.emit(obj=ticket, action="first_responded", actor=actor)
    return comment


# --------------------------------------------------------------------------- SLA sweep

RUNNING = [TicketStatus.NEW, TicketStatus.OPEN]
SWEEP_BATCH = 500  # rows per transaction: short locks, bounded memory


def _sweep_passes(now: datetime) -> list[tuple[str, str, str, Q]]:
    """(clock, kind, stamp field, condition) in the order a clock fires: warning, then breach."""
    running = Q(status__in=RUNNING, is_deleted=False)
    no_response_yet = Q(first_response_at__isnull=True)
    return [
        ("first_response", "warning", "first_response_warned_at",
         running & no_response_yet & Q(first_response_warn_at__lte=now, first_response_warned_at__isnull=True)),
        ("first_response", "breached", "first_response_breached_at",
         running & Q(first_response_warn_at__lte=now, first_response_due_at__lte=now,
                     first_response_breached_at__isnull=True)
         & (no_response_yet | Q(first_response_at__gt=F("first_response_due_at")))),
        ("resolution", "warning", "resolution_warned_at",
         running & Q(resolution_warn_at__lte=now, resolution_warned_at__isnull=True)),
        ("resolution", "breached", "resolution_breached_at",
         running & Q(resolution_warn_at__lte=now, due_at__lte=now, resolution_breached_at__isnull=True)),
    ]


def ticket_sla_sweep(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH,
                     progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Stamp SLA warnings and breaches and emit `helpdesk.ticket.sla_warning` /
    `helpdesk.ticket.sla_breached` once per ticket and clock.

    Set-based: one probe statement says which passes have due work (an empty sweep is that statement
    alone); per such pass one indexed SELECT of the next batch of due rows, one UPDATE and one bulk
    INSERT of events, so the query count depends on the matches, never on the table size.
    The stamp is part of the condition, so a rerun (or a concurrent sweep) finds nothing twice.
    """
    now = now or timezone.now()
    passes = _sweep_passes(now)
    due = _due_passes(passes)
    counts: dict[str, int] = {}
    for (clock, kind, stamp, condition), has_work in zip(passes, due):
        key, done = f"{clock}_{kind}", 0
        while has_work:
            batch = _sweep_batch(now=now, clock=clock, kind=kind, stamp=stamp, condition=condition, size=batch_size)
            done += batch
            if progress and batch:
                progress(key, done)
            if batch < batch_size:
                break
        counts[key] = done
    return counts


def _deadline_field(clock: str) -> str:
    return "first_response_due_at" if clock == "first_response" else "due_at"


def _probe_field(clock: str, kind: str) -> str:
    """The column a pass's partial index is ordered by: the warning time or the deadline."""
    return f"{clock}_warn_at" if kind == "warning" else _deadline_field(clock)


def _due_passes(passes) -> list[bool]:
    """Which passes have due work: one statement, outside any transaction, so a pass with nothing due costs
    one round trip and no locks.

    Each pass asks for the earliest due time among its rows (`MIN` of the column its partial index is
    ordered by) rather than `EXISTS`: the planner answers `MIN` from the first entry of that index, while
    for `EXISTS … LIMIT 1` it may guess that a scan of the whole table meets a match early (it cannot
    see that the running tickets past a deadline are the stamped ones) and read every ticket."""
    selects, params = [], []
    for clock, kind, _stamp, condition in passes:
        field = _probe_field(clock, kind)
        sql, field_params = Ticket.objects.filter(condition).order_by().values_list(field).query.sql_with_params()
        selects.append(f"(SELECT MIN(due.{connection.ops.quote_name(field)}) FROM ({sql}) due) IS NOT NULL")
        params += field_params
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(selects), params)
        return [bool(flag) for flag in cur.fetchone()]


@transaction.atomic
def _sweep_batch(*, now: datetime, clock: str, kind: str, stamp: str, condition: Q, size: int) -> int:
    due_field = _deadline_field(clock)
    rows = Ticket.objects.filter(condition).order_by()
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    rows = list(rows.values_list("id", "tenant_id", "app_id", "number", "priority", "assigned_to_id", due_field)[:size])
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    state = Value(SLAState.BREACHED) if kind == "breached" else Case(
        When(sla_state=SLAState.RUNNING, then=Value(SLAState.WARNING)), default=F("sla_state"))
    Ticket.objects.filter(id__in=ids).update(**{stamp: now}, sla_state=state, updated_at=now)
    created = Event.objects.bulk_create([
        Event(id=new_id("evt"), tenant_id=tenant_id, app_id=app_id, type=f"helpdesk.ticket.sla_{kind}",
              entity_type=Ticket._meta.label, entity_id=pk, actor_id=None, created_at=now,
              payload={"id": pk, "number": number, "clock": clock, "priority": priority,
                       "assigned_to_id": assignee, "due_at": due.isoformat() if due else None,
                       "detected_at": now.isoformat()})
        for pk, tenant_id, app_id, number, priority, assignee, due in rows
    ])
    transaction.on_commit(lambda: [events.event_committed.send(sender=Event, event=e) for e in created])
    return len(rows)
