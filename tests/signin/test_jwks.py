"""Service tokens verified against a JWKS served by a real HTTP server: key rotation, bounded
refresh, issuer and audience, a provider that is down; the static-key path keeps working."""
import time

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from apps.core import auth
from tests.conftest import make_token
from tests.signin.keys import JWKSServer, SigningKey

URL = "/api/v1/helpdesk/tickets"
ISSUER = "https://idp.example.test/"
AUDIENCE = "backoffice-api"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def key_a():
    return SigningKey("key-a")


@pytest.fixture(scope="module")
def key_b():
    return SigningKey("key-b")


@pytest.fixture
def jwks(settings, key_a):
    server = JWKSServer([key_a])
    settings.JWT_JWKS_URL = server.url
    settings.JWT_ISSUER, settings.JWT_AUDIENCE = ISSUER, AUDIENCE
    settings.JWT_JWKS_MIN_REFRESH_SECONDS = 1.0
    settings.JWT_JWKS_CACHE_SECONDS = 300.0
    auth._key_sets.clear()
    auth._verified.clear()
    yield server
    server.close()
    auth._key_sets.clear()
    auth._verified.clear()


@pytest.fixture
def clock():
    """An injected clock: PyJWT's key-set cache and cool-down read `time.monotonic`, which it moves."""
    with freeze_time() as frozen:
        yield frozen


def claims(**extra) -> dict:
    now = int(time.time())
    return {"sub": "per_svc", "tenant_id": "acme", "roles": ["agent"], "iss": ISSUER, "aud": AUDIENCE,
            "iat": now, "exp": now + 300, **extra}


def get(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(URL)


def assert_problem(response, status: int, words: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert words.lower() in response.json()["detail"].lower(), response.json()


def test_a_token_signed_by_a_published_key_is_accepted_and_the_key_set_is_fetched_once(jwks, key_a):
    assert get(key_a.sign(claims())).status_code == 200
    assert get(key_a.sign(claims(sub="per_other"))).status_code == 200
    assert get(key_a.sign(claims(sub="per_third"))).status_code == 200
    assert jwks.requests == 1


def test_rotation_new_kid_accepted_after_refresh_removed_kid_refused(jwks, key_a, key_b, clock):
    old_token = key_a.sign(claims())
    assert get(old_token).status_code == 200
    assert jwks.requests == 1

    jwks.keys = [key_b]  # the provider rotates: key-b published, key-a withdrawn
    clock.tick(1.1)  # past the refresh bound
    assert get(key_b.sign(claims())).status_code == 200
    assert jwks.requests == 2

    # A new token by the withdrawn key, and the remembered one, are both refused now.
    assert_problem(get(key_a.sign(claims(sub="per_new"))), 401, "key-a")
    assert_problem(get(old_token), 401, "key-a")


def test_unknown_kids_refresh_the_key_set_at_most_once_per_bound(jwks, key_a, settings, clock):
    settings.JWT_JWKS_MIN_REFRESH_SECONDS = 2.0
    auth._key_sets.clear()
    stranger = SigningKey("made-up")
    assert get(key_a.sign(claims())).status_code == 200  # first fetch
    for i in range(25):  # the clock stands still: the whole burst falls within one refresh period
        assert_problem(get(stranger.sign(claims(sub=f"per_{i}"))), 401, "made-up")
    assert jwks.requests == 1  # within the bound after a fetch: no refetch at all

    clock.tick(2.1)
    for i in range(25):
        assert_problem(get(stranger.sign(claims(sub=f"per_late_{i}"))), 401, "made-up")
    assert jwks.requests == 2  # one refresh for the whole burst


def test_wrong_issuer_or_audience_is_refused(jwks, key_a):
    assert_problem(get(key_a.sign(claims(iss="https://evil.example.test/"))), 401, "issuer")
    assert_problem(get(key_a.sign(claims(aud="another-api"))), 401, "audience")
    missing_iss = claims()
    del missing_iss["iss"]
    assert_problem(get(key_a.sign(missing_iss)), 401, "iss")


def test_a_token_signed_by_another_key_under_a_published_kid_is_refused(jwks, key_a):
    impostor = SigningKey("key-a")  # same kid, different key
    assert_problem(get(impostor.sign(claims())), 401, "Signature")


def test_an_hs256_token_is_refused_when_the_server_verifies_by_jwks(jwks):
    assert get(make_token()).status_code == 401


def test_a_provider_that_is_down_is_503_problem_json_never_500(jwks, key_a, clock):
    jwks.status = 500
    assert_problem(get(key_a.sign(claims())), 503, "JWKS")
    jwks.status, jwks.body = 200, b"<html>maintenance</html>"
    clock.tick(1.1)
    assert_problem(get(key_a.sign(claims())), 503, "JWKS")
    jwks.close()  # nothing listens any more
    auth._key_sets.clear()
    assert_problem(get(key_a.sign(claims())), 503, "JWKS")


def test_keys_already_fetched_keep_working_while_the_provider_is_down(jwks, key_a):
    assert get(key_a.sign(claims())).status_code == 200
    jwks.status = 503
    assert get(key_a.sign(claims(sub="per_next"))).status_code == 200
    assert jwks.requests == 1


def test_the_static_key_path_is_unchanged_without_jwks(settings):
    settings.JWT_JWKS_URL = ""
    auth._verified.clear()
    assert get(make_token()).status_code == 200


def test_a_tenant_provider_issues_service_tokens_for_its_own_tenant_only(settings, key_b):
    from apps.core.models import Tenant
    from apps.signin import tokens
    from apps.signin.models import IdentityProvider

    server = JWKSServer([key_b])
    try:
        settings.JWT_JWKS_URL = ""  # the global path stays the static secret
        settings.JWT_TENANT_ISSUERS = "apps.signin.tokens.tenant_issuers"
        acme = Tenant.objects.create(id="acme", name="Acme")
        Tenant.objects.create(id="globex", name="Globex")
        IdentityProvider.objects.create(
            tenant=acme, name="Acme IdP", issuer="https://acme.idp.example.test", client_id="bo",
            jwks_uri=server.url, api_audience="acme-api", authorization_endpoint="https://acme.idp.example.test/a",
            token_endpoint="https://acme.idp.example.test/t", userinfo_endpoint="https://acme.idp.example.test/u")
        tokens.forget()
        auth._key_sets.clear()
        auth._verified.clear()
        mine = claims(iss="https://acme.idp.example.test", aud="acme-api")
        del mine["tenant_id"]  # the provider's tokens need not name the tenant: the issuer does
        assert get(key_b.sign(mine)).status_code == 200
        assert_problem(get(key_b.sign({**mine, "tenant_id": "globex"})), 401, "tenant")
        assert_problem(get(key_b.sign({**mine, "aud": "backoffice-api"})), 401, "audience")
        assert get(make_token(tenant="globex")).status_code == 200  # other issuers: the global key
        assert server.requests == 1
    finally:
        server.close()
        tokens.forget()
        auth._key_sets.clear()
        auth._verified.clear()
