from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from rich.progress import Progress

from apps.approvals.choices import RequestStatus
from apps.approvals.models import ApprovalRequest
from apps.approvals.services import approval_requests_expire_overdue, remind_due


class Command(BaseCommand):
    help = "Expire overdue pending approval requests and (optionally) remind approvers of those due soon."

    def add_arguments(self, parser):
        parser.add_argument("--remind-within", type=int, default=None, metavar="MINUTES",
                            help="emit approvals.request.reminder once for requests due within MINUTES")

    def handle(self, *args, **opts):
        now = timezone.now()
        # a summary, not a line per request: nothing kept per request, however many fall due
        with Progress(transient=True, disable=not self.stdout.isatty()) as progress:
            total = (ApprovalRequest.objects.filter(status=RequestStatus.PENDING, due_at__lte=now).count()
                     if self.stdout.isatty() else None)
            task = progress.add_task("Expiring overdue approvals", total=total)
            expired = approval_requests_expire_overdue(now=now, on_progress=lambda: progress.advance(task))
        self.stdout.write(f"expired {expired} overdue approval requests")
        if opts["remind_within"] is not None:
            reminded = remind_due(within=timedelta(minutes=opts["remind_within"]), now=now)
            self.stdout.write(f"reminded {reminded} approval requests due within {opts['remind_within']} minutes")
