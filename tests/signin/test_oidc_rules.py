"""Sign-in through a provider, against a scripted provider on 127.0.0.1 and the real callback: the
ID token must be for our client (azp), failures there are not password failures."""
import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.core.models import StaffMembership, Tenant
from apps.signin import services
from apps.signin.models import IdentityProvider
from tests.signin.scripted_op import ScriptedProvider

pytestmark = pytest.mark.django_db
CLIENT_ID = "bo-client"


@pytest.fixture
def op():
    provider = ScriptedProvider(client_id=CLIENT_ID)
    yield provider
    provider.close()


@pytest.fixture
def acme_provider(op, settings):
    settings.SIGNIN_ALLOW_PRIVATE_PROVIDERS = True
    tenant = Tenant.objects.create(id="acme", name="Acme")
    return services.identity_provider_save(actor=None, provider=IdentityProvider(
        tenant=tenant, name="Acme Login", issuer=op.issuer, client_id=CLIENT_ID, **op.discovery_endpoints(),
        role_mapping={"it": ["it"]}), client_secret="s3cret-value-0123456789")


def person(**extra) -> dict:
    return {"sub": "00u7", "email": "new.hire@acme.test", "email_verified": True, "groups": ["it"], **extra}


@pytest.mark.parametrize("claims, why", [
    ({"aud": [CLIENT_ID, "other"]}, "several audiences and no azp"),
    ({"aud": [CLIENT_ID, "other"], "azp": "other"}, "azp names another client"),
    ({"azp": "other"}, "azp names another client, one audience"),
])
def test_an_id_token_issued_to_another_client_signs_nobody_in(op, acme_provider, claims, why):
    client = Client()
    response = op.sign_in(client, "acme", **person(**claims))
    assert response.redirect_chain[-1][0] == "/admin/login/", why
    assert "another client (azp)" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists() and not StaffMembership.objects.exists()


def test_a_token_naming_us_in_azp_signs_in(op, acme_provider):
    client = Client()
    op.sign_in(client, "acme", **person(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))
    assert client.session["_auth_user_id"]
    assert StaffMembership.objects.get().roles == ["it"]
