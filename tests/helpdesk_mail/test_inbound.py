"""Real SMTP to the gateway: new messages open tickets for the sender, replies thread, machines and
floods are recorded and never answered, and every refusal is a clear SMTP reply with nothing saved."""
import smtplib

import pytest

from apps.core.models import Event
from apps.helpdesk.models import Ticket, TicketComment
from apps.helpdesk_mail.models import ExternalRequester, InboundMessage, MailSettings
from tests.helpdesk_mail.conftest import ACME, GLOBEX, mail
from tests.shapes import misfits

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_message_opens_a_ticket_for_the_sender_found_in_the_directory(gateway, people):
    sent = gateway.send(mail())
    assert (sent.code, sent.text) == (250, "2.0.0 Ticket TKT-0001 opened")
    ticket = Ticket.objects.get()
    assert (ticket.tenant_id, ticket.number, ticket.submitted_by_id, ticket.source) == (
        "acme", "TKT-0001", "per_member", "email")
    assert ticket.title == "Printer on 3rd floor jams"
    assert ticket.description == "It jams on every page since Monday."
    row = InboundMessage.objects.get()
    assert (row.outcome, row.ticket_id, row.person_id, row.message_id) == (
        "ticket", ticket.pk, "per_member", sent.message["Message-ID"])


def test_an_mta_retry_of_the_same_message_is_not_a_second_ticket(gateway, people):
    message = mail()
    assert gateway.send(message).code == 250
    again = gateway.send(message)
    assert (again.code, again.text) == (250, "2.0.0 Already received (same Message-ID)")
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_an_unknown_address_is_refused_at_rcpt_and_one_recipient_per_transaction(gateway, people):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        gateway.send(mail(to="nobody@acme.invalid"), to="nobody@acme.invalid")
    assert refused.value.recipients["nobody@acme.invalid"][0] == 550
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
        client.ehlo("mta.acme.invalid")
        client.mail("member@acme.test")
        assert client.rcpt(ACME)[0] == 250
        code, text = client.rcpt(GLOBEX)
        assert code == 452 and b"One recipient" in text
    assert not Ticket.objects.exists()


