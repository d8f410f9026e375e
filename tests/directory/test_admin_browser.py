"""The directory's admin pages in Chromium as the tenant admin (and a staff member): people, teams,
SCIM tokens (shown once, then working against /scim/v2), directory settings, tenancy (404)."""
import re

import httpx2
import pytest

from apps.directory.models import DirectorySettings, Person, ScimToken
from apps.operations.models import AccessRequest
from tests.e2e.conftest import SKIP_REASON, artifacts, browser, login, page, seeded  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]


def test_admin_manages_people_teams_tokens_and_strict_mode(page, login, seeded, artifacts, live_server):
    login("acme-admin")
    page.goto("/admin/directory/person/")
    listing = page.locator("#result_list").inner_text()
    assert "Max Mustermann" in listing and "Sam Carter" in listing and "Frank Grimes" not in listing
    page.screenshot(path=str(artifacts / "directory-people.png"), full_page=True)

    page.goto("/admin/directory/person/per_acme_member/change/")
    assert page.locator("input[name=display_name]").input_value() == "Max Mustermann"
    page.screenshot(path=str(artifacts / "directory-person.png"), full_page=True)
    requests_before = list(AccessRequest.all_objects.filter(requester_id="per_acme_member").values_list("pk", "requester_id"))
    page.uncheck("input[name=active]")
    with page.expect_navigation():
        page.click("button[name=_save]")
    person = Person.objects.get(pk="per_acme_member")
    assert person.active is False and person.updated_by == "per_acme_admin"
    assert list(AccessRequest.all_objects.filter(requester_id="per_acme_member").values_list("pk", "requester_id")) \
        == requests_before  # nothing reassigned

    page.goto("/admin/directory/group/grp_acme_it_support/change/")
    page.screenshot(path=str(artifacts / "directory-team.png"), full_page=True)
    chosen = page.locator("select[name=members] option").all_inner_texts()
    assert any("Sam Carter" in c for c in chosen) and any("Linus Berg" in c for c in chosen)

    # Another tenant's person: 404, never a redirect.
    assert page.goto("/admin/directory/person/per_globex_member/change/").status == 404

    # A SCIM token: the raw value shows once, and works against /scim/v2 for acme only.
    page.goto("/admin/directory/scimtoken/add/")
    page.fill("input[name=name]", "Okta production")
    with page.expect_navigation():
        page.click("button[name=_save]")
    text = page.content()
    raw = re.search(r"scim_[A-Za-z0-9_-]{40,}", text).group(0)
    page.screenshot(path=str(artifacts / "directory-scim-token-once.png"), full_page=True)
    token = ScimToken.objects.get(tenant_id="acme", name="Okta production")
    assert token.token_hash != raw and raw.startswith(token.prefix)
    page.reload()
    assert raw not in page.content()
    users = httpx2.get(f"{live_server.url}/scim/v2/Users", headers={"Authorization": f"Bearer {raw}"}).json()
    assert users["totalResults"] == 9 and {u["id"] for u in users["Resources"]} >= {"per_acme_member"}
    assert httpx2.get(f"{live_server.url}/scim/v2/Users/per_globex_member",
                      headers={"Authorization": f"Bearer {raw}"}).status_code == 404

    settings_row = DirectorySettings.objects.get(tenant_id="acme")
    page.goto(f"/admin/directory/directorysettings/{settings_row.pk}/change/")
    page.check("input[name=strict]")
    page.screenshot(path=str(artifacts / "directory-settings.png"), full_page=True)
    with page.expect_navigation():
        page.click("button[name=_save]")
    assert DirectorySettings.objects.get(tenant_id="acme").strict is True


def test_staff_see_people_but_not_tokens(page, login, seeded, artifacts):
    login("acme-agent")
    page.goto("/admin/directory/person/")
    assert "Max Mustermann" in page.locator("#result_list").inner_text()
    page.goto("/admin/directory/person/per_acme_member/change/")
    assert page.locator("input[name=display_name]").count() == 0  # read-only for non-admins
    page.screenshot(path=str(artifacts / "directory-person-readonly.png"), full_page=True)
    assert page.goto("/admin/directory/scimtoken/").status == 403
    assert page.goto("/admin/directory/directorysettings/").status == 403


def test_the_directory_pages_fit_a_phone(page, login, seeded, artifacts):
    """At 390 px every directory page the admin works in scrolls down only, never sideways."""
    login("acme-admin")
    page.set_viewport_size({"width": 390, "height": 844})
    settings_row = DirectorySettings.objects.get(tenant_id="acme")
    pages = {"people": "/admin/directory/person/", "person": "/admin/directory/person/per_acme_member/change/",
             "teams": "/admin/directory/group/", "team": "/admin/directory/group/grp_acme_it_support/change/",
             "token": "/admin/directory/scimtoken/add/",
             "settings": f"/admin/directory/directorysettings/{settings_row.pk}/change/"}
    wide = {}
    for name, url in pages.items():
        assert page.goto(url).status == 200, url
        page.screenshot(path=str(artifacts / f"directory-390-{name}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide[name] = overflow
    assert not wide, f"these pages scroll sideways at 390 px (px): {wide}"
