"""A person the directory deactivated can no longer act: their service/user JWTs (HS256 and
JWKS-verified RS256) are 401, their password and provider sign-ins are refused, their session ends.
The active flag is remembered per process for DIRECTORY_ACTIVE_CACHE_SECONDS; the person services
forget it at once."""
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.core import auth
from apps.directory import services as directory_services
from apps.directory.services import person_delete, person_update
from apps.core.models import StaffMembership, Tenant
from apps.directory.models import Person
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.signin import services
from apps.signin.models import IdentityProvider
from tests.conftest import make_token
from tests.factories import PersonFactory, StaffMembershipFactory
from tests.signin.keys import JWKSServer, SigningKey

pytestmark = pytest.mark.django_db
URL = "/api/v1/helpdesk/tickets"
ADMIN = Principal(person_id="per_admin", tenant_id="acme", roles=frozenset({"admin"}))
ISSUER = "https://login.acme.example.test"


@pytest.fixture(autouse=True)
def _fresh_memos():
    directory_services._deactivated_memo.clear()
    yield
    directory_services._deactivated_memo.clear()


@pytest.fixture
def dana(db):
    return PersonFactory(id="per_dana", tenant_id="acme", email="dana@acme.test", user_name="dana@acme.test")


def api(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_deactivated_persons_token_is_401_and_works_again_once_reactivated(dana):
    client = api(make_token(sub="per_dana", roles=["agent"]))
    assert client.get(URL).status_code == 200
    person_update(actor=ADMIN, obj=dana, data={"active": False})
    refused = client.get(URL)
    assert refused.status_code == 401 and "deactivated" in refused.json()["detail"]
    person_update(actor=ADMIN, obj=Person.objects.get(pk="per_dana"), data={"active": True})
    assert client.get(URL).status_code == 200
    person_delete(actor=ADMIN, obj=Person.objects.get(pk="per_dana"))
    assert client.get(URL).status_code == 401


def test_api_keys_a_deactivated_person_made_are_401_until_reactivated(dana, without_offboarding):
    maker = api(make_token(sub="per_dana", roles=["admin"]))
    raw = maker.post("/api/v1/integration/api-keys", {"name": "ci", "kind": "service", "scopes": ["*"],
                                                      "tenant_wide": True}, format="json").json()["key"]
    assert api(raw).get(URL).status_code == 200
    person_update(actor=ADMIN, obj=dana, data={"active": False})
    refused = api(raw).get(URL)
    assert refused.status_code == 401 and "deactivated" in refused.json()["detail"]
    assert api(raw).post(URL, {"title": "after offboarding"}, format="json").status_code == 401
    assert not Ticket.objects.filter(title="after offboarding").exists()
    person_update(actor=ADMIN, obj=Person.objects.get(pk="per_dana"), data={"active": True})
    assert api(raw).get(URL).status_code == 200


def test_subjects_the_directory_does_not_hold_are_not_refused(dana):
    assert api(make_token(sub="per_service_bot", roles=["agent"])).get(URL).status_code == 200
    assert api(make_token(tenant="globex", sub="per_dana", roles=["agent"])).get(URL).status_code == 200  # not globex's


def test_the_flag_is_remembered_briefly_and_forgotten_by_the_services(dana, settings):
    settings.DIRECTORY_ACTIVE_CACHE_SECONDS = 60
    client = api(make_token(sub="per_dana", roles=["agent"]))
    assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(URL).status_code == 200
    assert not [q for q in warm.captured_queries if "core_person" in q["sql"]]  # no read of the person
    Person.objects.filter(pk="per_dana").update(active=False)  # behind the services' back: seen after the TTL
    assert client.get(URL).status_code == 200
    person_update(actor=ADMIN, obj=Person.objects.get(pk="per_dana"), data={"active": True})
    person_update(actor=ADMIN, obj=Person.objects.get(pk="per_dana"), data={"active": False})
    assert client.get(URL).status_code == 401


def test_a_jwks_verified_token_of_a_deactivated_person_is_401(dana, settings):
    key = SigningKey("kid-1")
    server = JWKSServer([key])
    settings.JWT_JWKS_URL, settings.JWT_ISSUER, settings.JWT_AUDIENCE = server.url, "https://idp.test/", "bo-api"
    auth._key_sets.clear()
    auth._verified.clear()
    try:
        import time

        now = int(time.time())
        token = key.sign({"sub": "per_dana", "tenant_id": "acme", "roles": ["agent"], "iss": "https://idp.test/",
                          "aud": "bo-api", "iat": now, "exp": now + 300})
        client = api(token)
        assert client.get(URL).status_code == 200
        person_update(actor=ADMIN, obj=dana, data={"active": False})
        assert client.get(URL).status_code == 401  # the verified-token memo does not let it through
    finally:
        server.close()
        auth._key_sets.clear()
        auth._verified.clear()


# -- sign-in --------------------------------------------------------------------------------------
@pytest.fixture
def provider(db):
    acme = Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})[0]
    return services.identity_provider_save(actor="test", provider=IdentityProvider(
        tenant=acme, name="Acme Login", issuer=ISSUER, client_id="bo-client",
        authorization_endpoint=f"{ISSUER}/authorize", token_endpoint=f"{ISSUER}/token",
        userinfo_endpoint=f"{ISSUER}/userinfo", jwks_uri=f"{ISSUER}/keys",
        role_mapping={"it": ["it"]}), client_secret="s3cret-value-0123456789")


def test_provider_sign_in_of_a_deactivated_member_is_refused_and_changes_nothing(provider, dana):
    user = StaffMembershipFactory(tenant=provider.tenant, person_id="per_dana", user__username="dana",
                                  user__email="dana@acme.test", roles=["agent"]).user
    person_update(actor=ADMIN, obj=dana, data={"active": False})
    with pytest.raises(services.SignInRefused, match="deactivated"):
        services.staff_sign_in(provider=provider, claims={"sub": "00u1", "email": "dana@acme.test",
                                                          "email_verified": True, "groups": ["it"]})
    assert StaffMembership.objects.get(user=user).roles == ["agent"]


def test_a_first_sign_in_matching_a_deactivated_directory_entry_by_email_is_refused(provider, dana):
    person_update(actor=ADMIN, obj=dana, data={"active": False})
    with pytest.raises(services.SignInRefused, match="deactivated"):
        services.staff_sign_in(provider=provider, claims={"sub": "00u9", "email": "DANA@acme.test",
                                                          "email_verified": True, "groups": ["it"]})
    assert not User.objects.filter(email__iexact="dana@acme.test").exists()


def test_password_sign_in_is_refused_and_an_open_session_ends(dana, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    StaffMembershipFactory(tenant__id="acme", person_id="per_dana", user__username="dana",
                           user__password="pw-123456789", roles=["agent"])
    client = Client()
    signed_in = client.post("/admin/login/?next=/admin/", {"username": "dana", "password": "pw-123456789"})
    assert signed_in.status_code == 302 and client.get("/admin/").status_code == 200
    person_update(actor=ADMIN, obj=dana, data={"active": False})
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # the session no longer signs her in
    again = Client().post("/admin/login/?next=/admin/", {"username": "dana", "password": "pw-123456789"})
    assert again.status_code == 200 and "_auth_user_id" not in again.client.session