AUTOMATIC = [
    {"Auto_Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"X_Autoreply": "yes"},
    {"sender": "MAILER-DAEMON@mx.acme.invalid"},
]


def test_auto_replies_never_open_tickets_nor_get_answers(gateway, people, smtp):
    from apps.notifications.engine import run_pass

    for headers in AUTOMATIC:
        sent = gateway.send(mail(**headers))
        assert (sent.code, sent.text) == (250, "2.0.0 Automatic message recorded, not answered"), headers
    assert not Ticket.objects.exists()
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {"auto_reply"}
    assert InboundMessage.objects.count() == len(AUTOMATIC) and misfits(InboundMessage) == {}
    run_pass()
    assert smtp.messages == []


DSN = (b"From: Mail Delivery System <MAILER-DAEMON@mx.acme.invalid>\r\nTo: help@acme.invalid\r\n"
       b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.acme.invalid>\r\nMIME-Version: 1.0\r\n"
       b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n"
       b"--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
       b"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.invalid\r\n\r\n"
       b"Final-Recipient: rfc822; gone@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
       b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
       b"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ntf_01ABC@backoffice.invalid>\r\n"
       b"Subject: hi\r\n\r\n--b1--\r\n")


def test_a_bounce_is_recorded_with_whom_it_concerns(gateway, people):
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
        client.ehlo("mx.acme.invalid")
        client.mail("<>")
        client.rcpt(ACME)
        code, text = client.data(DSN)
    assert (code, text) == (250, b"2.0.0 Bounce recorded")
    row = InboundMessage.objects.get()
    assert row.outcome == "bounce"
    assert row.details["bounce"]["recipients"] == [
        {"recipient": "gone@acme.test", "action": "failed", "status": "5.1.1",
         "diagnostic": "smtp; 550 5.1.1 user unknown"}]
    assert row.details["bounce"]["original_message_id"] == "<ntf_01ABC@backoffice.invalid>"
    assert misfits(InboundMessage) == {}
    assert not Ticket.objects.exists()


def test_a_flood_from_one_sender_is_recorded_but_opens_nothing(gateway, people):
    MailSettings.objects.filter(pk="mls_acme").update(max_messages_per_hour=3)
    replies = [gateway.send(mail(subject=f"Flood {n}")).text for n in range(5)]
    assert replies[:3] == ["2.0.0 Ticket TKT-0001 opened", "2.0.0 Ticket TKT-0002 opened", "2.0.0 Ticket TKT-0003 opened"]
    assert replies[3:] == ["2.0.0 Recorded; too many messages from this sender to act on it"] * 2
    assert Ticket.objects.count() == 3
    assert gateway.send(mail(sender="agent@acme.test")).code == 250  # another sender is not held back
    assert Ticket.objects.count() == 4


def test_missing_from_too_big_and_broken_mime_get_clear_replies_and_nothing_half_saved(gateway, people):
    no_from = mail()
    del no_from["From"]
    sent = gateway.send(no_from, mail_from="member@acme.test")
    assert (sent.code, sent.text) == (550, "5.1.7 The message has no valid From address")
    huge = mail(body=("x" * 70 + "\n") * 4000)
    assert gateway.send(huge).code == 552  # over the gateway's limit (200 kB here)
    assert not Ticket.objects.exists() and not InboundMessage.objects.exists()

    broken = (b"From: member@acme.test\r\nTo: help@acme.invalid\r\nSubject: =?utf-8?q?Caf=C3=A9_machine?=\r\n"
              b"Message-ID: <broken-1@mua.acme.invalid>\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: multipart/alternative; boundary=\"zz\"\r\n\r\n--zz\r\n"
              b"Content-Type: text/plain; charset=x-klingon\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
              b"Caf\xc3\xa9 machine leaks\r\n--zz\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
              b"<p onclick=\"steal()\">Caf\xc3\xa9 <b>machine</b> leaks<script>alert(1)</script></p>\r\n")  # no closing boundary
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
        client.ehlo("mta.acme.invalid")
        client.mail("member@acme.test")
        client.rcpt(ACME)
        code, text = client.data(broken)
    assert code == 250, text
    ticket = Ticket.objects.get()
    assert ticket.title == "Café machine" and ticket.description == "Café machine leaks"
    row = InboundMessage.objects.get()
    assert row.html == "<p>Café <b>machine</b> leaks</p>"  # sanitised (nh3), kept beside the text
    assert any("x-klingon" in d for d in row.details["defects"]) and misfits(InboundMessage) == {}


def test_unknown_senders_become_external_requesters_or_are_refused_with_a_reply(gateway, people, smtp):
    sent = gateway.send(mail(sender="Dana Stranger <dana@partner.invalid>"))
    assert sent.text == "2.0.0 Ticket TKT-0001 opened"
    external = ExternalRequester.objects.get()
    assert (external.tenant_id, external.email, external.name) == ("acme", "dana@partner.invalid", "Dana Stranger")
    assert Ticket.objects.get().submitted_by_id == external.pk

    refused = gateway.send(mail(sender="eve@elsewhere.invalid", to=GLOBEX), to=GLOBEX)
    assert refused.text == "2.0.0 Recorded; the sender is not known here and was told so"
    assert Ticket.objects.filter(tenant_id="globex").count() == 0
    assert InboundMessage.objects.get(tenant_id="globex").outcome == "refused_sender"
    [reply] = smtp.to("eve@elsewhere.invalid")
    assert reply.message["Auto-Submitted"] == "auto-replied"
    assert reply.message["In-Reply-To"] == refused.message["Message-ID"]
    assert GLOBEX in reply.part("plain")


def test_the_envelope_decides_the_tenant_never_a_forged_header(gateway, people):
    sent = gateway.send(mail(to=GLOBEX, Cc=GLOBEX))  # headers name globex's address; the envelope acme's
    assert sent.code == 250
    assert list(Ticket.objects.values_list("tenant_id", flat=True)) == ["acme"]
    acme_ticket = Ticket.objects.get()
    # a globex sender naming acme's ticket in every threading header gets no foothold in acme
    forged = gateway.send(mail(sender="gina@globex.test", to=GLOBEX, subject=f"Re: [{acme_ticket.number}] hi",
                               In_Reply_To=f"<{acme_ticket.pk}@backoffice.invalid>",
                               References=sent.message["Message-ID"]), to=GLOBEX)
    assert forged.text == "2.0.0 Ticket TKT-0001 opened"  # globex's own first ticket
    assert TicketComment.objects.count() == 0
    assert Ticket.objects.filter(tenant_id="globex").get().submitted_by_id == "per_gina"


def test_a_sender_spoofing_staff_gets_no_staff_rights(gateway, people):
    gateway.send(mail())  # the member's ticket
    ticket = Ticket.objects.get()
    spoof = gateway.send(mail(sender="agent@acme.test", subject=f"Re: [{ticket.number}] Printer on 3rd floor jams",
                              body="Closing this, works now."))
    assert (spoof.code, spoof.text) == (550, f"5.7.1 Only the requester of {ticket.number} may reply to it by e-mail")
    assert not TicketComment.objects.exists()
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == "new"
    # A new message from a staff address opens a ticket as a requester, with no roles behind it.
    gateway.send(mail(sender="agent@acme.test", subject="My own laptop"))
    created = Event.objects.filter(type="helpdesk.ticket.created").order_by("-id").first()
    assert created.payload["submitted_by_id"] == "per_agent"
    assert Ticket.objects.get(title="My own laptop").source_type == "server"
