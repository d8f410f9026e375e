"""The pages of the catalog, provisioning, drift, connectors, mail settings and letter templates, driven
in Chromium at 1440 and 390 px: each opens for the roles whose work it is (admin, IT; HR for letters)
and not for one whose work it is not, its buttons do what they say, and axe finds nothing serious."""
import pytest
from django.urls import reverse

from apps.approvals.models import ApprovalRule
from apps.helpdesk_mail.models import MailSettings
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.drift_models import DriftFinding
from apps.integration.models import Connector
from apps.letters.models import LetterTemplate
from apps.operations.models import AccessRequest
from tests.e2e.accessibility import AXE_MISSING, axe_violations, describe

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


def look(page, artifacts, name: str) -> None:
    """Screenshots at both widths, and axe at each (a phone layout can break what a desktop one holds)."""
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(artifacts / f"ops27-{name}-{label}.png"), full_page=True)
        if not AXE_MISSING:
            found = axe_violations(page)
            assert not found, f"{name} at {label}:\n{describe(found)}"
    page.set_viewport_size(SIZES["desktop"])


def open_ok(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"


def url(model, page: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}", args=args)


@pytest.mark.parametrize("who", ["acme-admin", "acme-it"])
def test_the_catalog_pages_for_admin_and_it(page, login, seeded, artifacts, who):
    login(who)
    system = AccessSystem.objects.filter(tenant_id="acme").order_by("name").first()
    entitlement = Entitlement.objects.filter(tenant_id="acme", system=system).order_by("name").first()
    for name, target in (("systems", url(AccessSystem, "changelist")), ("system", url(AccessSystem, "change", system.pk)),
                         ("entitlements", url(Entitlement, "changelist")),
                         ("entitlement", url(Entitlement, "change", entitlement.pk))):
        open_ok(page, target)
        look(page, artifacts, f"{who}-{name}")
    assert page.get_by_text(system.name).count() >= 1  # the entitlement names its system, not its id
    assert system.pk not in page.locator("#content-main, main").first.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".errorlist, .errornote").count() == 0, page.url


def test_approval_rules_for_the_admin_and_not_for_the_agent(page, login, seeded, artifacts):
    rule = ApprovalRule.objects.filter(tenant_id="acme").first()
    login("acme-admin")
    open_ok(page, url(ApprovalRule, "changelist"))
    look(page, artifacts, "rules")
    open_ok(page, url(ApprovalRule, "change", rule.pk))
    look(page, artifacts, "rule")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".errorlist, .errornote").count() == 0
    page.context.clear_cookies()
    login("acme-agent")
    assert page.goto(url(ApprovalRule, "change", rule.pk)).status in (403, 404)
    assert page.goto(url(AccessSystem, "add")).status == 403


def provisioning(status: str, error: str = "") -> AccessRequest:
    """A catalog request whose system a connector provisions, put in `status` as the engine leaves it."""
    request = AccessRequest.objects.filter(tenant_id="acme", entitlement__isnull=False).order_by("id").first()
    system = request.entitlement.system
    if system.connector_id is None:
        AccessSystem.objects.filter(pk=system.pk).update(
            connector=Connector.objects.filter(tenant_id="acme", type="ldap").first()
            or Connector.objects.filter(tenant_id="acme").first())
    AccessRequest.objects.filter(pk=request.pk).update(status=status, provisioning_op="grant",
                                                       provisioning_error=error, provisioning_attempts=3 if error else 1)
    return request


def test_provisioning_states_on_an_access_request_for_it(page, login, seeded, artifacts):
    request = provisioning("provisioning")
    login("acme-it")
    open_ok(page, url(AccessRequest, "change", request.pk))
    look(page, artifacts, "provisioning")
    request = provisioning("provisioning_failed", error="LDAP 53: unwilling to perform")
    open_ok(page, url(AccessRequest, "change", request.pk))
    assert page.get_by_text("LDAP 53: unwilling to perform").count() >= 1
    look(page, artifacts, "provisioning-failed")
    buttons = page.get_by_test_id("fsm-transitions")
    with page.expect_navigation():
        buttons.get_by_role("button", name="Retry provisioning").click()
    request.refresh_from_db()
    assert request.status != "provisioning_failed"  # queued again
    request = provisioning("provisioning_failed", error="LDAP 53: unwilling to perform")
    open_ok(page, url(AccessRequest, "change", request.pk))
    page.fill("#transition-comment", "Granted by hand in the directory console")
    with page.expect_navigation():
        page.get_by_test_id("fsm-transitions").get_by_role("button", name="Mark manual").click()
    request.refresh_from_db()
    assert request.status != "provisioning_failed"
    look(page, artifacts, "provisioning-manual")


def test_drift_findings_adopt_revoke_regrant_dismiss_for_it(page, login, seeded, artifacts):
    from tests.factories.drift import DriftFindingFactory

    unmanaged = [DriftFindingFactory(tenant_id="acme", kind="unmanaged") for _ in range(3)]
    lost = DriftFindingFactory(tenant_id="acme", kind="lost", status="lost")
    login("acme-it")
    open_ok(page, url(DriftFinding, "changelist"))
    look(page, artifacts, "drift-list")
    for finding, button, comment in ((unmanaged[0], "Adopt", ""), (unmanaged[1], "Revoke", ""),
                                     (lost, "Regrant", ""), (unmanaged[2], "Dismiss", "A service account we keep")):
        open_ok(page, url(DriftFinding, "change", finding.pk))
        if button == "Adopt":
            look(page, artifacts, "drift-finding")
        if comment:
            page.fill("#transition-comment", comment)
        with page.expect_navigation():
            page.get_by_test_id("fsm-transitions").get_by_role("button", name=button).click()
        finding.refresh_from_db()
        assert finding.status not in ("unmanaged", "lost"), (button, finding.status, page.url)
    page.context.clear_cookies()
    login("acme-hr")
    assert page.goto(url(DriftFinding, "change", lost.pk)).status in (403, 404)


def test_connector_mail_settings_and_letter_templates(page, login, seeded, artifacts):
    connector = Connector.objects.filter(tenant_id="acme").order_by("name").first()
    login("acme-admin")
    open_ok(page, url(Connector, "changelist"))
    look(page, artifacts, "connectors")
    open_ok(page, url(Connector, "change", connector.pk))
    look(page, artifacts, "connector")
    assert page.locator("input[name=consecutive_errors], textarea[name=last_error]").count() == 0  # status: shown
    settings_row = MailSettings.objects.get(tenant_id="acme")
    open_ok(page, url(MailSettings, "change", settings_row.pk))
    look(page, artifacts, "mail-settings")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".errorlist, .errornote").count() == 0
    template = LetterTemplate.objects.filter(tenant_id="acme").first()
    page.context.clear_cookies()
    login("acme-hr")
    open_ok(page, url(LetterTemplate, "change", template.pk))
    look(page, artifacts, "letter-template")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".errorlist, .errornote").count() == 0
    assert page.goto(url(MailSettings, "change", settings_row.pk)).status in (403, 404)
    assert page.goto(url(Connector, "change", connector.pk)).status in (403, 404)
