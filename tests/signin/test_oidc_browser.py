"""Staff sign-in by OpenID Connect against a real OpenID Provider (django-oauth-toolkit in a second
process), driven in Chromium: the provider button, the provider's login form, the admin dashboard
with the roles the provider's groups map to; no role, no access; passwords switched off per
tenant (superusers keep theirs); django-axes locks out after repeated failures."""
import re

import pytest
from django.contrib.auth.models import User

from apps.core.models import StaffMembership, Tenant
from apps.signin import services
from apps.signin.discovery import discover
from apps.signin.models import IdentityProvider
from tests.signin.conftest import CLIENT_ID, CLIENT_SECRET, OP_PASSWORD, ROLE_MAPPING, browser_test

PASSWORD = "local-pass-123"
pytestmark = [pytest.mark.browser, browser_test]


@pytest.fixture
def tenants(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    acme = Tenant.objects.create(id="acme", name="Acme Corp")
    globex = Tenant.objects.create(id="globex", name="Globex Corporation")
    User.objects.create_superuser("root", "root@example.test", PASSWORD)
    for tenant, name, roles in ((acme, "acme-agent", ["agent"]), (globex, "globex-agent", ["agent"])):
        user = User.objects.create_user(name, email=f"{name}@example.test", password=PASSWORD, is_staff=True)
        StaffMembership.objects.create(user=user, tenant=tenant, person_id=f"per_{name.replace('-', '_')}", roles=roles)
    return acme, globex


def make_provider(op, tenant, **fields) -> IdentityProvider:
    provider = IdentityProvider(tenant=tenant, name="Acme Login", issuer=op.issuer, client_id=CLIENT_ID,
                                role_mapping=ROLE_MAPPING, **discover(op.issuer), **fields)
    return services.identity_provider_save(actor="test", provider=provider, client_secret=CLIENT_SECRET)


def sign_in_at_provider(page, username: str):
    page.goto("/admin/")
    page.get_by_role("link", name="Sign in with Acme Login").click()
    page.wait_for_selector("#op-username")
    page.fill("#op-username", username)
    page.fill("#op-password", OP_PASSWORD)
    with page.expect_navigation(url=re.compile(r"/admin/")):
        page.click("#op-submit")
    page.wait_for_load_state()


def password_login(page, username: str, password: str = PASSWORD):
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_superuser_configures_the_provider_in_the_admin(page, tenants, openid_provider, artifacts):
    password_login(page, "root")
    page.goto("/admin/signin/identityprovider/add/")
    page.select_option("select[name=tenant]", "acme")
    page.fill("input[name=name]", "Acme Login")
    page.fill("input[name=issuer]", openid_provider.issuer)
    page.fill("input[name=client_id]", CLIENT_ID)
    page.fill("input[name=client_secret]", CLIENT_SECRET)
    mapping = page.locator("#id_role_mapping")  # key/value rows: a group and one role per row
    mapping.get_by_label("Role mapping: group, row 1").fill("bo-approvers")
    mapping.get_by_label("Role mapping: role, row 1").select_option("approver")
    mapping.get_by_role("button", name="Add a row").click()
    mapping.get_by_label("Role mapping: group, row 2").fill("bo-agents")
    mapping.get_by_label("Role mapping: role, row 2").select_option("agent")
    page.click("button[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    provider = IdentityProvider.objects.get(tenant_id="acme")
    assert provider.token_endpoint == f"{openid_provider.issuer}/token/"  # read from discovery
    assert provider.jwks_uri.startswith(openid_provider.issuer)
    assert services.client_secret(provider) == CLIENT_SECRET
    body = page.content()
    assert CLIENT_SECRET not in body and "••••••••cdef" in body  # masked, never shown
    page.screenshot(path=str(artifacts / "signin-provider-admin.png"), full_page=True)

    # Only the staff roles are offered (a forged one is a form error: tests/signin's admin tests).
    offered = page.locator("#id_role_mapping").get_by_label("Role mapping: role, row 1").locator("option").all_inner_texts()
    assert "superuser" not in offered and "approver" in offered
    assert IdentityProvider.objects.get(tenant_id="acme").role_mapping == {"bo-approvers": ["approver"], "bo-agents": ["agent"]}

    # The login page now offers the provider.
    page.context.clear_cookies()
    page.goto("/admin/login/")
    assert page.get_by_role("link", name="Sign in with Acme Login").is_visible()
    page.screenshot(path=str(artifacts / "signin-login-page.png"), full_page=True)


def test_a_new_person_signs_in_and_gets_the_roles_of_their_groups(page, tenants, openid_provider, artifacts):
    acme, _ = tenants
    provider = make_provider(openid_provider, acme)
    sign_in_at_provider(page, "alice")
    assert page.url.endswith("/admin/"), page.url
    page.wait_for_selector("[data-testid=dashboard]")
    page.screenshot(path=str(artifacts / "signin-dashboard-after-oidc.png"), full_page=True)
    user = User.objects.get(email="alice@acme.test")
    membership = user.membership
    assert membership.tenant_id == "acme"
    assert membership.roles == ["agent", "approver"]  # bo-agents, bo-approvers
    assert membership.person_id == services.person_id_for(provider, _sub_of(openid_provider, "alice"))
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Alice", "Adams")
    # The session belongs to that user: the admin answers as them (an agent sees the helpdesk).
    page.goto("/admin/helpdesk/ticket/")
    assert "/admin/login/" not in page.url


def test_an_existing_staff_user_is_matched_by_email_and_their_roles_follow_the_groups(page, tenants, openid_provider):
    acme, _ = tenants
    make_provider(openid_provider, acme, trust_email_matching=True)  # a superuser's choice: no approval step
    staff = User.objects.get(username="acme-agent")
    staff.email = "carol@acme.test"
    staff.save()
    sign_in_at_provider(page, "carol")
    page.wait_for_selector("[data-testid=dashboard]")
    membership = StaffMembership.objects.get(user=staff)
    assert membership.roles == ["it"]  # was ["agent"]; bo-it maps to it, "everyone" to nothing
    assert membership.person_id == "per_acme_agent"  # the existing membership's person id is kept
    assert User.objects.filter(email__iexact="carol@acme.test").count() == 1


def test_groups_that_map_to_no_role_give_no_access(page, tenants, openid_provider, artifacts):
    acme, _ = tenants
    make_provider(openid_provider, acme, trust_email_matching=True)  # bob's known account is matched below
    # bob is new: refused, nothing created.
    sign_in_at_provider(page, "bob")
    assert "/admin/login/" in page.url
    page.wait_for_selector("text=give you no role")
    page.screenshot(path=str(artifacts / "signin-no-role.png"), full_page=True)
    assert not User.objects.filter(email="bob@acme.test").exists()
    page.goto("/admin/")
    assert "/admin/login/" in page.url

    # bob known here with a role: the provider no longer grants one, so it is removed.
    user = User.objects.create_user("acme-bob", email="bob@acme.test", is_staff=True)
    StaffMembership.objects.create(user=user, tenant=acme, person_id="per_acme_bob", roles=["hr"])
    page.context.clear_cookies()
    sign_in_at_provider(page, "bob")
    assert "/admin/login/" in page.url
    assert StaffMembership.objects.get(user=user).roles == []


def test_local_passwords_switched_off_for_a_tenant(page, tenants, openid_provider):
    acme, _ = tenants
    make_provider(openid_provider, acme, local_passwords_allowed=False)
    password_login(page, "acme-agent")
    assert "/admin/login/" in page.url  # refused: acme signs in through its provider
    page.wait_for_selector("text=Please enter the correct username and password")

    password_login(page, "globex-agent")  # another tenant keeps passwords
    assert "/admin/login/" not in page.url
    page.context.clear_cookies()
    password_login(page, "root")  # superusers always (break-glass)
    assert "/admin/login/" not in page.url
    page.context.clear_cookies()
    sign_in_at_provider(page, "alice")  # and the provider works
    page.wait_for_selector("[data-testid=dashboard]")


def test_repeated_failed_passwords_lock_the_account_out(page, tenants, settings, artifacts):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        password_login(page, "globex-agent", "wrong-password")
        assert "/admin/login/" in page.url
    password_login(page, "globex-agent")  # the right password, now too late
    assert "/admin/login/" in page.url or "locked" in page.content().lower()
    assert "locked" in page.content().lower(), page.content()[:2000]
    page.screenshot(path=str(artifacts / "signin-locked-out.png"), full_page=True)
    assert AccessAttempt.objects.get(username="globex-agent").failures_since_start >= 3
    # The address is locked too (usernames and addresses are counted separately): a guesser cannot
    # move on to the next username.
    password_login(page, "acme-agent")
    assert "locked" in page.content().lower()
    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").exists()


def _sub_of(op, username: str) -> str:
    """The provider's subject for a user: django-oauth-toolkit uses the user's primary key, in the
    order serve.py created them."""
    from tests.signin.conftest import OP_USERS

    return str([u["username"] for u in OP_USERS].index(username) + 1)


def test_a_tenant_admin_manages_only_their_own_tenants_provider(page, tenants, openid_provider, artifacts):
    acme, globex = tenants
    mine = make_provider(openid_provider, acme)
    # An issuer belongs to one tenant: globex's provider is another one (listed only, never signed in to).
    theirs = services.identity_provider_save(actor="test", client_secret=CLIENT_SECRET, provider=IdentityProvider(
        tenant=globex, name="Globex Login", issuer=f"{openid_provider.issuer}globex", client_id=CLIENT_ID,
        role_mapping=ROLE_MAPPING, **discover(openid_provider.issuer)))
    admin = User.objects.create_user("acme-admin", email="acme-admin@example.test", password=PASSWORD, is_staff=True)
    StaffMembership.objects.create(user=admin, tenant=acme, person_id="per_acme_admin", roles=["admin"])
    password_login(page, "acme-admin")
    page.goto("/admin/signin/identityprovider/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "Acme Corp" in rows.first.inner_text()
    page.screenshot(path=str(artifacts / "signin-provider-list-tenant-admin.png"), full_page=True)
    assert page.goto(f"/admin/signin/identityprovider/{theirs.pk}/change/").status == 404
    page.goto(f"/admin/signin/identityprovider/{mine.pk}/change/")
    assert CLIENT_SECRET not in page.content()
    page.uncheck("input[name=local_passwords_allowed]", force=True)
    page.click("button[name=_save]")
    page.wait_for_selector("text=was changed successfully")
    mine.refresh_from_db()
    assert mine.local_passwords_allowed is False
    assert services.client_secret(mine) == CLIENT_SECRET  # a blank secret field keeps the stored one

    # An agent of the tenant does not see the providers at all.
    page.context.clear_cookies()
    password_login(page, "globex-agent")
    assert page.goto("/admin/signin/identityprovider/").status == 403
