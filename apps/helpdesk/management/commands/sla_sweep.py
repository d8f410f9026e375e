from django.core.management.base import BaseCommand
from django.db import connection

from apps.helpdesk.services import SWEEP_BATCH, ticket_sla_sweep

LABELS = {
    "first_response_warning": "first-response warnings",
    "first_response_breached": "first-response breaches",
    "resolution_warning": "resolution warnings",
    "resolution_breached": "resolution breaches",
}


class Command(BaseCommand):
    help = ("Mark SLA warnings (80% of the time used) and breaches on running tickets and emit "
            "helpdesk.ticket.sla_warning / helpdesk.ticket.sla_breached once per ticket and clock.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=SWEEP_BATCH)

    def handle(self, *args, **opts):
        def progress(key: str, done: int) -> None:
            self.stdout.write(f"  {LABELS[key]}: {done}…")

        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            counts = ticket_sla_sweep(batch_size=opts["batch_size"], progress=progress)
        for key, label in LABELS.items():
            self.stdout.write(f"{label}: {counts[key]}")
        self.stdout.write(f"queries: {queries}")
