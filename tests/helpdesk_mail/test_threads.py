"""The whole conversation over real SMTP: a mailed-in ticket is acknowledged, staff replies and status
changes reach the requester threaded (Message-ID / In-Reply-To / References, [TKT-…] in the subject,
Reply-To the tenant's address), and the requester's reply to any of them becomes a public comment that
reopens a resolved ticket."""
import pytest

from apps.core.principal import Principal
from apps.helpdesk.models import Ticket, TicketComment
from apps.helpdesk.actions import ticket_close, ticket_resolve
from apps.helpdesk.services import ticket_comment_create
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification
from tests.helpdesk_mail.conftest import ACME, mail
from tests.shapes import misfits

pytestmark = pytest.mark.django_db(transaction=True)
AGENT = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))
MEMBER = "member@acme.test"


def references(received) -> list[str]:
    return str(received.message["References"]).split()


def test_staff_replies_go_out_threaded_and_the_requesters_reply_comes_back_to_the_ticket(gateway, people, smtp):
    first = gateway.send(mail())
    root = first.message["Message-ID"]
    ticket = Ticket.objects.get()

    run_pass()
    [ack] = smtp.to(MEMBER)
    assert ack.subject == f"[Acme Corp] [{ticket.number}] Received: {ticket.title}"
    assert (ack.message["In-Reply-To"], references(ack), ack.message["Reply-To"]) == (root, [root], ACME)
    assert Notification.objects.exclude(headers={}).exists() and misfits(Notification) == {}
    assert ack.message["Auto-Submitted"] == "auto-generated"
    assert "Reply to this e-mail to add to the ticket." in ack.part("plain")

    ticket_comment_create(actor=AGENT, ticket=ticket, body="Please try the tray on the left.")
    ticket_comment_create(actor=AGENT, ticket=ticket, body="Internal: printer is out of warranty", internal=True)
    ticket_resolve(actor=AGENT, ticket=Ticket.objects.get())
    run_pass()
    _, reply, resolved = smtp.to(MEMBER)
    assert reply.subject == f"[Acme Corp] [{ticket.number}] New reply: {ticket.title}"
    assert "Please try the tray on the left." in reply.part("plain")
    assert "warranty" not in reply.part("plain") + resolved.part("plain")  # internal notes never go out
    assert resolved.subject == f"[Acme Corp] [{ticket.number}] Resolved: {ticket.title}"
    for sent in (reply, resolved):
        assert sent.message["In-Reply-To"] == root and references(sent) == [root]
        assert sent.message["Message-ID"] == Notification.objects.get(message_id=sent.message["Message-ID"]).message_id

    answer = gateway.send(mail(subject=f"Re: {reply.subject}", In_Reply_To=reply.message["Message-ID"],
                               References=f"{root} {reply.message['Message-ID']}",
                               body="Still jams, the left tray too.\n\nThanks,\nMo\n\n"
                                    "On Mon, Dec 7, 2026 at 9:00 AM Acme helpdesk <noreply@localhost> wrote:\n"
                                    "> Please try the tray on the left.\n"))
    assert (answer.code, answer.text) == (250, f"2.0.0 Added to {ticket.number}")
    comment = TicketComment.objects.filter(author_id="per_member").get()
    assert (comment.body, comment.internal, comment.ticket_id, comment.source) == (
        "Still jams, the left tray too.", False, ticket.pk, "email")  # quote and signature folded away
    ticket.refresh_from_db()
    assert ticket.status == "open"  # the requester reopened it by replying

    run_pass()
    assert len(smtp.to(MEMBER)) == 3  # nobody is told of what they did themselves
    later = gateway.send(mail(subject=f"Re: {reply.subject}", In_Reply_To=answer.message["Message-ID"],
                              body="Found a workaround."))
    assert later.text == f"2.0.0 Added to {ticket.number}"  # threaded on the requester's own earlier message
    ticket_comment_create(actor=AGENT, ticket=ticket, body="Good to hear.")
    run_pass()
    last = smtp.to(MEMBER)[-1]  # answers the requester's latest message, in the ticket's thread
    assert last.message["In-Reply-To"] == later.message["Message-ID"]
    assert references(last) == [root, later.message["Message-ID"]]


def test_a_reference_in_the_subject_threads_and_a_closed_ticket_gets_a_follow_up(gateway, people, smtp):
    gateway.send(mail())
    ticket = Ticket.objects.get()
    by_subject = gateway.send(mail(subject=f"RE: [{ticket.number}] printer", body="Also the scanner."))
    assert by_subject.text == f"2.0.0 Added to {ticket.number}"
    ticket_close(actor=AGENT, ticket=Ticket.objects.get())
    after = gateway.send(mail(subject=f"Re: [{ticket.number}] printer", body="It is back."))
    assert after.text == "2.0.0 Ticket TKT-0002 opened"
    follow_up = Ticket.objects.get(number="TKT-0002")
    assert follow_up.description == f"Follow-up to {ticket.number} (closed).\n\nIt is back."
    assert follow_up.submitted_by_id == "per_member"


def test_an_external_requester_hears_at_the_address_they_wrote_from(gateway, people, smtp):
    gateway.send(mail(sender="Dana <dana@partner.invalid>"))
    ticket = Ticket.objects.get()
    ticket_comment_create(actor=AGENT, ticket=ticket, body="We are on it.")
    run_pass()
    received = smtp.to("dana@partner.invalid")
    assert [m.subject.split("] ", 2)[-1] for m in received] == [
        f"Received: {ticket.title}", f"New reply: {ticket.title}"]
    back = gateway.send(mail(sender="dana@partner.invalid", subject="Re: thanks",
                             In_Reply_To=received[-1].message["Message-ID"], body="Great, thanks!"))
    assert back.text == f"2.0.0 Added to {ticket.number}"
