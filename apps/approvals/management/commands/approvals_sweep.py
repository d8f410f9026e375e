from datetime import timedelta

from django.core.management.base import BaseCommand
from rich.progress import Progress

from apps.approvals.services import approval_request_expire, remind_due, requests_overdue
from apps.core.exceptions import TransitionConflict


class Command(BaseCommand):
    help = "Expire overdue pending approval requests and (optionally) remind approvers of those due soon."

    def add_arguments(self, parser):
        parser.add_argument("--remind-within", type=int, default=None, metavar="MINUTES",
                            help="emit approvals.request.reminder once for requests due within MINUTES")

    def handle(self, *args, **opts):
        overdue = list(requests_overdue())
        expired = 0
        with Progress(transient=True, disable=not self.stdout.isatty()) as progress:
            task = progress.add_task("Expiring overdue approvals", total=len(overdue))
            for request in overdue:
                try:
                    approval_request_expire(approval_request=request)
                    expired += 1
                except TransitionConflict:
                    pass  # decided while we were sweeping
                progress.advance(task)
        self.stdout.write(f"expired {expired} overdue approval requests")
        if opts["remind_within"] is not None:
            reminded = remind_due(within=timedelta(minutes=opts["remind_within"]))
            self.stdout.write(f"reminded {len(reminded)} approval requests due within {opts['remind_within']} minutes")
