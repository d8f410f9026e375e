from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import DomainError
from apps.core.principal import system_principal
from apps.portal.invitations import person_invite


class Command(BaseCommand):
    help = "Give directory people a portal login and e-mail them a link to set its password (works once, expires)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("person_ids", nargs="+", metavar="PERSON_ID")

    def handle(self, *args, tenant: str, person_ids: list[str], **opts):
        for person_id in person_ids:
            try:
                url = person_invite(actor=system_principal(tenant), person_id=person_id)
            except DomainError as exc:
                raise CommandError(exc.detail) from exc
            self.stdout.write(f"{person_id}: invitation sent ({url})")
