"""The SLA clock of a ticket.

Due instants are recomputed from scratch on every change: the matching policy, the
tenant's business calendar (for `business_hours_only` policies) and the pauses read from
the ticket's status history (time spent `pending` or `resolved` does not count). Nothing
is accumulated, so a pause survives a later change of priority or policy.
"""
from datetime import datetime

from django.utils import timezone

from .business_hours import Calendar, due_at_with_pauses
from .calendars import build_calendar
from .choices import SLAState, TicketStatus
from .selectors import business_calendar_for, sla_policy_for

PAUSED = frozenset({TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED})
WARN_RATIO = 0.8  # a warning when 80% of the allowed time is used


def pauses_of(ticket, *, now: datetime) -> list[tuple[datetime, datetime | None]]:
    """Intervals the clock stood still, from the status history plus the unsaved current status."""
    changes = []
    if ticket.pk:
        changes = list(ticket.history.order_by("history_date", "history_id").values_list("history_date", "status"))
    changes.append((now, ticket.status))
    pauses, paused_since, previous = [], None, None
    for when, status in changes:
        if status == previous:
            continue
        previous = status
        if status in PAUSED and paused_since is None:
            paused_since = when
        elif status not in PAUSED and paused_since is not None:
            pauses.append((paused_since, when))
            paused_since = None
    if paused_since is not None:
        pauses.append((paused_since, None))
    return pauses


def calendar_for(ticket, policy) -> Calendar:
    if not policy.business_hours_only:
        return Calendar.always_open()
    row = business_calendar_for(tenant_id=ticket.tenant_id)
    return build_calendar(row) if row is not None else Calendar.standard(tz="UTC")


def state_of(ticket) -> str:
    if ticket.sla_policy_id is None:
        return SLAState.NONE
    if ticket.first_response_breached_at or ticket.resolution_breached_at:
        return SLAState.BREACHED
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        late = ticket.due_at and ticket.resolved_at and ticket.resolved_at > ticket.due_at
        return SLAState.BREACHED if late else SLAState.MET
    if ticket.status == TicketStatus.PENDING:
        return SLAState.PAUSED
    if ticket.first_response_warned_at or ticket.resolution_warned_at:
        return SLAState.WARNING
    return SLAState.RUNNING


def refresh_sla(ticket, *, now: datetime | None = None) -> None:
    """Set the policy, due and warning instants and `sla_state` of `ticket` (not saved).

    While the clock is stopped (pending) the due instants are unknown and left empty; once a
    ticket is resolved or closed they keep the values they had, so the outcome stays readable.
    """
    now = now or timezone.now()
    policy = sla_policy_for(tenant_id=ticket.tenant_id, ticket_type=ticket.type, priority=ticket.priority)
    ticket.sla_policy = policy
    if policy is None:
        ticket.first_response_due_at = ticket.due_at = None
        ticket.first_response_warn_at = ticket.resolution_warn_at = None
    elif ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        calendar, start = calendar_for(ticket, policy), ticket.created_at or now
        pauses = pauses_of(ticket, now=now)

        def due(minutes: float):
            return due_at_with_pauses(calendar=calendar, start=start, minutes=minutes, pauses=pauses)

        ticket.first_response_due_at = due(policy.first_response_minutes)
        ticket.first_response_warn_at = due(policy.first_response_minutes * WARN_RATIO)
        ticket.due_at = due(policy.resolution_minutes)
        ticket.resolution_warn_at = due(policy.resolution_minutes * WARN_RATIO)
    ticket.sla_state = state_of(ticket)
