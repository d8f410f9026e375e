from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from rich.progress import Progress

from apps.operations.choices import AccessStatus
from apps.operations.models import AccessRequest
from apps.operations.provisioning import access_revoke_expired
from apps.operations.services import access_request_warn_expiring, expire_access


class Command(BaseCommand):
    help = ("Complete time-bound access grants whose expires_at has passed (event operations.access_request.expired; "
            "catalog grants are removed by their connector first, operations.access_request.revoked), "
            "and warn of those ending within --warn-days (event operations.access_request.expiring, once per expiry).")

    def add_arguments(self, parser):
        parser.add_argument("--warn-days", type=int, default=settings.ACCESS_EXPIRY_WARNING_DAYS, metavar="DAYS",
                            help="0 warns of nothing")

    def handle(self, *args, **opts):
        now = timezone.now()
        handed = access_revoke_expired(now=now)
        due = AccessRequest.objects.filter(status=AccessStatus.PROVISIONED, expires_at__lte=now,
                                           entitlement__isnull=True).count()
        with Progress(transient=True, disable=not self.stdout.isatty()) as progress:
            task = progress.add_task("Expiring access", total=due)
            expired = expire_access(now=now, on_progress=lambda: progress.advance(task))
        # a summary, not a line per grant: nothing kept per grant, however many fall due
        warned = access_request_warn_expiring(within_days=opts["warn_days"], now=now) if opts["warn_days"] > 0 else []
        self.stdout.write(f"expired {expired} of {due} due grants; {handed} handed to connectors; "
                          f"warned of {len(warned)} ending within "
                          f"{opts['warn_days']} days")
