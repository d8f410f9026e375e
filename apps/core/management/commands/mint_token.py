import time

import jwt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print a signed HS256 JWT for the given tenant and person (and nothing else on stdout)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--sub", required=True, help="person id")
        parser.add_argument("--roles", default="", help="comma-separated: admin,approver,it,hr,agent,travel")
        parser.add_argument("--client-id", default=None)
        parser.add_argument("--ttl", type=int, default=3600, help="seconds")

    def handle(self, *args, **opts):
        if not settings.JWT_SECRET:
            raise CommandError("JWT_SECRET is not set (tokens for RS256/ES256 are minted by your identity provider).")
        now = int(time.time())
        claims = {
            "sub": opts["sub"], "tenant_id": opts["tenant"], "iat": now, "exp": now + opts["ttl"],
            "roles": [r.strip() for r in opts["roles"].split(",") if r.strip()],
        }
        if opts["client_id"]:
            claims["client_id"] = opts["client_id"]
        if settings.JWT_ISSUER:
            claims["iss"] = settings.JWT_ISSUER
        if settings.JWT_AUDIENCE:
            claims["aud"] = settings.JWT_AUDIENCE
        self.stdout.write(jwt.encode(claims, settings.JWT_SECRET, algorithm="HS256"))
