import time

from django.core.management.base import BaseCommand

from apps.notifications.engine import run_pass


class Command(BaseCommand):
    help = ("Turn outbox events into notifications and send the due ones by email "
            "(--once: a single pass; --digest: also build today's daily digests).")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--digest", action="store_true", help="gather queued digest items into today's digests")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args, **opts):
        while True:
            counts = run_pass(digests=opts["digest"])
            self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
            if opts["once"]:
                return
            time.sleep(opts["interval"])
