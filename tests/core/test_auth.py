"""JWT authentication: forged, expired, unsigned, tenant-less tokens are 401 problem+json."""
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from rest_framework.test import APIClient

from apps.core import auth
from tests.conftest import make_token

URL = "/api/v1/helpdesk/tickets"
pytestmark = pytest.mark.django_db


def client_with(token: str | None, header: str = "Authorization") -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(**{"HTTP_" + header.upper().replace("-", "_"): f"Bearer {token}"})
    return client


def assert_401(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_authenticated" or response.json()["status"] == 401
    assert response.has_header("WWW-Authenticate")


def claims(**extra):
    now = int(time.time())
    return {"sub": "per_x", "tenant_id": "acme", "exp": now + 60, **extra}


def test_valid_token_is_accepted():
    assert client_with(make_token()).get(URL).status_code == 200


def test_missing_token_is_401():
    assert_401(APIClient().get(URL))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(jwt.encode(claims(), "wrong-secret-of-sufficient-length-123456", algorithm="HS256"), id="forged"),
        pytest.param(jwt.encode(claims(exp=int(time.time()) - 3600), settings.JWT_SECRET, algorithm="HS256"), id="expired"),
        pytest.param(jwt.encode(claims(), None, algorithm="none"), id="unsigned-alg-none"),
        pytest.param(jwt.encode({k: v for k, v in claims().items() if k != "tenant_id"}, settings.JWT_SECRET,
                                algorithm="HS256"), id="no-tenant"),
        pytest.param(jwt.encode({k: v for k, v in claims().items() if k != "sub"}, settings.JWT_SECRET,
                                algorithm="HS256"), id="no-sub"),
        pytest.param(jwt.encode({k: v for k, v in claims().items() if k != "exp"}, settings.JWT_SECRET,
                                algorithm="HS256"), id="no-exp"),
        pytest.param(jwt.encode(claims(tenant_id=42), settings.JWT_SECRET, algorithm="HS256"), id="tenant-not-string"),
        pytest.param(jwt.encode(claims(roles="admin"), settings.JWT_SECRET, algorithm="HS256") + "x", id="tampered"),
        pytest.param("not-a-jwt", id="garbage"),
    ],
)
def test_bad_tokens_are_401(token):
    assert_401(client_with(token).get(URL))


def test_issuer_and_audience_are_checked_when_configured(settings):
    settings.JWT_ISSUER = "https://idp.example"
    settings.JWT_AUDIENCE = "backoffice"
    good = jwt.encode(claims(iss="https://idp.example", aud="backoffice"), settings.JWT_SECRET, algorithm="HS256")
    assert client_with(good).get(URL).status_code == 200
    assert_401(client_with(jwt.encode(claims(iss="https://evil", aud="backoffice"), settings.JWT_SECRET, algorithm="HS256")).get(URL))
    assert_401(client_with(jwt.encode(claims(iss="https://idp.example", aud="other"), settings.JWT_SECRET, algorithm="HS256")).get(URL))
    assert_401(client_with(make_token()).get(URL))


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_public_key_tokens(settings, algorithm):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048) if algorithm == "RS256" \
        else ec.generate_private_key(ec.SECP256R1())
    settings.JWT_PUBLIC_KEY = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    assert client_with(jwt.encode(claims(), private, algorithm=algorithm)).get(URL).status_code == 200
    # An HS256 token signed with the public key text must not pass (algorithm confusion).
    assert_401(client_with(make_token()).get(URL))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048) if algorithm == "RS256" \
        else ec.generate_private_key(ec.SECP256R1())
    assert_401(client_with(jwt.encode(claims(), other, algorithm=algorithm)).get(URL))


def test_mint_token_prints_a_working_token(capsys):
    from django.core.management import call_command

    call_command("mint_token", "--tenant", "acme", "--sub", "per_cli", "--roles", "agent,approver", "--ttl", "120")
    token = capsys.readouterr().out.strip()
    decoded = jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"])
    assert decoded["sub"] == "per_cli" and decoded["tenant_id"] == "acme"
    assert decoded["roles"] == ["agent", "approver"]
    assert client_with(token).get(URL).status_code == 200


def test_a_remembered_token_still_expires(settings):
    """Verified tokens are remembered by their text; `exp` is checked again on every request."""
    settings.JWT_LEEWAY_SECONDS = 0
    token = jwt.encode(claims(exp=int(time.time()) + 2), settings.JWT_SECRET, algorithm="HS256")
    client = client_with(token)
    assert client.get(URL).status_code == 200
    assert token in auth._verified
    assert client.get(URL).status_code == 200
    while int(time.time()) < jwt.decode(token, options={"verify_signature": False})["exp"]:
        time.sleep(0.1)
    response = client.get(URL)
    assert_401(response)
    assert "expired" in response.json()["detail"]


def test_a_remembered_token_is_checked_again_when_the_keys_change(settings):
    token = make_token()
    assert client_with(token).get(URL).status_code == 200
    settings.JWT_SECRET = "a-rotated-secret-of-sufficient-length-0123456789"
    assert_401(client_with(token).get(URL))
    rotated = jwt.encode(claims(), settings.JWT_SECRET, algorithm="HS256")
    assert client_with(rotated).get(URL).status_code == 200
    settings.JWT_AUDIENCE = "backoffice"  # the remembered token has no `aud`
    assert_401(client_with(rotated).get(URL))


def test_remembered_tokens_are_bounded(monkeypatch):
    monkeypatch.setattr(auth, "VERIFIED_TOKENS_MAX", 3)
    auth._verified.clear()
    tokens = [jwt.encode(claims(sub=f"per_{i}"), settings.JWT_SECRET, algorithm="HS256") for i in range(7)]
    for token in tokens:
        assert auth.decode_jwt(token)["sub"].startswith("per_")
        assert len(auth._verified) <= 3
    # A changed claim set is a different text: never answered from another token's entry.
    assert auth.decode_jwt(tokens[-1])["sub"] == "per_6"
