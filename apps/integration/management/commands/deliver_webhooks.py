import time

from django.core.management.base import BaseCommand

from apps.integration.delivery_engine import run_pass


class Command(BaseCommand):
    help = "Fan outbox events out to webhook deliveries and send the due ones (--once: a single pass)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")

    def handle(self, *args, **opts):
        while True:
            counts = run_pass()
            self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
            if opts["once"]:
                return
            time.sleep(opts["interval"])
