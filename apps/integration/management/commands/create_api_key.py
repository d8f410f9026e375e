from django.core.management.base import BaseCommand, CommandError

from apps.core.principal import system_principal
from apps.integration.models import Application
from apps.integration.services import integration_api_key_create


class Command(BaseCommand):
    help = "Create an integration API key and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", default="*", help="comma-separated, e.g. helpdesk:read,operations:write")
        parser.add_argument("--application", default=None, help="application slug the key acts for")
        parser.add_argument("--tenant-wide", action="store_true", help="a key across the whole tenant (no application)")
        parser.add_argument("--rpm-limit", type=int, default=None)

    def handle(self, *args, **opts):
        actor = system_principal(opts["tenant"])
        if bool(opts["application"]) == bool(opts["tenant_wide"]):
            raise CommandError("Give either --application SLUG or --tenant-wide.")
        application = None
        if opts["application"]:
            application = Application.objects.filter(tenant_id=opts["tenant"], slug=opts["application"]).first()
            if application is None:
                raise CommandError(f"No application {opts['application']!r} in tenant {opts['tenant']!r}")
        key = integration_api_key_create(actor=actor, data={
            "name": opts["name"], "kind": "service", "issued_to_service": opts["name"], "application": application,
            "tenant_wide": opts["tenant_wide"], "rpm_limit": opts["rpm_limit"],
            "scopes": [s.strip() for s in opts["scopes"].split(",") if s.strip()],
        })
        self.stderr.write(f"created {key.id} ({key.prefix}…) in {opts['tenant']}; store the key now, it is not shown again:")
        self.stdout.write(key.raw_key)
