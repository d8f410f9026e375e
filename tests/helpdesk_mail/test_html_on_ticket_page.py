"""An e-mail's HTML on the ticket page: sanitised (nh3, again on the way out), in a sandboxed frame whose
page runs and loads nothing from outside, for whoever sees the ticket; another tenant's message is a 404."""
import pytest
from django.urls import reverse

from apps.helpdesk.models import Ticket, TicketComment
from apps.helpdesk_mail.html_view import HTML_CSP
from apps.helpdesk_mail.models import InboundMessage
from tests.helpdesk_mail.conftest import mail

pytestmark = pytest.mark.django_db(transaction=True)
HOSTILE = ('<p>The <b>printer</b> jams.</p><script>alert(1)</script><img src="https://tracker.invalid/p.gif">'
           '<a href="javascript:alert(2)" onclick="alert(3)">click</a><iframe src="https://evil.invalid/"></iframe>')


def html_mail(**kwargs):
    message = mail(**kwargs)
    message.add_alternative(HOSTILE, subtype="html")
    return message


def frame_url(message: InboundMessage) -> str:
    return reverse("admin:helpdesk_mail_inboundmessage_html", args=[message.pk])


def test_the_agent_sees_the_sanitised_html_in_a_sandboxed_frame(gateway, people, client):
    gateway.send(html_mail())
    ticket = Ticket.objects.get()
    opened = InboundMessage.objects.get()
    reply = gateway.send(html_mail(subject=f"Re: [{ticket.number}] more"))
    assert reply.code == 250
    comment = TicketComment.objects.get()
    added = InboundMessage.objects.get(comment_id=comment.pk)

    client.force_login(people["agent"])
    page = client.get(reverse("admin:helpdesk_ticket_change", args=[ticket.pk])).content.decode()
    assert page.count('data-testid="mail-html"') == 2
    assert f'<iframe sandbox="" src="{frame_url(opened)}"' in page and f'src="{frame_url(added)}"' in page

    response = client.get(frame_url(opened))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == HTML_CSP
    assert (response["X-Frame-Options"], response["X-Content-Type-Options"]) == ("SAMEORIGIN", "nosniff")
    body = response.content.decode()
    assert "<b>printer</b>" in body
    for hostile in ("<script", "alert(1)", "javascript:", "onclick", "<iframe", "tracker.invalid"):
        assert hostile not in body


def test_the_requester_sees_their_message_and_another_tenant_sees_nothing(gateway, people, client):
    gateway.send(html_mail())
    opened = InboundMessage.objects.get()
    people["member"].is_staff = True  # the member may sign in to the admin; they see their own ticket
    people["member"].save()
    client.force_login(people["member"])
    assert client.get(frame_url(opened)).status_code == 200
    client.force_login(people["gina"])  # an agent of globex
    assert client.get(frame_url(opened)).status_code == 404


def test_a_message_on_a_ticket_hidden_from_a_member_is_a_404(gateway, people, client):
    from tests.notifications.conftest import staff

    gateway.send(html_mail())
    other = staff("otto", [])
    other.is_staff = True
    other.save()
    client.force_login(other)
    assert client.get(frame_url(InboundMessage.objects.get())).status_code == 404


def test_a_plain_text_message_shows_no_frame(gateway, people, client):
    gateway.send(mail())
    client.force_login(people["agent"])
    ticket = Ticket.objects.get()
    page = client.get(reverse("admin:helpdesk_ticket_change", args=[ticket.pk])).content.decode()
    assert 'data-testid="mail-html"' not in page
    assert client.get(frame_url(InboundMessage.objects.get())).status_code == 404
