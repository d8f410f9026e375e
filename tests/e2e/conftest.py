"""Browser tests: Playwright driving the system Chromium against pytest-django's live_server.

No browser is downloaded: the tests use the OS package's Chromium (CHROMIUM_PATH, default
/usr/bin/chromium). Without it every browser test is skipped and the reason is printed at the
end of the run.
"""
import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PASSWORD = "demo-pass-123"  # seed_demo's staff password

# Playwright's sync API runs an asyncio loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told otherwise. The ORM calls here are plain sync code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _chromium_missing() -> str | None:
    path = CHROMIUM_PATH
    found = path if os.path.isabs(path) else shutil.which(path)
    if found and os.path.isfile(found) and os.access(found, os.X_OK):
        return None
    return (f"browser tests skipped: no Chromium at {path} "
            "(install the OS package chromium or set CHROMIUM_PATH)")


SKIP_REASON = _chromium_missing()
_skipped: list[str] = []


def pytest_collection_modifyitems(config, items):
    if SKIP_REASON is None:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
            _skipped.append(item.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _skipped:
        terminalreporter.write_sep("-", "browser tests", yellow=True)
        terminalreporter.write_line(f"{SKIP_REASON} [{len(_skipped)} tests]", yellow=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def seeded(transactional_db, settings):
    """The demo tenants acme and globex with staff users and records, made by seed_demo itself."""
    from django.core.management import call_command

    # seed_demo makes 13 staff users; the production hasher costs ~0.4 s per password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def login(page):
    """login("acme-approver") opens /admin/, is sent to the login form, signs in and lands back."""

    def sign_in(username: str, password: str = PASSWORD):
        page.goto("/admin/")
        assert "/admin/login/?next=/admin/" in page.url, page.url
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/admin/login/" not in page.url, f"login as {username} failed, still at {page.url}"
        return page

    return sign_in


def autocomplete(page, name: str, text: str) -> None:
    """Pick the option labelled `text` of the select2 autocomplete of the field `name` (the admin's
    foreign keys and many-to-many to a tenant model: the options come from a search)."""
    page.locator(f"select[name={name}] + .select2 .select2-selection").click()
    page.keyboard.type(text)
    page.locator(".select2-results__option", has_text=text).first.click()
