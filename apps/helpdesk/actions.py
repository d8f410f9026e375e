"""Helpdesk actions: one function per change of a ticket, listed in TICKET_ACTIONS (apps/core/actions.py)."""
from django.db import transaction

from apps.core import services as core
from apps.core.actions import Actions, action
from apps.core.principal import Principal

from .models import Ticket
from .services import record_late_resolution, ticket_create, ticket_update
from .sla import refresh_sla


def _ticket_transition(name: str, *, actor: Principal, ticket: Ticket, comment: str, if_match: str | None) -> Ticket:
    # The SLA clock depends on the new status: refreshed before the transition is saved.
    return core.record_transition(actor=actor, obj=ticket, name=name, comment=comment, if_match=if_match,
                                  prepare=refresh_sla)


@action(Ticket, "open")
def ticket_open(*, actor: Principal, ticket: Ticket, comment: str = "", if_match: str | None = None) -> Ticket:
    return _ticket_transition("open", actor=actor, ticket=ticket, comment=comment, if_match=if_match)


@action(Ticket, "hold")
def ticket_hold(*, actor: Principal, ticket: Ticket, comment: str = "", if_match: str | None = None) -> Ticket:
    return _ticket_transition("hold", actor=actor, ticket=ticket, comment=comment, if_match=if_match)


@action(Ticket, "reopen")
def ticket_reopen(*, actor: Principal, ticket: Ticket, comment: str = "", if_match: str | None = None) -> Ticket:
    return _ticket_transition("reopen", actor=actor, ticket=ticket, comment=comment, if_match=if_match)


@action(Ticket, "resolve")
@transaction.atomic
def ticket_resolve(*, actor: Principal, ticket: Ticket, comment: str = "", if_match: str | None = None) -> Ticket:
    ticket = _ticket_transition("resolve", actor=actor, ticket=ticket, comment=comment, if_match=if_match)
    record_late_resolution(actor=actor, ticket=ticket)
    return ticket


@action(Ticket, "close")
@transaction.atomic
def ticket_close(*, actor: Principal, ticket: Ticket, comment: str = "", if_match: str | None = None) -> Ticket:
    ticket = _ticket_transition("close", actor=actor, ticket=ticket, comment=comment, if_match=if_match)
    record_late_resolution(actor=actor, ticket=ticket)
    return ticket


TICKET_ACTIONS = Actions(Ticket, create=ticket_create, update=ticket_update,
                         transitions=(ticket_open, ticket_hold, ticket_reopen, ticket_resolve, ticket_close))
