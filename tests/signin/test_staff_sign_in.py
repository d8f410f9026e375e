"""The rules of staff sign-in without a browser: matching, refusals, the ID token's checks, the
sign-in views' answers to bad input, and local passwords per tenant."""
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from apps.core.models import StaffMembership, Tenant
from apps.signin import services
from apps.signin.backends import TenantOIDCBackend
from apps.signin.models import IdentityProvider
from tests.factories import StaffMembershipFactory
from tests.signin.keys import JWKSServer, SigningKey

pytestmark = pytest.mark.django_db
ISSUER = "https://login.acme.example.test"


@pytest.fixture
def acme(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    Tenant.objects.create(id="globex", name="Globex")
    return Tenant.objects.create(id="acme", name="Acme")


@pytest.fixture
def provider(acme):
    return services.identity_provider_save(actor="test", provider=IdentityProvider(
        tenant=acme, name="Acme Login", issuer=ISSUER, client_id="bo-client",
        authorization_endpoint=f"{ISSUER}/authorize", token_endpoint=f"{ISSUER}/token",
        userinfo_endpoint=f"{ISSUER}/userinfo", jwks_uri=f"{ISSUER}/keys",
        role_mapping={"it": ["it"], "approvers": ["approver"]}), client_secret="s3cret-value-0123456789")


def claims(**extra) -> dict:
    return {"sub": "00u1", "email": "dana@acme.test", "email_verified": True, "groups": ["it"], **extra}


def staff(username, tenant, roles, *, email, superuser=False, password="pw-123456789"):
    return StaffMembershipFactory(tenant=tenant, user__username=username, user__email=email, user__password=password,
                                  user__is_superuser=superuser, person_id=f"per_{username}", roles=roles).user


def test_the_client_secret_is_kept_in_the_secret_store_not_on_the_row(provider):
    from apps.integration.models import StoredSecret

    provider.refresh_from_db()
    assert provider.client_secret_hint == "6789"
    assert services.client_secret(provider) == "s3cret-value-0123456789"
    assert b"s3cret" not in bytes(StoredSecret.objects.get().ciphertext)


def test_a_role_mapping_to_unknown_roles_is_a_validation_error(provider):
    provider.role_mapping = {"it": ["root"]}
    with pytest.raises(ValidationError, match="unknown role"):
        provider.full_clean()
    provider.role_mapping = ["it"]
    with pytest.raises(ValidationError, match="Must be an object"):
        provider.full_clean()
    provider.role_mapping = {"it": "it"}
    with pytest.raises(ValidationError, match="it: must be a list"):
        provider.full_clean()


def test_an_unverified_or_missing_email_is_refused(provider):
    with pytest.raises(services.SignInRefused, match="not verified"):
        services.staff_sign_in(provider=provider, claims=claims(email_verified=False))
    with pytest.raises(services.SignInRefused, match="no email"):
        services.staff_sign_in(provider=provider, claims=claims(email=None))
    # Entra ID's verified-domain claim counts as verified.
    assert services.staff_sign_in(provider=provider, claims=claims(email_verified=None, xms_edov=True))


def test_a_superuser_is_never_signed_in_through_a_tenant_provider(provider, acme):
    staff("boss", acme, ["admin"], email="dana@acme.test", superuser=True)
    with pytest.raises(services.SignInRefused, match="Superusers"):
        services.staff_sign_in(provider=provider, claims=claims())
    assert StaffMembership.objects.get(user__username="boss").roles == ["admin"]


def test_another_tenants_user_with_the_same_email_is_not_matched(provider, acme):
    globex_user = staff("globex-dana", Tenant.objects.get(id="globex"), ["admin"], email="dana@acme.test")
    user = services.staff_sign_in(provider=provider, claims=claims())
    assert user != globex_user and user.membership.tenant_id == "acme" and user.membership.roles == ["it"]
    assert StaffMembership.objects.get(user=globex_user).roles == ["admin"]


def test_the_same_subject_with_a_new_email_keeps_its_membership(provider):
    first = services.staff_sign_in(provider=provider, claims=claims())
    again = services.staff_sign_in(provider=provider, claims=claims(email="dana.new@acme.test", groups=["approvers"]))
    assert again.pk == first.pk and again.email == "dana.new@acme.test"
    assert again.membership.roles == ["approver"] and again.membership.person_id == services.person_id_for(provider, "00u1")


def test_the_id_token_must_be_for_our_client_from_the_providers_issuer(provider):
    key = SigningKey("op-key")
    server = JWKSServer([key])
    try:
        provider.jwks_uri = server.url
        backend = TenantOIDCBackend()
        backend.provider = provider
        now = int(time.time())
        good = {"sub": "00u1", "iss": ISSUER, "aud": "bo-client", "iat": now, "exp": now + 60, "nonce": "n1"}
        assert backend.verify_token(key.sign(good), nonce="n1")["sub"] == "00u1"
        with pytest.raises(jwt.InvalidAudienceError):
            backend.verify_token(key.sign({**good, "aud": "someone-else"}), nonce="n1")
        with pytest.raises(jwt.InvalidIssuerError):
            backend.verify_token(key.sign({**good, "iss": "https://evil.example.test"}), nonce="n1")
        with pytest.raises(Exception, match="nonce"):
            backend.verify_token(key.sign(good), nonce="another")
    finally:
        server.close()


def test_starting_a_sign_in_redirects_to_the_provider_with_pkce_and_remembers_the_tenant(provider):
    client = Client()
    response = client.get("/oidc/acme/authenticate/?next=/admin/helpdesk/ticket/")
    assert response.status_code == 302
    url = urlparse(response["Location"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/authorize"
    assert query["client_id"] == ["bo-client"] and query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert client.session["signin_provider_states"] == {query["state"][0]: provider.pk}
    assert client.session["oidc_login_next"] == "/admin/helpdesk/ticket/"


def test_bad_sign_in_requests_are_4xx_or_back_to_the_login_page(provider):
    client = Client()
    assert client.get("/oidc/globex/authenticate/").status_code == 404  # no provider
    assert client.get("/oidc/nowhere/authenticate/").status_code == 404
    response = client.get("/oidc/callback/?code=abc&state=forged")  # no sign-in under way
    assert response.status_code == 302 and response["Location"] == "/admin/login/"
    client.get("/oidc/acme/authenticate/")
    assert client.get("/oidc/callback/?code=abc&state=forged").status_code == 400  # unknown state
    response = client.get("/oidc/callback/?error=access_denied&error_description=User+cancelled", follow=True)
    assert "User cancelled" in response.content.decode()


def test_local_passwords_switched_off_refuse_staff_but_not_superusers(provider, acme):
    staff("acme-hr", acme, ["hr"], email="hr@acme.test")
    staff("globex-hr", Tenant.objects.get(id="globex"), ["hr"], email="hr@globex.test")
    User.objects.create_superuser("root", "root@example.test", "pw-123456789")
    assert Client().login(username="acme-hr", password="pw-123456789")
    provider.local_passwords_allowed = False
    provider.save()
    assert not Client().login(username="acme-hr", password="pw-123456789")
    assert Client().login(username="globex-hr", password="pw-123456789")
    assert Client().login(username="root", password="pw-123456789")
    response = Client().post("/admin/login/?next=/admin/", {"username": "acme-hr", "password": "pw-123456789"})
    assert response.status_code == 200 and "correct username and password" in response.content.decode()


def test_the_admin_form_refuses_provider_urls_on_internal_addresses(acme, settings):
    from apps.signin.admin import IdentityProviderForm

    settings.SIGNIN_ALLOW_PRIVATE_PROVIDERS = False
    data = {"tenant": "acme", "name": "Inside", "enabled": "on", "issuer": "http://127.0.0.1:9/o", "client_id": "c",
            "client_secret": "a-secret-of-some-length", "scopes": "openid email", "group_claim": "groups",
            "role_mapping": "{}", "api_audience": ""}
    form = IdentityProviderForm(data=data)
    assert not form.is_valid()
    assert "private, loopback or link-local" in str(form.errors["issuer"])
    endpoints = {"authorization_endpoint": "https://10.0.0.5/a", "token_endpoint": "http://169.254.169.254/t",
                 "userinfo_endpoint": "https://10.0.0.5/u", "jwks_uri": "https://10.0.0.5/k"}
    form = IdentityProviderForm(data={**data, **endpoints, "issuer": "http://127.0.0.1:9/o"})
    assert not form.is_valid()
    assert {"issuer", "token_endpoint", "jwks_uri"} <= set(form.errors)
    assert not IdentityProvider.objects.exists()


def test_a_provider_that_is_down_at_the_callback_sends_the_person_back_with_a_reason(provider):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    provider.token_endpoint = f"http://127.0.0.1:{closed}/token"
    provider.save()
    client = Client()
    state = parse_qs(urlparse(client.get("/oidc/acme/authenticate/")["Location"]).query)["state"][0]
    response = client.get(f"/oidc/callback/?code=abc&state={state}", follow=True)
    assert response.redirect_chain[0] == ("/admin/login/", 302)
    assert "Acme Login could not be reached" in response.content.decode()
    assert "_auth_user_id" not in client.session
