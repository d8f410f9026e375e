"""Run the test OpenID Provider: `python -m tests.signin.op.serve PORT` with OP_DATABASE, OP_ISSUER,
OP_RSA_PRIVATE_KEY and OP_SETUP (JSON: users with groups, one client) in the environment."""
import json
import os
import sys

import django


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.signin.op.settings"
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    setup = json.loads(os.environ["OP_SETUP"])
    for spec in setup["users"]:
        user = User.objects.create_user(spec["username"], email=spec["email"], password=spec["password"],
                                        first_name=spec.get("first_name", ""), last_name=spec.get("last_name", ""))
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in spec["groups"]])
    client = setup["client"]
    Application.objects.create(
        name="Back office", client_id=client["id"], client_secret=client["secret"],
        client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=client["redirect_uri"], algorithm=Application.RS256_ALGORITHM, skip_authorization=True)
    run("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
