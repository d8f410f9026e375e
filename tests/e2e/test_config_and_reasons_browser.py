"""In Chromium at 1440 and 390 px, as the roles concerned: travel books a trip with its reference and
cost, an approver bulk-rejects with one reason, the tenant admin picks webhook event types and key
scopes from the registries, and HR's dashboard and sidebar hold HR's work, not tickets."""
import pytest
from django.urls import reverse

from apps.operations.models import AccessRequest, Travel

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


def shoot(page, artifacts, name: str) -> None:
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(artifacts / f"cfg27-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def test_travel_books_with_reference_and_cost(page, login, seeded, artifacts):
    trip = Travel.objects.get(tenant_id="acme", destination="London")
    login("acme-travel")
    page.goto(reverse("admin:operations_travel_change", args=[trip.pk]))
    buttons = page.get_by_test_id("fsm-transitions")
    buttons.get_by_label("booking_reference for Book").fill("LH-4711")
    buttons.get_by_label("booked_cost for Book").fill("980.50")
    shoot(page, artifacts, "travel-book")
    with page.expect_navigation():
        buttons.get_by_role("button", name="Book").click()
    trip.refresh_from_db()
    assert (trip.status, trip.booking_reference, str(trip.booked_cost)) == ("booked", "LH-4711", "980.50")
    assert page.get_by_text("LH-4711").count() >= 1  # the Outcome section
    shoot(page, artifacts, "travel-booked")


def test_an_approver_bulk_rejects_with_one_reason(page, login, seeded, artifacts):
    from apps.approvals.services import open_request_for

    # A request an approval chain decides (seed_demo's catalog request) is refused here by design: its
    # decision is taken over by its approval steps. Bulk-reject the ones decided on the request itself.
    pending = [r for r in AccessRequest.objects.filter(tenant_id="acme", status="pending").order_by("id")
               if open_request_for(tenant_id="acme", entity_id=r.pk) is None]
    assert pending
    login("acme-approver")
    page.goto(reverse("admin:operations_accessrequest_changelist") + "?status__exact=pending")
    for row in pending:
        page.locator(f'input[name=_selected_action][value="{row.pk}"]').check()
    page.select_option("select[name=action]", "bulk_reject")
    with page.expect_navigation():
        page.locator("button[type=submit][name=index], button[title='Run the selected action']").first.click()
    assert page.locator("textarea[name=bulk_reason]").count() == 1
    page.fill("textarea[name=bulk_reason]", "Budget freeze until January")
    shoot(page, artifacts, "bulk-reject-reason")
    with page.expect_navigation():
        page.get_by_role("button", name="Reject").click()
    assert {r.status for r in AccessRequest.objects.filter(pk__in=[p.pk for p in pending])} == {"rejected"}
    assert {r.rejection_reason for r in AccessRequest.objects.filter(pk__in=[p.pk for p in pending])} == {
        "Budget freeze until January"}


def test_the_admin_picks_event_types_and_scopes(page, login, seeded, artifacts):
    login("acme-admin")
    page.goto(reverse("admin:integration_webhook_add"))
    assert page.locator('select[name=event_types] option[value="operations.travel.booked"]').count() == 1
    page.select_option("select[name=event_types]", ["helpdesk.*", "operations.travel.booked"])
    shoot(page, artifacts, "webhook-add")
    page.goto(reverse("admin:integration_integrationapikey_add"))
    assert page.locator('input[name=scopes][value="helpdesk:read"]').count() == 1
    assert page.get_by_text("AI gateway (virtual LLM keys only)").count() == 1
    shoot(page, artifacts, "api-key-add")


def test_hr_sees_hr_work(page, login, seeded, artifacts):
    login("acme-hr")
    assert page.get_by_text("Tickets opened vs resolved").count() == 0
    shoot(page, artifacts, "hr-dashboard")
