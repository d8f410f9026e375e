"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the notification tests, and a small team."""
import logging
import re
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User

from apps.approvals.models import ApprovalStep
from apps.core.principal import Principal
from apps.operations.services import access_request_create
from tests.factories import ApprovalChainFactory, StaffMembershipFactory

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
LINK = re.compile(r"https?://[^\s\"'<>]+/notifications/(decide|unsubscribe|preferences)/[^\s\"'<>]+")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # A subject with non-ASCII words (a title's "·" and "—") is folded onto its own line: unfolding
        # keeps the fold's space, which a mail reader does not show.
        return str(self.message["Subject"]).strip()

    def part(self, subtype: str) -> str:
        return self.message.get_body(preferencelist=(subtype,)).get_content()

    def links(self, name: str) -> list[str]:
        """Links of one kind (decide, unsubscribe, preferences), from both parts, HTML entities undone."""
        found = [m.group(0) for m in LINK.finditer(self.part("plain") + self.part("html").replace("&amp;", "&"))]
        return sorted({url for url in found if f"/notifications/{name}/" in url})


@dataclass
class Inbox:
    """What the SMTP server accepted. `on_data(envelope)` may return an SMTP reply to refuse a message."""

    messages: list[Received] = field(default_factory=list)
    on_data: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None and (reply := self.on_data(envelope)):
            return reply
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """An SMTP server on 127.0.0.1; Django's mail goes to it over SMTP."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.NOTIFY_BASE_URL = "http://testserver"
    inbox.port = controller.port
    yield inbox
    controller.stop()


def staff(username: str, roles: list[str], tenant: str = "acme", email: str | None = None) -> User:
    return StaffMembershipFactory(tenant__id=tenant, tenant__name=tenant.capitalize() + " Corp", user__username=username,
                                  user__password="pw-123456", user__first_name=username.capitalize(),
                                  user__email=f"{username}@{tenant}.test" if email is None else email,
                                  person_id=f"per_{username}", roles=roles).user


@pytest.fixture
def team(db):
    return {
        "ann": staff("ann", ["approver"]),
        "boss": staff("boss", ["admin"]),
        "sam": staff("sam", ["approver"]),
        "ivy": staff("ivy", ["it"]),
        "agent": staff("agent", ["agent"]),
        "member": staff("member", []),
        "noemail": staff("noemail", ["approver"], email=""),
        "globex": staff("gina", ["admin"], tenant="globex"),
    }


MEMBER = Principal(person_id="per_member", tenant_id="acme")


@pytest.fixture
def access(team):
    """An access request of the member; the tenant's chain asks Ann, then the boss."""
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_ann", "per_boss"])
    return access_request_create(actor=MEMBER, data={
        "requester_id": "per_member", "system_id": "github", "access_type": "new", "entitlement_type": "maintainer",
        "justification": "Release duty this quarter."})


def step_of(access, index: int = 0) -> ApprovalStep:
    return ApprovalStep.objects.select_related("approval_request").get(approval_request__entity_id=access.pk,
                                                                         step_index=index)


def path_of(url: str) -> str:
    return urlsplit(url).path
