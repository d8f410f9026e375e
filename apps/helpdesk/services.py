"""Helpdesk actions. Generic create/update/transition live in apps.core.services."""
from datetime import timedelta

from django.db import transaction

from apps.core import services as core
from apps.core.models import Counter
from apps.core.principal import Principal

from .models import Ticket
from .selectors import sla_policy_for


def apply_sla(ticket: Ticket) -> None:
    """Set `sla_policy`, `first_response_due_at` and `due_at` from the matching active policy."""
    policy = sla_policy_for(tenant_id=ticket.tenant_id, ticket_type=ticket.type, priority=ticket.priority)
    ticket.sla_policy = policy
    if policy is None:
        ticket.first_response_due_at = ticket.due_at = None
        return
    start = ticket.created_at
    ticket.first_response_due_at = start + timedelta(minutes=policy.first_response_minutes)
    ticket.due_at = start + timedelta(minutes=policy.resolution_minutes)


@transaction.atomic
def ticket_create(*, actor: Principal, data: dict) -> Ticket:
    ticket = Ticket(**data)
    ticket.tenant_id = actor.tenant_id
    if not ticket.submitted_by_id:
        ticket.submitted_by_id = actor.person_id
    ticket.number = f"TKT-{Counter.next_value(tenant_id=actor.tenant_id, name='ticket'):04d}"
    apply_sla(ticket)
    return core.record_create(actor=actor, obj=ticket)


@transaction.atomic
def ticket_update(*, actor: Principal, obj: Ticket, data: dict, if_match: str | None = None) -> Ticket:
    def recompute_sla(ticket: Ticket, changed: set[str]) -> None:
        if changed & {"type", "priority"}:
            apply_sla(ticket)

    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match, prepare=recompute_sla)
