from django.core.management.base import BaseCommand

from apps.integration.credentials import connector_credentials_sweep


class Command(BaseCommand):
    help = ("Remind connector owners of credentials due for rotation (event integration.connector."
            "credential_rotation_due, once per due date) and flag OAuth tokens that need a refresh.")

    def handle(self, *args, **opts):
        done = connector_credentials_sweep()
        self.stdout.write(f"reminded {done['reminded']} connectors of a rotation; {done['oauth_refresh_needed']} "
                          f"tokens need a refresh, {done['oauth_refreshed']} were refreshed")
