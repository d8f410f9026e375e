"""Portal sign-in through the tenant's identity provider without a staff role: the person's directory
entry gets a portal login (no staff flag); roles still make staff; nobody outside the directory,
no deactivated person, and no takeover of an existing login by e-mail alone."""
import pytest
from django.contrib.auth.models import User

from apps.directory.models import Person
from apps.portal.signin import PORTAL_FLOW, person_sign_in
from apps.signin import services
from apps.signin.models import IdentityProvider

ISSUER = "https://login.acme.invalid"


@pytest.fixture
def provider(world):
    return services.identity_provider_save(actor="test", provider=IdentityProvider(
        tenant_id="acme", name="Acme Login", issuer=ISSUER, client_id="bo-client",
        authorization_endpoint=f"{ISSUER}/authorize", token_endpoint=f"{ISSUER}/token",
        userinfo_endpoint=f"{ISSUER}/userinfo", jwks_uri=f"{ISSUER}/keys",
        role_mapping={"approvers": ["approver"]}), client_secret="s3cret-value-0123456789")


def claims(**extra) -> dict:
    return {"sub": "00u-nina", "email": "nina@acme.invalid", "email_verified": True, "groups": ["everyone"], **extra}


def newcomer(**fields) -> Person:
    return Person.objects.create(**{"id": "per_nina", "tenant_id": "acme", "user_name": "nina@acme.invalid",
                                    "given_name": "Nina", "family_name": "New", "email": "nina@acme.invalid", **fields})


def test_a_directory_person_without_a_role_gets_a_portal_login_by_subject(provider):
    newcomer(external_id="00u-nina", email="")
    user = person_sign_in(provider=provider, claims=claims())
    assert not user.is_staff and user.membership.person_id == "per_nina" and user.membership.roles == []
    assert person_sign_in(provider=provider, claims=claims()) == user  # the same login next time


def test_a_directory_person_without_a_login_is_found_by_verified_email(provider):
    newcomer()
    user = person_sign_in(provider=provider, claims=claims())
    assert user.membership.person_id == "per_nina" and not user.is_staff
    assert person_sign_in(provider=provider, claims=claims()) == user


def test_an_existing_login_is_not_taken_over_by_email_alone(provider, world):
    with pytest.raises(services.SignInRefused, match="approve"):
        person_sign_in(provider=provider, claims=claims(sub="00u-evil", email="max@acme.invalid"))
    assert User.objects.filter(membership__person_id="per_emp").count() == 1


def test_nobody_outside_the_directory_and_no_deactivated_person(provider):
    with pytest.raises(services.SignInRefused, match="directory"):
        person_sign_in(provider=provider, claims=claims())
    newcomer(active=False)
    with pytest.raises(services.SignInRefused):
        person_sign_in(provider=provider, claims=claims())
    assert not User.objects.filter(email="nina@acme.invalid").exists()


def test_groups_that_map_to_roles_still_make_staff(provider):
    newcomer()
    user = person_sign_in(provider=provider, claims=claims(groups=["approvers"]))
    assert user.is_staff and user.membership.roles == ["approver"]


def test_starting_from_the_portal_marks_the_sign_in_and_the_admin_does_not(client, provider):
    response = client.get("/oidc/acme/authenticate/?next=/portal/requests/")
    assert response.status_code == 302 and response.url.startswith(f"{ISSUER}/authorize")
    assert client.session[PORTAL_FLOW] is True
    client.get("/oidc/acme/authenticate/?next=/admin/")
    assert client.session[PORTAL_FLOW] is False
    page = client.get("/portal/login/").content.decode()
    assert "Sign in with Acme Login" in page and "/oidc/acme/authenticate/?next=/portal/" in page
