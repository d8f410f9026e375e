"""The placeholders a canned reply may use (the model's `clean` checks a reply's text against them;
apps/helpdesk/canned.py fills them for a ticket)."""
from apps.core.placeholders import Catalogue

CANNED_PLACEHOLDERS = Catalogue({
    "requester.name": "the requester's name",
    "requester.given_name": "the requester's given name",
    "requester.email": "the requester's e-mail address",
    "ticket.number": "the ticket's number",
    "ticket.title": "the ticket's title",
    "ticket.status": "the ticket's status",
    "agent.name": "the name of the agent replying",
    "tenant.name": "the organisation's name",
    "today": "today's date",
})
