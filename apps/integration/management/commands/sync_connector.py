from django.core.management.base import BaseCommand, CommandError

from apps.integration.models import Connector
from apps.integration.reconcile import connector_sync, connectors_to_sync


class Command(BaseCommand):
    help = ("Reconcile connectors with their targets: for each catalog entitlement, compare the target's real "
            "memberships with the grants recorded here and open (or close) drift findings; writes the connector's "
            "sync_status, last_sync_at, consecutive_errors, last_error and metrics.")

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--connector", metavar="ID", help="one connector (cnn_…)")
        which.add_argument("--all", action="store_true", help="every enabled connector behind an active catalog system")

    def handle(self, *args, **opts):
        if opts["connector"]:
            if not Connector.objects.filter(pk=opts["connector"]).exists():
                raise CommandError(f"No connector {opts['connector']}.")
            ids = [opts["connector"]]
        else:
            ids = list(connectors_to_sync().values_list("pk", flat=True))
        failed = 0
        for connector_id in ids:
            outcome = connector_sync(connector_id=connector_id)
            failed += not outcome.ok
            self.stdout.write(f"{connector_id}: " + (
                f"{outcome.entitlements} entitlements, {outcome.memberships} memberships, {outcome.opened} findings "
                f"opened, {outcome.closed} closed" if outcome.ok else f"failed: {outcome.error}"))
        self.stdout.write(f"synced {len(ids) - failed} of {len(ids)} connectors; {failed} failed")
