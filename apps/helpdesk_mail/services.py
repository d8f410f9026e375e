"""One message for one tenant address, start to finish, in one transaction: a ticket, a comment, or
a recorded refusal; an SMTP reply either way. Nothing is half-saved: an error rolls everything back
and the MTA is told (a 5xx it should not retry, a 4xx it should)."""
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core import services as core
from apps.core.exceptions import DomainError
from apps.files.errors import StorageFailed
from apps.helpdesk.actions import ticket_reopen
from apps.helpdesk.choices import TicketStatus
from apps.helpdesk.models import Ticket
from apps.helpdesk.services import ticket_comment_create, ticket_create

from . import attachments
from .models import ExternalRequester, InboundMessage, MailSettings, Outcome, UnknownSenders
from .parsing import ParsedMail, parse
from .requesters import external_requester, known_person, requester_principal
from .threads import ticket_answered

logger = logging.getLogger("apps.helpdesk_mail")


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


UNKNOWN_RECIPIENT = Reply(550, "5.1.1 No helpdesk here by that address")


def mail_settings_for(address: str) -> MailSettings | None:
    return MailSettings.objects.filter(address=(address or "").strip().lower(), enabled=True).first()


def _rate_limited(row: InboundMessage, per_hour: int) -> bool:
    since = timezone.now() - timedelta(hours=1)
    earlier = InboundMessage.objects.filter(tenant_id=row.tenant_id, from_address=row.from_address,
                                            received_at__gte=since).exclude(pk=row.pk)
    return earlier.count() >= per_hour


def _sender_id(tenant_id: str, mail: ParsedMail) -> str | None:
    return known_person(tenant_id, mail.from_address) or (
        ExternalRequester.objects.filter(tenant_id=tenant_id, email=mail.from_address).values_list("pk", flat=True).first())


def _record(row: InboundMessage, outcome: str, **fields) -> InboundMessage:
    row.outcome = outcome
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def _title(mail: ParsedMail) -> str:
    return (mail.subject or "").strip()[:300] or "(no subject)"


def _open_ticket(row: InboundMessage, mail: ParsedMail, person_id: str, *, follows: Ticket | None) -> Reply:
    actor = requester_principal(row.tenant_id, person_id)
    description = mail.reply or mail.text or "(no text)"
    if follows is not None:
        description = f"Follow-up to {follows.number} (closed).\n\n{description}"
    ticket = ticket_create(actor=actor, data={"title": _title(mail), "description": description, "source": "email"})
    stored = attachments.store(actor=actor, record=ticket, mail=mail)
    _record(row, Outcome.TICKET, ticket_id=ticket.pk, person_id=person_id,
            details={**row.details, "attachments": stored} if stored else row.details)
    return Reply(250, f"2.0.0 Ticket {ticket.number} opened")


def _comment(row: InboundMessage, mail: ParsedMail, ticket: Ticket, person_id: str) -> Reply:
    actor = requester_principal(row.tenant_id, person_id)
    if ticket.status == TicketStatus.RESOLVED:  # the requester says it is not solved after all
        ticket = ticket_reopen(actor=actor, ticket=ticket)
    comment = ticket_comment_create(actor=actor, ticket=ticket, body=mail.reply or mail.text or "(no text)",
                                    internal=False, source="email")
    stored = attachments.store(actor=actor, record=comment, mail=mail)
    _record(row, Outcome.COMMENT, ticket_id=ticket.pk, comment_id=comment.pk, person_id=person_id,
            details={**row.details, "attachments": stored} if stored else row.details)
    return Reply(250, f"2.0.0 Added to {ticket.number}")


