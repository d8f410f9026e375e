"""Sign-in lockouts that cannot be dodged or turned on others: the address is the right-most hop that
is not a trusted proxy (never what the client writes in X-Forwarded-For); a username and an address
are locked separately; failed OIDC callbacks are not password failures and lock nobody."""
import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

from apps.core.models import StaffMembership, Tenant
from apps.signin import services
from apps.signin.models import IdentityProvider
from tests.factories import StaffMembershipFactory
from tests.signin.scripted_op import ScriptedProvider

pytestmark = pytest.mark.django_db
PROXY = "127.0.0.1"  # the test client's REMOTE_ADDR plays the load balancer
REAL_CLIENT = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRUSTED_PROXIES = [PROXY]
    # What the README used to advise: read the address from the header (ignored now).
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    User.objects.create_superuser("root", "root@example.test", "right-password-123")


def post_login(username: str, password: str, forwarded: str):
    return Client().post("/admin/login/?next=/admin/", {"username": username, "password": password},
                         HTTP_X_FORWARDED_FOR=forwarded)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_a_new_forwarded_for_per_guess_locks_the_superuser_all_the_same(behind_proxy):
    for n in range(20):
        post_login("root", f"guess-{n}", f"203.0.113.{n}, {REAL_CLIENT}")
    assert not signed_in(post_login("root", "right-password-123", f"203.0.113.99, {REAL_CLIENT}"))
    assert not signed_in(post_login("root", "right-password-123", "192.0.2.1"))  # the username, from anywhere
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert REAL_CLIENT in addresses and not any(a.startswith("203.0.113.") for a in addresses)  # no forged hop


def test_an_address_is_locked_across_usernames(behind_proxy):
    StaffMembershipFactory(tenant__id="acme", user__username="dana", user__password="dana-password-123",
                           roles=["agent"])
    for n in range(6):
        post_login(f"nobody-{n}", "x", f"203.0.113.{n}, {REAL_CLIENT}")
    assert not signed_in(post_login("dana", "dana-password-123", f"203.0.113.50, {REAL_CLIENT}"))
    assert signed_in(post_login("dana", "dana-password-123", "192.0.2.1, 192.0.2.9"))  # another client


@pytest.mark.parametrize("remote, forwarded, proxies, expected", [
    ("192.0.2.1", "203.0.113.5", [], "192.0.2.1"),  # no proxy configured: the header is ignored
    ("192.0.2.1", "203.0.113.5", ["127.0.0.1"], "192.0.2.1"),  # not from a trusted proxy
    ("127.0.0.1", "203.0.113.5, 198.51.100.7", ["127.0.0.1"], "198.51.100.7"),
    ("127.0.0.1", "203.0.113.5, 198.51.100.7, 10.1.2.3", ["127.0.0.1", "10.0.0.0/8"], "198.51.100.7"),
    ("127.0.0.1", "not-an-ip", ["127.0.0.1"], "127.0.0.1"),
    ("127.0.0.1", "", ["127.0.0.1"], "127.0.0.1"),
])
def test_the_client_address_is_the_rightmost_untrusted_hop(remote, forwarded, proxies, expected):
    from apps.core.client_ip import client_ip_from

    assert client_ip_from(remote, forwarded, tuple(proxies)) == expected


def test_failed_sso_callbacks_lock_nobody_out(settings):
    settings.SIGNIN_ALLOW_PRIVATE_PROVIDERS = True
    op = ScriptedProvider(client_id="bo-client")
    try:
        services.identity_provider_save(actor=None, client_secret="s3cret-value-0123456789", provider=IdentityProvider(
            tenant=Tenant.objects.create(id="acme", name="Acme"), name="Acme Login", issuer=op.issuer,
            client_id="bo-client", role_mapping={"it": ["it"]}, **op.discovery_endpoints()))
        person = {"sub": "00u9", "email": "it@acme.test", "email_verified": True, "groups": ["it"]}
        client = Client()
        for _ in range(6):  # an outsider's failures from the same address (the load balancer's)
            op.sign_in(client, "acme", **{**person, "email_verified": False})
            client.get("/oidc/callback/?code=x&state=made-up")
        assert not AccessAttempt.objects.exists()
        colleague = Client()
        op.sign_in(colleague, "acme", **person)
        assert colleague.session.get("_auth_user_id")
        assert StaffMembership.objects.get().roles == ["it"]
    finally:
        op.close()
