"""What the ticket page shows of the e-mails behind a ticket: the sanitised HTML a message arrived with,
for whoever sees the ticket (and the comment the message became)."""
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket, TicketComment

from .models import InboundMessage, Outcome


def html_message_ids(*, ticket: Ticket, comment_ids) -> dict[str, str]:
    """{comment id, or "" for the message that opened the ticket: inbound message id} for the messages on
    `ticket` that came with HTML. `comment_ids`: the comments the caller sees (one query)."""
    rows = (InboundMessage.objects.filter(tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
            .exclude(html="").values_list("pk", "outcome", "comment_id"))
    shown = set(comment_ids)
    found = {}
    for pk, outcome, comment_id in rows:
        if outcome == Outcome.TICKET:
            found[""] = pk
        elif outcome == Outcome.COMMENT and comment_id in shown:
            found[comment_id] = pk
    return found


def html_message_for(*, principal: Principal, message_id: str) -> InboundMessage | None:
    """The message if it has HTML and `principal` sees what it became (its ticket, and its comment when it
    added one); another tenant's, or one on a ticket hidden from them, is None."""
    row = InboundMessage.objects.filter(tenant_id=principal.tenant_id, pk=message_id).exclude(html="").first()
    if row is None or not row.ticket_id:
        return None
    if not Ticket.objects.visible_to(principal).filter(pk=row.ticket_id).exists():
        return None
    if row.comment_id and not TicketComment.objects.visible_to(principal).filter(pk=row.comment_id).exists():
        return None
    return row
