"""Canned replies' placeholders: `{{ requester.name }}` style, filled for the ticket being answered and
the agent answering. Plain substitution of text (apps/core/placeholders.py), never a template
language: a reply cannot run code or read anything but these values."""
from django.utils import timezone

from apps.core import placeholders

from .canned_placeholders import CANNED_PLACEHOLDERS
from .models import CannedReply, Ticket

def values_for(*, ticket: Ticket, agent_id: str) -> placeholders.Values:
    from apps.directory.models import Person
    from apps.core.models import Tenant

    tenant_id = ticket.tenant_id
    person = Person.objects.filter(tenant_id=tenant_id, pk=ticket.submitted_by_id).first()
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    external = None
    if person is None:  # an e-mail sender the directory does not know (apps/helpdesk_mail)
        from apps.helpdesk_mail.requesters import external_addresses

        external = external_addresses(tenant_id, [ticket.submitted_by_id]).get(ticket.submitted_by_id)
    name = external.name if external else placeholders.person_name(tenant_id, ticket.submitted_by_id)
    return CANNED_PLACEHOLDERS.values({
        "requester.name": name,
        "requester.given_name": getattr(person, "given_name", "") or (name.split()[0] if name else ""),
        "requester.email": getattr(person, "email", "") or (external.email if external else ""),
        "ticket.number": ticket.number,
        "ticket.title": ticket.title,
        "ticket.status": ticket.get_status_display(),
        "agent.name": placeholders.person_name(tenant_id, agent_id) if agent_id else "",
        "tenant.name": tenant.name if tenant else tenant_id,
        "today": placeholders.date_text(timezone.now()),
    })


def usable_replies(principal):
    """The tenant's active canned replies `principal` may use, by name."""
    return CannedReply.objects.visible_to(principal).filter(active=True).order_by("name", "pk")


def canned_reply_text(*, principal, ticket: Ticket, reply_id: str) -> str | None:
    """One canned reply's text for `ticket`, or None when `principal` has no active one by that id."""
    reply = usable_replies(principal).filter(pk=reply_id).first()
    if reply is None:
        return None
    return values_for(ticket=ticket, agent_id=principal.person_id).fill(reply.body, html=False)
