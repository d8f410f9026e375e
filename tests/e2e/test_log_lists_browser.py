"""The webhook deliveries' and notifications' lists as the tenant's admin, at desk (1440 px) and phone (390 px)
width: the event type is a list filter (offered from the listed rows), and a row is found by its whole id.
Screenshots land in artifacts/."""
import pytest
from django.urls import reverse

from tests.factories.core import EventFactory
from tests.factories.integration import WebhookDeliveryFactory, WebhookFactory
from tests.factories.notifications import NotificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = {"desk": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def logs(seeded):
    hook = WebhookFactory(tenant_id="acme", url="https://hooks.example.invalid/acme")
    created = EventFactory(tenant_id="acme", type="helpdesk.ticket.created")
    updated = EventFactory(tenant_id="acme", type="helpdesk.ticket.updated")
    return {
        "created": WebhookDeliveryFactory(tenant_id="acme", webhook=hook, event=created),
        "updated": WebhookDeliveryFactory(tenant_id="acme", webhook=hook, event=updated),
        "notified": NotificationFactory(tenant_id="acme", event=updated, recipient_id="per_acme_member"),
    }


def listed(page) -> str:
    return page.locator("#result_list").inner_text() if page.locator("#result_list").count() else ""


def test_the_admin_filters_deliveries_and_notifications_by_event_type_and_finds_one_by_its_id(page, login, logs, artifacts):
    created, updated = logs["created"], logs["updated"]
    deliveries = reverse("admin:integration_webhookdelivery_changelist")
    notifications = reverse("admin:notifications_notification_changelist")
    login("acme-admin")
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(deliveries)
        assert created.pk in listed(page) and updated.pk in listed(page)
        assert "helpdesk.ticket.updated" in page.content()  # offered as a filter choice
        page.goto(deliveries + "?event_type=helpdesk.ticket.updated")
        page.screenshot(path=str(artifacts / f"log-lists-{width}-deliveries-by-type.png"), full_page=True)
        assert updated.pk in listed(page) and created.pk not in listed(page)
        assert "9999999999" not in page.content()  # no count is made, and none is made up
        page.goto(deliveries + f"?q={created.pk}")
        assert created.pk in listed(page) and updated.pk not in listed(page)
        page.goto(deliveries + f"?q={created.pk[:-3]}")  # an id is found whole, not by a fragment
        assert created.pk not in listed(page)
        page.goto(notifications + "?event_type=helpdesk.ticket.updated")
        page.screenshot(path=str(artifacts / f"log-lists-{width}-notifications-by-type.png"), full_page=True)
        assert logs["notified"].pk in listed(page) or logs["notified"].subject in listed(page)
