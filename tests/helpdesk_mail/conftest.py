"""The mail gateway on a free loopback port (started and stopped here), real SMTP to it with smtplib, and
the notification tests' SMTP sink (aiosmtpd) for what the product sends back."""
import smtplib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from apps.helpdesk_mail.gateway import controller
from apps.helpdesk_mail.models import MailSettings
from tests.notifications.conftest import free_port, smtp, staff  # noqa: F401  (the sink fixture)

ACME = "help@acme.invalid"
GLOBEX = "help@globex.invalid"


@dataclass
class Sent:
    code: int
    text: str
    message: EmailMessage


class Gateway:
    def __init__(self, port: int):
        self.port = port

    def send(self, message: EmailMessage, *, to: str = ACME, mail_from: str | None = None) -> Sent:
        """MAIL, RCPT, DATA over a real SMTP session; the DATA reply (RCPT refusals raise, as smtplib does)."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            client.ehlo("mta.acme.invalid")
            sender = message.get("From", "") if mail_from is None else mail_from
            sender = smtplib.quoteaddr(sender) if sender else "<>"
            code, text = client.mail(sender)
            assert code == 250, text
            code, text = client.rcpt(to)
            if code != 250:
                raise smtplib.SMTPRecipientsRefused({to: (code, text)})
            code, text = client.data(message.as_bytes(policy=policy.SMTP))  # CRLF, as an MTA sends
            return Sent(code, text.decode(), message)


@pytest.fixture
def gateway(transactional_db, settings):
    settings.NOTIFY_MESSAGE_ID_DOMAIN = "backoffice.invalid"
    gw = controller(host="127.0.0.1", port=free_port(), workers=2, max_bytes=200_000, close_connections=True)
    gw.start()
    yield Gateway(gw.port)
    gw.stop()
    gw.handler.close()


@pytest.fixture
def people(transactional_db):
    found = {
        "member": staff("member", []),
        "agent": staff("agent", ["agent"]),
        "gina": staff("gina", ["agent"], tenant="globex"),
    }
    MailSettings.objects.create(id="mls_acme", tenant_id="acme", address=ACME)
    MailSettings.objects.create(id="mls_globex", tenant_id="globex", address=GLOBEX, unknown_senders="refuse")
    return found


def mail(*, sender: str = "member@acme.test", to: str = ACME, subject: str = "Printer on 3rd floor jams",
         body: str = "It jams on every page since Monday.", **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="mua.acme.invalid")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message
