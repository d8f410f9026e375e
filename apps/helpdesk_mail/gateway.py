"""The SMTP listener the MTA forwards the tenants' helpdesk addresses to (aiosmtpd).

SMTP, one recipient per transaction: a second RCPT gets 452 (RFC 5321 4.5.3.1.10: the client sends the
rest in another transaction), so each message's reply after DATA is the exact outcome for its one
tenant address — which is what LMTP's per-recipient replies would give, and aiosmtpd's LMTP has no
per-recipient DATA replies. Unknown addresses are refused at RCPT (550), messages over the size limit
at MAIL FROM's SIZE or during DATA (552, aiosmtpd). Django work runs in a small thread pool, so one slow
database call holds up no other connection's dialogue."""
import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import close_old_connections, connections

from .services import UNKNOWN_RECIPIENT, inbound_receive, mail_settings_for

logger = logging.getLogger("apps.helpdesk_mail")
TEMPORARY = "451 4.3.0 Temporary failure, please retry"


class GatewayHandler:
    def __init__(self, *, workers: int = 4, close_connections: bool = False):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mail-gateway")
        self.close_connections = close_connections  # tests: no connection outlives a message

    def _call(self, fn, **kwargs):
        close_old_connections()
        try:
            return fn(**kwargs)
        finally:
            if self.close_connections:
                connections.close_all()
            else:
                close_old_connections()

    async def _run(self, fn, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(self._call, fn, **kwargs))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if envelope.rcpt_tos:
            return "452 4.5.3 One recipient per message here; send the others in another transaction"
        try:
            known = await self._run(mail_settings_for, address=address)
        except Exception:
            logger.exception("recipient lookup failed for %s", address)
            return TEMPORARY
        if known is None:
            return str(UNKNOWN_RECIPIENT)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        try:
            reply = await self._run(inbound_receive, recipient=envelope.rcpt_tos[0], envelope_from=envelope.mail_from or "",
                                    raw=envelope.original_content or envelope.content)
        except Exception:
            logger.exception("delivery failed")
            return TEMPORARY
        return str(reply)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def controller(*, host: str, port: int, workers: int = 4, max_bytes: int | None = None,
               close_connections: bool = False) -> Controller:
    handler = GatewayHandler(workers=workers, close_connections=close_connections)
    return Controller(handler, hostname=host, port=port, data_size_limit=max_bytes or settings.MAIL_GATEWAY_MAX_BYTES,
                      enable_SMTPUTF8=True, decode_data=False, ident="backoffice mail gateway")