def _handle(row: InboundMessage, mail: ParsedMail, mail_settings: MailSettings) -> Reply:
    tenant_id = row.tenant_id
    if mail.bounce is not None:
        _record(row, Outcome.BOUNCE, details={**row.details, "bounce": mail.bounce})
        return Reply(250, "2.0.0 Bounce recorded")
    if not mail.from_address:
        raise Refused(Reply(550, "5.1.7 The message has no valid From address"))
    if mail.auto_reason:
        _record(row, Outcome.AUTO_REPLY, details={**row.details, "auto": mail.auto_reason})
        return Reply(250, "2.0.0 Automatic message recorded, not answered")
    if _rate_limited(row, mail_settings.max_messages_per_hour):
        _record(row, Outcome.RATE_LIMITED)
        return Reply(250, "2.0.0 Recorded; too many messages from this sender to act on it")
    ticket = ticket_answered(tenant_id, thread_ids=mail.thread_ids, subject=mail.subject)
    person_id = _sender_id(tenant_id, mail)
    if ticket is not None and ticket.status != TicketStatus.CLOSED:
        if person_id is None or person_id != ticket.submitted_by_id:
            # E-mail identity only ever speaks for the ticket's requester: not for staff, not for others.
            raise Refused(Reply(550, f"5.7.1 Only the requester of {ticket.number} may reply to it by e-mail"))
        return _comment(row, mail, ticket, person_id)
    if person_id is None:
        if mail_settings.unknown_senders == UnknownSenders.REFUSE:
            _record(row, Outcome.REFUSED_SENDER)
            transaction.on_commit(lambda: send_refusal(row, mail_settings))
            return Reply(250, "2.0.0 Recorded; the sender is not known here and was told so")
        person_id = external_requester(tenant_id, mail.from_address, mail.from_name)
    return _open_ticket(row, mail, person_id, follows=ticket)


class Refused(Exception):
    def __init__(self, reply: Reply):
        super().__init__(str(reply))
        self.reply = reply


def inbound_receive(*, recipient: str, envelope_from: str, raw: bytes) -> Reply:
    """Deliver one message to one tenant address; the SMTP reply says what became of it."""
    mail_settings = mail_settings_for(recipient)
    if mail_settings is None:
        return UNKNOWN_RECIPIENT
    try:
        mail = parse(raw, envelope_from=envelope_from)
    except Exception:
        logger.warning("unparseable message for %s", recipient, exc_info=True)
        return Reply(550, "5.6.0 The message could not be parsed")
    tenant_id = mail_settings.tenant_id
    if InboundMessage.objects.filter(tenant_id=tenant_id, message_id=mail.message_id).exists():
        return Reply(250, "2.0.0 Already received (same Message-ID)")
    row = InboundMessage(tenant_id=tenant_id, message_id=mail.message_id, envelope_from=envelope_from[:254],
                         from_address=mail.from_address, from_name=mail.from_name, subject=mail.subject,
                         in_reply_to=" ".join(mail.thread_ids)[:5000], text=mail.text, html=mail.html, size=len(raw),
                         details={"defects": mail.defects} if mail.defects else {})
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():  # the Message-ID first: a concurrent retry waits here, then finds it
                    row.outcome = "receiving"
                    row.save(force_insert=True)
            except IntegrityError:
                return Reply(250, "2.0.0 Already received (same Message-ID)")
            return _handle(row, mail, mail_settings)
    except Refused as refused:
        return refused.reply
    except StorageFailed:
        logger.warning("file store down: message %s for %s deferred", mail.message_id, recipient, exc_info=True)
        return Reply(451, "4.3.0 The file store is unavailable; nothing was saved, please retry")
    except (ValidationError, DomainError) as exc:
        logger.info("message %s for %s refused: %s", mail.message_id, recipient, exc)
        return Reply(550, f"5.6.0 Refused: {_short(exc)}")
    except Exception:
        logger.exception("message %s for %s not delivered", mail.message_id, recipient)
        return Reply(451, "4.3.0 Temporary failure; nothing was saved, please retry")


def _short(exc: Exception) -> str:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return " ".join(text.split())[:200] or type(exc).__name__


def send_refusal(row: InboundMessage, mail_settings: MailSettings) -> None:
    """The short answer to a sender the tenant does not take tickets from (after commit; a failure is logged
    and recorded, never an error of the delivery)."""
    body = (f"Hello,\n\nthis address ({mail_settings.address}) takes helpdesk requests only from people of the "
            "organisation it belongs to, and we could not find your address among them. Your message was not "
            "turned into a ticket. Please contact your usual contact person.\n")
    subject = f"Re: {row.subject}" if row.subject else "Your message"
    message = EmailMessage(subject=subject[:300], body=body, from_email=settings.NOTIFY_FROM_EMAIL,
                           to=[row.from_address], headers={
                               "Auto-Submitted": "auto-replied", "In-Reply-To": row.message_id,
                               "References": row.message_id, "X-Auto-Response-Suppress": "All"})
    try:
        message.send()
        sent = {"refusal_sent": True}
    except Exception as exc:
        logger.warning("refusal to %s not sent: %s", row.from_address, exc)
        sent = {"refusal_sent": False, "refusal_error": str(exc)[:300]}
    InboundMessage.objects.filter(pk=row.pk).update(details={**row.details, **sent})
