"""With JWT_TENANT_PROVIDERS, a tenant's provider issues service tokens for its tenant only: it cannot
take the platform's issuer or another tenant's (refused by the admin form, the service and a database
constraint), and even a row that holds one changes nothing for the platform's or other tenants' tokens."""
import socket
import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core import auth
from apps.core.models import Tenant
from apps.signin import services, tokens
from apps.signin.models import IdentityProvider
from tests.admin.forms import form_as_posted
from tests.factories import StaffMembershipFactory
from tests.signin.keys import JWKSServer, SigningKey

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Issuers on a loopback port nothing listens on: their discovery cannot be read, as for a provider
# whose endpoints are entered by hand; every address check passes.
NOWHERE = f"http://127.0.0.1:{_closed_port()}"
PLATFORM = f"{NOWHERE}/platform/"
ACME = f"{NOWHERE}/acme"
GLOBEX = f"{NOWHERE}/globex"
URL = "/api/v1/helpdesk/tickets"


@pytest.fixture
def world(settings):
    keys = {name: SigningKey(name) for name in ("platform", "acme", "globex")}
    servers = {name: JWKSServer([key]) for name, key in keys.items()}
    settings.JWT_ISSUER, settings.JWT_AUDIENCE, settings.JWT_JWKS_URL = PLATFORM, "backoffice-api", servers["platform"].url
    settings.JWT_TENANT_ISSUERS = "apps.signin.tokens.tenant_issuers"
    settings.SIGNIN_ALLOW_PRIVATE_PROVIDERS = True
    acme, globex = Tenant.objects.create(id="acme", name="Acme"), Tenant.objects.create(id="globex", name="Globex")
    for tenant, issuer in ((acme, ACME), (globex, GLOBEX)):
        services.identity_provider_save(actor=None, client_secret="a-client-secret-0123", provider=IdentityProvider(
            tenant=tenant, name=tenant.name, issuer=issuer, client_id="bo", api_audience=f"{tenant.id}-api",
            jwks_uri=servers[tenant.id].url, authorization_endpoint=f"{issuer}/a", token_endpoint=f"{issuer}/t",
            userinfo_endpoint=f"{issuer}/u"))
    tokens.forget()
    yield keys, servers
    for server in servers.values():
        server.close()


def token(key: SigningKey, **claims) -> str:
    now = int(time.time())
    return key.sign({"sub": "per_svc", "roles": ["agent"], "iat": now, "exp": now + 300, **claims})


def status(raw: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get(URL).status_code


def genuine(keys) -> tuple[int, int]:
    platform = token(keys["platform"], iss=PLATFORM, aud="backoffice-api", tenant_id="globex")
    acme = token(keys["acme"], iss=ACME, aud="acme-api")
    return status(platform), status(acme)


STOLEN = {"platform": PLATFORM, "platform-without-slash": PLATFORM.rstrip("/"), "acme": ACME,
          "acme-in-capitals": ACME.upper()}


@pytest.mark.parametrize("which", list(STOLEN))  # ids without the port: xdist workers collect the same tests
def test_a_tenant_admin_cannot_take_the_platforms_or_another_tenants_issuer(client, world, which):
    stolen = STOLEN[which]
    keys, servers = world
    assert genuine(keys) == (200, 200)
    admin = StaffMembershipFactory(tenant=Tenant.objects.get(id="globex"), user__username="globex-admin", roles=["admin"])
    client.force_login(User.objects.get(pk=admin.user_id))
    mine = IdentityProvider.objects.get(tenant_id="globex")
    url = reverse("admin:signin_identityprovider_change", args=[mine.pk])
    data = {k: v for k, v in form_as_posted(client.get(url)).items() if v is not None}
    response = client.post(url, {**data, "issuer": stolen, "jwks_uri": servers["globex"].url,
                                 "authorization_endpoint": f"{stolen}/a", "token_endpoint": f"{stolen}/t",
                                 "userinfo_endpoint": f"{stolen}/u"})
    assert response.status_code == 200 and "issuer" in response.context["adminform"].form.errors
    assert IdentityProvider.objects.get(pk=mine.pk).issuer == GLOBEX
    tokens.forget()
    assert genuine(keys) == (200, 200)
    with pytest.raises(ValidationError):  # the service, for any other caller than the admin form
        services.identity_provider_save(actor=None, provider=_with_issuer(mine.pk, stolen))


def _with_issuer(pk: int, issuer: str) -> IdentityProvider:
    provider = IdentityProvider.objects.get(pk=pk)
    provider.issuer = issuer
    return provider


def test_the_database_refuses_a_second_tenant_on_one_issuer(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityProvider.objects.filter(tenant_id="globex").update(issuer=ACME.upper())


def test_a_row_holding_the_platform_issuer_changes_nothing_for_platform_tokens(world):
    keys, servers = world
    IdentityProvider.objects.filter(tenant_id="globex").update(issuer=PLATFORM)  # past every check
    tokens.forget()
    assert genuine(keys) == (200, 200)
    forged = token(keys["globex"], iss=PLATFORM, aud="globex-api")  # globex's keys, the platform's name
    assert status(forged) == 401
    assert servers["globex"].requests == 0


def test_the_same_jwks_url_in_two_tenants_keeps_two_key_caches(world):
    keys, servers = world
    IdentityProvider.objects.filter(tenant_id="globex").update(jwks_uri=servers["acme"].url)
    tokens.forget()
    assert genuine(keys) == (200, 200)
    assert auth.jwks_keys(servers["acme"].url, "acme") is not auth.jwks_keys(servers["acme"].url, "globex")
    assert auth.jwks_keys(servers["acme"].url, "acme") is not auth.jwks_keys(servers["acme"].url)


def test_hand_entered_endpoints_need_a_key_set_at_the_jwks_uri(client, world):
    from apps.signin.admin import IdentityProviderForm

    keys, servers = world
    base = {"tenant": "globex", "name": "G", "enabled": "on", "issuer": f"{NOWHERE}/globex2",
            "client_id": "c", "client_secret": "a-secret-of-some-length", "scopes": "openid email",
            "group_claim": "groups", "role_mapping": "{}", "api_audience": "",
            "authorization_endpoint": f"{NOWHERE}/globex2/a", "token_endpoint": f"{NOWHERE}/globex2/t",
            "userinfo_endpoint": f"{NOWHERE}/globex2/u"}
    servers["globex"].body = b'{"not": "a key set"}'
    IdentityProvider.objects.filter(tenant_id="globex").delete()
    form = IdentityProviderForm(data={**base, "jwks_uri": servers["globex"].url})
    assert not form.is_valid() and "jwks_uri" in form.errors
    servers["globex"].body = None
    form = IdentityProviderForm(data={**base, "jwks_uri": servers["globex"].url})
    assert form.is_valid(), form.errors
