"""The admin (django-unfold: Alpine.js, inline styles) and the Swagger UI work under the
Content-Security-Policy: a real Chromium visits them and reports no policy violation."""
import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from apps.helpdesk.models import Ticket

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    not (shutil.which(CHROMIUM_PATH) or os.access(CHROMIUM_PATH, os.X_OK)), reason=f"no Chromium at {CHROMIUM_PATH}")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here
REPORT = ("document.addEventListener('securitypolicyviolation', e => "
          "(window.__violations = window.__violations || []).push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture
def page(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=["--no-sandbox"])
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(20_000)
        context.add_init_script(REPORT)
        yield context.new_page()
        browser.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__violations || []")


def test_admin_pages_and_the_swagger_ui_run_under_the_policy(page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-0123456789")
    ticket = Ticket.objects.create(tenant_id="acme", title="Printer jams", number="TKT-0001")
    page.goto("/admin/login/")
    page.fill("input[name=username]", "ops")
    page.fill("input[name=password]", "pw-0123456789")
    with page.expect_navigation():
        page.click("button[type=submit]")
    for path in ("/admin/", "/admin/helpdesk/ticket/", "/admin/helpdesk/ticket/add/",
                 f"/admin/helpdesk/ticket/{ticket.pk}/change/", f"/admin/helpdesk/ticket/{ticket.pk}/history/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof window.Alpine") == "object", path  # unfold's scripts ran
        assert page.evaluate("document.querySelectorAll('[x-cloak]').length") == 0, path  # Alpine initialised
        assert violations(page) == [], path
    page.goto("/admin/helpdesk/ticket/")
    assert "Printer jams" in page.content()
    from playwright.sync_api import Error

    with pytest.raises(Error, match="Content Security Policy"):  # an injected inline script is refused
        page.add_script_tag(content="window.__inline = 1")
    assert page.evaluate("window.__inline === undefined")
    assert any(v.startswith("script-src") for v in violations(page))

    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 50
    assert violations(page) == []
    assert Ticket.objects.count() == 1
