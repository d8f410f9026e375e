"""The tenant admin configures the product in a real browser: an SLA policy, the business calendar,
an approval chain, a webhook and an API key — each saved through the admin and checked in the
database; the webhook's signing secret and the API key are shown once, and the key works."""
import json
import re
import urllib.request

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.approvals.models import ApprovalChain
from apps.core.models import StaffMembership
from apps.helpdesk.models import BusinessCalendar, SLAPolicy
from apps.integration.models import Application, IntegrationApiKey, Webhook
from tests.e2e.conftest import autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()


def error_free(page):
    errors = page.locator(".errorlist").all_inner_texts()
    assert not errors, errors


def pick_person(page, field: str, search: str, label: str):
    """Choose a person in the field's autocomplete picker as a user does: open it, type, click."""
    page.locator(f"select[name={field}] + .select2-container").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=label).click()


def one_time_secret(page) -> str:
    return page.get_by_test_id("one-time-secret-value").inner_text().strip()


def test_admin_configures_sla_calendar_chain_webhook_and_key(page, login, seeded, artifacts, live_server, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver below is on 127.0.0.1
    login("acme-admin")

    page.goto(reverse("admin:helpdesk_slapolicy_add"))
    page.fill("[name=name]", "Security incidents")
    page.select_option("[name=priority]", "urgent")
    page.fill("[name=first_response_minutes]", "15")
    page.fill("[name=resolution_minutes]", "240")
    page.check("[name=business_hours_only]")
    page.screenshot(path=str(artifacts / "configure-sla-policy.png"), full_page=True)
    save(page)
    error_free(page)
    policy = SLAPolicy.objects.get(tenant_id="acme", name="Security incidents")
    assert (policy.priority, policy.first_response_minutes, policy.resolution_minutes, policy.business_hours_only) \
        == ("urgent", 15, 240, True)
    assert policy.created_by == "per_acme_admin"

    calendar = BusinessCalendar.objects.get(tenant_id="acme")
    page.goto(reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk]))
    page.fill("[name=time_zone]", "Europe/Vienna")
    page.fill("[name=holiday_country]", "AT")
    page.fill("[name=holiday_subdivision]", "9")
    page.fill("[name=closed_dates]", "2026-12-24, 2026-12-31")
    page.get_by_label("Saturday: closed").uncheck()  # a row per weekday: Closed, then its times
    page.get_by_label("Saturday: opens from").fill("10:00")
    page.get_by_label("Saturday: opens to").fill("14:00")
    page.screenshot(path=str(artifacts / "configure-business-calendar.png"), full_page=True)
    save(page)
    error_free(page)
    calendar.refresh_from_db()
    assert (calendar.time_zone, calendar.holiday_country, calendar.holiday_subdivision) == ("Europe/Vienna", "AT", "9")
    assert calendar.closed_dates == ["2026-12-24", "2026-12-31"]
    assert calendar.working_hours["sat"] == [["10:00", "14:00"]] and calendar.working_hours["mon"] == [["09:00", "17:00"]]

    page.goto(reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk]))
    page.fill("[name=time_zone]", "Mars/Olympus")  # a bad value is a form error, and nothing changes
    save(page)
    assert page.locator(".errorlist").count() >= 1
    calendar.refresh_from_db()
    assert calendar.time_zone == "Europe/Vienna"

    page.goto(reverse("admin:approvals_approvalchain_add"))
    page.fill("[name=name]", "Travel over budget")
    assert "Trip" not in page.locator("[name=entity_type] option").evaluate_all("els => els.map(e => e.value)")
    page.select_option("[name=entity_type]", "Travel")  # a record type approvals decide, not free text
    pick_person(page, "approver_ids", "grace", "Grace Hopper <grace.hopper@acme.example>")
    pick_person(page, "approver_ids", "lovelace", "Ada Lovelace <ada.lovelace@acme.example>")
    page.screenshot(path=str(artifacts / "configure-approval-chain.png"), full_page=True)
    page.fill("[name=due_in_hours]", "48")
    save(page)
    error_free(page)
    chain = ApprovalChain.objects.get(tenant_id="acme", name="Travel over budget")
    assert (chain.entity_type, chain.approver_ids, chain.due_in_hours) == (
        "Travel", ["per_acme_approver", "per_acme_admin"], 48)

    app = Application.objects.filter(tenant_id="acme").first()
    page.goto(reverse("admin:integration_webhook_add"))
    page.fill("[name=name]", "Audit sink")
    page.fill("[name=url]", f"{live_server.url}/receiver")
    page.select_option("select[name=event_types]", ["helpdesk.*"])  # from the event registry
    autocomplete(page, "application", app.display_name)
    save(page)
    error_free(page)
    secret = one_time_secret(page)
    hook = Webhook.objects.get(tenant_id="acme", name="Audit sink")
    assert secret.startswith("whsec_") and hook.application_id == app.pk and hook.secret_fingerprint
    page.screenshot(path=str(artifacts / "configure-webhook-secret.png"), full_page=True)
    page.reload()
    assert page.get_by_test_id("one-time-secret").count() == 0 and secret not in page.content()

    page.goto(reverse("admin:integration_integrationapikey_add"))
    page.fill("[name=name]", "Reporting")
    page.select_option("[name=kind]", "service")
    page.locator('input[name=scopes][value="helpdesk:read"]').check()  # from the scope registry
    autocomplete(page, "application", app.display_name)
    save(page)
    error_free(page)
    raw = one_time_secret(page)
    key = IntegrationApiKey.objects.get(tenant_id="acme", name="Reporting")
    assert re.match(r"^sk-", raw) and raw not in json.dumps(list(IntegrationApiKey.objects.values_list("key_hash")))
    assert key.scopes == ["helpdesk:read"] and key.application_id == app.pk
    page.screenshot(path=str(artifacts / "configure-api-key.png"), full_page=True)
    page.reload()
    assert raw not in page.content()

    request = urllib.request.Request(f"{live_server.url}/api/v1/helpdesk/tickets", headers={"X-API-Key": raw})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and "results" in json.loads(response.read())


def test_a_superuser_ticks_a_staff_members_roles(page, login, seeded, artifacts):
    User.objects.create_superuser("root", "root@example.com", "pw-0123456789-root")
    login("root", "pw-0123456789-root")
    agent = User.objects.get(username="acme-agent")
    page.goto(reverse("admin:auth_user_change", args=[agent.pk]))
    page.locator("input[name=membership-0-roles][value=hr]").check()
    page.screenshot(path=str(artifacts / "configure-staff-roles.png"), full_page=True)
    save(page)
    error_free(page)
    assert set(StaffMembership.objects.get(user=agent).roles) == {"agent", "hr"}
