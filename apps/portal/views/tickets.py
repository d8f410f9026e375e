"""My tickets: the public conversation of a ticket (never internal notes) and a reply box that
adds a public reply through the helpdesk service the API's comments endpoint runs."""
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.exceptions import DomainError
from apps.core.titles import name_of
from apps.helpdesk.models import TicketComment
from apps.helpdesk.services import ticket_comment_create

from .. import records
from ..access import portal_view
from ..forms import ReplyForm

CONVERSATION_LIMIT = 200


def public_comments(ticket) -> list[TicketComment]:
    """The public conversation (the latest CONVERSATION_LIMIT replies), oldest first."""
    latest = (TicketComment.objects.filter(tenant_id=ticket.tenant_id, ticket=ticket, internal=False)
              .order_by("-created_at", "-id")[:CONVERSATION_LIMIT])
    return list(reversed(latest))


def label_comments(comments, ticket, people: dict[str, str]) -> None:
    for comment in comments:
        comment.author_name = name_of(people.get(comment.author_id, comment.author_id))
        comment.mine = comment.author_id == ticket.submitted_by_id
    return comments


@portal_view
def my_tickets(request):
    rows = records.my_requests(request.actor, kinds=["ticket"], limit=50)
    return render(request, "portal/tickets.html", {"rows": rows})


@portal_view
@require_POST
def reply(request, record_id: str):
    actor = request.actor
    _kind, ticket = records.record_of(actor, "ticket", record_id)
    form = ReplyForm(request.POST)
    if ticket.is_deleted or ticket.status == "closed":
        messages.error(request, _("This ticket is closed; open a new one if you still need help."))
    elif not form.is_valid():
        messages.error(request, _("Write your reply before sending it."))
    else:
        try:
            with transaction.atomic():
                ticket_comment_create(actor=actor, ticket=ticket, body=form.cleaned_data["body"], internal=False)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Your reply was sent."))
    return redirect("portal:request", kind="ticket", record_id=ticket.pk)
