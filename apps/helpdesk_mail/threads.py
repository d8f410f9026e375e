"""Threading: which ticket a message answers, and the headers that keep our mail in one thread.

A ticket's thread starts at the message that opened it (its Message-ID) or, for a ticket opened any
other way, at `<tkt_…@NOTIFY_MESSAGE_ID_DOMAIN>`. Every message we send about it answers that root;
a reply names the root or one of our notifications (`<ntf_…@domain>`) in In-Reply-To/References, or
carries the ticket's number in the subject ("[TKT-0042]")."""
import re

from django.conf import settings

from apps.helpdesk.models import Ticket, TicketComment

from .models import InboundMessage, MailSettings, Outcome

SUBJECT_REF = re.compile(r"\[(TKT-\d{1,12})\]")


def _domain() -> str:
    return settings.NOTIFY_MESSAGE_ID_DOMAIN


def thread_root(ticket: Ticket) -> str:
    opened = (InboundMessage.objects.filter(tenant_id=ticket.tenant_id, ticket_id=ticket.pk, outcome=Outcome.TICKET)
              .values_list("message_id", flat=True).first())
    return opened or f"<{ticket.pk}@{_domain()}>"


def _ticket_of_id(tenant_id: str, message_id: str) -> Ticket | None:
    local, _, domain = message_id.strip("<>").partition("@")
    tickets = Ticket.objects.filter(tenant_id=tenant_id)
    if domain == _domain():
        if local.startswith("tkt_"):
            return tickets.filter(pk=local).first()
        if local.startswith("ntf_"):
            from apps.notifications.models import Notification

            row = Notification.objects.filter(tenant_id=tenant_id, pk=local).select_related("event").first()
            event = row.event if row is not None else None
            if event is not None and event.entity_type == Ticket._meta.label:
                return tickets.filter(pk=event.entity_id).first()
            if event is not None and event.entity_type == TicketComment._meta.label:
                return tickets.filter(pk=(event.payload or {}).get("ticket_id")).first()
            return None
    earlier = (InboundMessage.objects.filter(tenant_id=tenant_id, message_id=message_id).exclude(ticket_id="")
               .values_list("ticket_id", flat=True).first())
    return tickets.filter(pk=earlier).first() if earlier else None


def ticket_answered(tenant_id: str, *, thread_ids: list[str], subject: str) -> Ticket | None:
    """The tenant's ticket this message answers (never another tenant's: every lookup is scoped)."""
    for message_id in thread_ids[:20]:
        if (ticket := _ticket_of_id(tenant_id, message_id)) is not None:
            return ticket
    if match := SUBJECT_REF.search(subject or ""):
        return Ticket.objects.filter(tenant_id=tenant_id, number=match.group(1)).first()
    return None


def ticket_headers(ticket: Ticket) -> dict[str, str]:
    """What a message about the ticket carries so that mail clients thread it, and replies reach the gateway."""
    root = thread_root(ticket)
    latest = (InboundMessage.objects.filter(tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
              .exclude(message_id=root).order_by("-received_at").values_list("message_id", flat=True).first())
    headers = {"In-Reply-To": latest or root, "References": " ".join(filter(None, [root, latest]))}
    inbound = MailSettings.objects.filter(tenant_id=ticket.tenant_id, enabled=True).values_list("address", flat=True).first()
    if inbound:
        headers["Reply-To"] = inbound
    return headers


def event_headers(event) -> dict[str, str]:
    """The thread headers of a notification about a ticket or one of its comments (empty otherwise)."""
    ticket_id = event.entity_id if event.entity_type == Ticket._meta.label else (event.payload or {}).get("ticket_id")
    ticket = Ticket.all_objects.filter(tenant_id=event.tenant_id, pk=ticket_id).first() if ticket_id else None
    return ticket_headers(ticket) if ticket is not None else {}
