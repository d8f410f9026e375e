"""The portal in Chromium at 1440 and 390 px: an employee without a staff role asks for access from
the catalog, two approvers without admin access decide it in the portal, the employee follows it.
Every page is checked with axe; screenshots go to artifacts/portal-<width>-<page>.png."""
import pytest
from django.core.cache import cache

from apps.operations.models import AccessRequest
from tests.e2e.accessibility import AXE_MISSING, axe_violations, describe
from tests.portal.conftest import PASSWORD, world  # noqa: F401 (the portal's small world)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {1440: {"width": 1440, "height": 900}, 390: {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(SIZES), ids=lambda w: f"{w}px")
def screen(request, browser, live_server):
    width = request.param
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[width], device_scale_factor=1)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.width = width
    yield tab
    context.close()


def check(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"portal-{page.width}-{name}.png"), full_page=True)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name} scrolls sideways by {overflow}px"
    assert page.locator("script").count() == 0, f"{name} has a script"
    if AXE_MISSING is None:
        found = axe_violations(page)
        assert not found, f"{name}:\n{describe(found)}"


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/portal/")
    assert "/portal/login/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/portal/login/" not in page.url, page.url


def decide(page, artifacts, username: str, shot: str) -> None:
    sign_in(page, username)
    page.click("text=Waiting for me")
    check(page, artifacts, f"waiting-{shot}")
    page.click("ul.rows a")
    check(page, artifacts, f"decide-{shot}")
    with page.expect_navigation():
        page.click("button[value=approve]")
    assert "You approved it." in page.inner_text("main")


def test_an_employee_asks_for_access_and_two_approvers_decide_it_in_the_portal(screen, world, artifacts):  # noqa: F811
    cache.clear()
    page = screen
    page.goto("/portal/login/")
    check(page, artifacts, "login")
    sign_in(page, "max")
    check(page, artifacts, "home")
    page.click("nav >> text=Ask")
    check(page, artifacts, "ask")
    page.click("text=Request access")
    page.select_option("select[name=entitlement]", label="GitHub acme · Maintainer (up to 90 days)")
    page.fill("input[name=duration_days]", "120")
    page.fill("textarea[name=justification]", "Release work on the mobile app")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "at most 90 days" in page.inner_text("#id_duration_days_error")
    assert page.input_value("textarea[name=justification]") == "Release work on the mobile app"
    check(page, artifacts, "ask-access-error")
    page.fill("input[name=duration_days]", "30")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "Waiting for Grace Hopper, step 1 of 2" in page.inner_text("main")
    check(page, artifacts, "request-waiting")

    decide(page, artifacts, "grace", "step1")
    decide(page, artifacts, "ada", "step2")

    sign_in(page, "max")
    page.click("nav >> text=My requests")
    assert "Approved" in page.inner_text("main")
    check(page, artifacts, "requests")
    page.click("ul.rows a")
    timeline = page.inner_text(".timeline")
    assert "Step 1 of 2 approved by Grace Hopper" in timeline and "Step 2 of 2 approved by Ada Lovelace" in timeline
    check(page, artifacts, "request-approved")
    assert AccessRequest.objects.get().status == "approved"


def test_an_employee_renews_access_talks_to_the_service_desk_and_acknowledges_a_policy(screen, world, artifacts):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.principal import Principal, system_principal
    from apps.helpdesk.services import ticket_comment_create
    from apps.helpdesk.models import Ticket
    from apps.policies.campaign_models import AcknowledgementCampaign
    from apps.policies.models import Policy, PolicyAcknowledgement
    from apps.portal.views.ask import file_record

    cache.clear()
    ent = world.entitlement
    grant = file_record(actor=system_principal("acme"), kind="access", data={
        "entitlement": ent, "system_id": ent.system_id, "entitlement_type": ent.name, "access_type": "new",
        "justification": "Release work", "requester_id": "per_emp"})
    AccessRequest.objects.filter(pk=grant.pk).update(
        status="provisioned", granted_at=timezone.now(), provisioned_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=5))
    policy = Policy.objects.create(tenant_id="acme", name="Code of conduct", status="published",
                                   body="# Code of conduct\n\nBe kind to each other.")
    AcknowledgementCampaign.objects.create(tenant_id="acme", policy=policy, version=policy.version, status="open",
                                           due_at=timezone.now() + timedelta(days=7))
    page = screen
    sign_in(page, "max")
    page.click("nav >> text=My access")
    assert "ends soon" in page.inner_text("main")
    check(page, artifacts, "access")
    with page.expect_navigation():
        page.click("main button:has-text('Renew')")
    assert "Your renewal request is filed." in page.inner_text("main")
    check(page, artifacts, "renewal")

    page.click("nav >> text=My tickets")
    page.click("main >> text=Get help")
    page.fill("input[name=title]", "VPN drops every hour")
    page.fill("textarea[name=description]", "Since Monday")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    ticket = Ticket.objects.get()
    agent = Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"agent"}), source_type="backend")
    ticket_comment_create(actor=agent, ticket=ticket, body="Which VPN client version?", internal=False)
    ticket_comment_create(actor=agent, ticket=ticket, body="internal: user on old laptop", internal=True)
    page.reload()
    page.fill("textarea[name=body]", "Version 5.2")
    with page.expect_navigation():
        page.click("main button:has-text('Send reply')")
    conversation = page.inner_text(".conversation")
    assert "Which VPN client version?" in conversation and "Version 5.2" in conversation
    assert "internal:" not in page.inner_text("main")
    check(page, artifacts, "ticket")

    page.click("nav >> text=Waiting for me")
    page.click("text=Code of conduct")
    assert "Be kind to each other." in page.inner_text("main")
    check(page, artifacts, "policy")
    page.check("input[name=read]")
    with page.expect_navigation():
        page.click("main button:has-text('Acknowledge')")
    assert PolicyAcknowledgement.objects.filter(person_id="per_emp").exists()
    check(page, artifacts, "waiting-done")
