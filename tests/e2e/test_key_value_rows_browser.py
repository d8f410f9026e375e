"""Structured maps are key/value rows in the admin (apps/core/admin_maps.py): the tenant admin adds a
webhook with a header and a retry policy by rows, at 1440 and 390 px; a refused save keeps the rows as
typed, the saved record holds them, and axe finds nothing serious on the page."""
import pytest
from django.urls import reverse

from apps.integration.models import Connector, Webhook
from tests.e2e.accessibility import AXE_MISSING, axe_violations, describe

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


def shoot(page, artifacts, name: str) -> None:
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(artifacts / f"kv27-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def check_axe(page) -> None:
    if AXE_MISSING:
        pytest.skip(AXE_MISSING)
    found = axe_violations(page)
    assert not found, describe(found)


def test_the_admin_sets_webhook_headers_and_retry_policy_by_rows(page, login, seeded, artifacts, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    login("acme-admin")
    page.goto(reverse("admin:integration_webhook_add"))
    page.fill("input[name=name]", "CRM sync")
    page.fill("input[name=url]", "http://hooks.invalid/crm")
    headers, policy = page.locator("#id_headers"), page.locator("#id_retry_policy")
    headers.get_by_label("Headers: header, row 1").fill("X-Team")
    headers.get_by_label("Headers: value, row 1").fill("platform")
    headers.get_by_role("button", name="Add a row").click()
    headers.get_by_label("Headers: header, row 2").fill("X-Env")
    headers.get_by_label("Headers: value, row 2").fill("staging")
    headers.get_by_role("button", name="Add a row").click()
    headers.get_by_label("Headers: header, row 3").fill("X-Gone")
    headers.get_by_role("button", name="Remove row 2 of headers").click()  # the rows after it move up
    assert headers.get_by_label("Headers: header, row 2").input_value() == "X-Gone"
    headers.get_by_role("button", name="Remove row 2 of headers").click()
    policy.get_by_label("Retry policy: setting, row 1").select_option("maxAttempts")
    policy.get_by_label("Retry policy: value, row 1").fill("50")
    shoot(page, artifacts, "webhook-rows-typed")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    assert not Webhook.objects.filter(name="CRM sync").exists()  # refused: at most 20 attempts
    assert page.get_by_text("50 is greater than the maximum of 20").count() >= 1
    assert policy.get_by_label("Retry policy: value, row 1").input_value() == "50"  # kept as typed
    assert headers.get_by_label("Headers: header, row 1").input_value() == "X-Team"
    shoot(page, artifacts, "webhook-rows-refused")
    check_axe(page)
    policy.get_by_label("Retry policy: value, row 1").fill("7")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    webhook = Webhook.objects.get(name="CRM sync")
    assert list(webhook.headers) == ["X-Team"] and webhook.retry_policy == {"maxAttempts": 7}
    page.goto(reverse("admin:integration_webhook_change", args=[webhook.pk]))
    assert policy.get_by_label("Retry policy: setting, row 1").input_value() == "maxAttempts"
    assert policy.get_by_label("Retry policy: value, row 1").input_value() == "7"
    shoot(page, artifacts, "webhook-rows-saved")
    check_axe(page)


def test_it_reads_and_changes_a_connectors_config_by_rows(page, login, seeded, artifacts):
    connector = Connector.objects.filter(tenant_id="acme").order_by("name").first()
    before = dict(connector.config)
    login("acme-admin")
    page.goto(reverse("admin:integration_connector_change", args=[connector.pk]))
    config = page.locator("#id_config")
    names = [config.get_by_label(f"Config: name, row {i}").input_value() for i in range(1, len(before) + 1)]
    assert names == list(before)
    blank = len(before) + 1
    config.get_by_label(f"Config: name, row {blank}").fill("page_size")
    config.get_by_label(f"Config: value, row {blank}").fill("250")
    shoot(page, artifacts, "connector-config-rows")
    check_axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    connector.refresh_from_db()
    assert connector.config == {**before, "page_size": 250}  # typed: a number stays a number
