"""Against the real OpenID Provider, in Chromium: a person the tenant's directory deactivated is
signed in by the provider, but not by this back office: the login page says why, no session."""
import pytest
from django.contrib.auth.models import User

from apps.directory.services import person_update
from apps.core.principal import Principal
from tests.factories import PersonFactory
from tests.signin.conftest import browser_test
from tests.signin.test_oidc_browser import make_provider, sign_in_at_provider, tenants  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, browser_test]
ADMIN = Principal(person_id="per_admin", tenant_id="acme", roles=frozenset({"admin"}))


def test_a_deactivated_person_is_refused_after_the_providers_sign_in(page, tenants, openid_provider, artifacts):  # noqa: F811
    acme, _ = tenants
    make_provider(openid_provider, acme)
    alice = PersonFactory(tenant_id="acme", user_name="alice@acme.test", email="alice@acme.test")
    person_update(actor=ADMIN, obj=alice, data={"active": False})

    sign_in_at_provider(page, "alice")
    assert "/admin/login/" in page.url
    page.wait_for_selector("text=deactivated in this organisation")
    page.screenshot(path=str(artifacts / "signin-deactivated.png"), full_page=True)
    assert not User.objects.filter(email="alice@acme.test").exists()
    page.goto("/admin/")
    assert "/admin/login/" in page.url  # no session

    person_update(actor=ADMIN, obj=alice, data={"active": True})  # reactivated: in again
    page.context.clear_cookies()
    sign_in_at_provider(page, "alice")
    assert "/admin/login/" not in page.url
    assert User.objects.filter(email="alice@acme.test").exists()
