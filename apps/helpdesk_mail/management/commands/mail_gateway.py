import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.helpdesk_mail.gateway import controller


class Command(BaseCommand):
    help = ("Receive the tenants' helpdesk mail over SMTP from your MTA (README \"Tickets by e-mail\"): new "
            "messages open tickets, replies become comments.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.MAIL_GATEWAY_HOST)
        parser.add_argument("--port", type=int, default=settings.MAIL_GATEWAY_PORT)
        parser.add_argument("--workers", type=int, default=settings.MAIL_GATEWAY_WORKERS,
                            help="threads doing the database work of deliveries")
        parser.add_argument("--max-bytes", type=int, default=settings.MAIL_GATEWAY_MAX_BYTES,
                            help="larger messages are refused with 552")

    def handle(self, *args, **opts):
        gateway = controller(host=opts["host"], port=opts["port"], workers=opts["workers"], max_bytes=opts["max_bytes"])
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        gateway.start()
        self.stdout.write(f"mail gateway listening on {opts['host']}:{gateway.port} (SMTP, max {opts['max_bytes']} bytes)",
                          ending="\n")
        self.stdout.flush()
        stop.wait()
        gateway.stop()
        gateway.handler.close()
        self.stdout.write("mail gateway stopped")
