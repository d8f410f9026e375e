from django.core.management.base import BaseCommand
from django.utils import timezone
from rich.progress import Progress

from apps.operations.choices import AccessStatus
from apps.operations.models import AccessRequest
from apps.operations.services import expire_access


class Command(BaseCommand):
    help = "Complete time-bound access grants whose expires_at has passed (event operations.access_request.expired)."

    def handle(self, *args, **opts):
        now = timezone.now()
        due = AccessRequest.objects.filter(status=AccessStatus.PROVISIONED, expires_at__lte=now).count()
        with Progress(transient=True, disable=not self.stdout.isatty()) as progress:
            task = progress.add_task("Expiring access", total=due)
            expired = expire_access(now=now, on_progress=lambda: progress.advance(task))
        for grant in expired:
            self.stdout.write(f"expired {grant.id} ({grant.tenant_id}): {grant.system_id} for {grant.principal_id or grant.requester_id}")
        self.stdout.write(f"expired {len(expired)} of {due} due grants")
