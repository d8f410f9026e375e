"""Deliveries at volume: created in bulk, sent a bounded number at a time, and recorded without
locking the webhook row each delivery updates."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core.events import emit
from apps.helpdesk.models import Ticket
from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import fan_out, send_due
from apps.integration.models import Webhook, WebhookDelivery
from tests.integration.test_webhook_delivery import make_webhook

pytestmark = [pytest.mark.django_db, pytest.mark.uncatalogued_events]  # synthetic payloads under a declared type


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def ticket_updates(admin, count: int) -> Ticket:
    response = admin.post("/api/v1/helpdesk/tickets", {"title": "Printer", "description": "jammed"}, format="json")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    with transaction.atomic():
        for n in range(count):
            emit(obj=ticket, action="updated", payload={"n": n})
    return ticket


def statements(context, *, verb: str, table: str) -> list[str]:
    return [q["sql"] for q in context.captured_queries if q["sql"].lstrip().upper().startswith(verb) and table in q["sql"]]


def test_fan_out_creates_the_deliveries_of_a_batch_in_one_insert(admin_a, receiver):
    for _ in range(3):
        make_webhook(admin_a, receiver.url)
    ticket_updates(admin_a, 19)
    with CaptureQueriesContext(connection) as context:
        assert fan_out() == 3 * 20
    assert len(statements(context, verb="INSERT", table="integration_webhookdelivery")) == 1
    ids = list(WebhookDelivery.objects.values_list("id", flat=True))
    assert len(set(ids)) == 60 and all(pk.startswith("msg_") for pk in ids)


def test_a_pass_sends_at_most_the_configured_number_at_once(admin_a, receiver, settings):
    settings.WEBHOOK_SEND_CONCURRENCY = 3
    receiver.delay = 0.3
    make_webhook(admin_a, receiver.url)
    ticket_updates(admin_a, 8)
    fan_out()
    assert send_due()["delivered"] == 9
    assert receiver.max_in_flight == 3  # concurrent, and never more than the bound
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 9


def test_recording_never_locks_the_webhook_row_and_updates_it_once_a_pass(admin_a, receiver, settings):
    settings.WEBHOOK_SEND_CONCURRENCY = 4
    hook = make_webhook(admin_a, receiver.url)
    ticket_updates(admin_a, 11)
    fan_out()
    with CaptureQueriesContext(connection) as context:
        assert send_due()["delivered"] == 12
    webhook_sql = [q["sql"] for q in context.captured_queries if 'FROM "integration_webhook"' in q["sql"]
                   or 'UPDATE "integration_webhook"' in q["sql"]]
    assert not [sql for sql in webhook_sql if "FOR UPDATE" in sql]
    assert len(statements(context, verb="UPDATE", table='"integration_webhook"')) == 1  # all went well
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.last_delivery_status == "delivered" and webhook.consecutive_failures == 0


def test_consecutive_failures_count_across_chunks_and_a_success_resets_them(admin_a, receiver, settings):
    settings.WEBHOOK_SEND_CONCURRENCY = 2
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 10
    hook = make_webhook(admin_a, receiver.url)
    ticket_updates(admin_a, 4)  # five deliveries, sent in chunks of two
    fan_out()
    receiver.script = [500, 500, 500]
    assert send_due() == {"delivered": 2, "retrying": 3, "failed": 0}
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.consecutive_failures == 0 and webhook.last_delivery_status == "delivered"
    retried = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert retried.count() == 3 and set(retried.values_list("attempts", flat=True)) == {1}


def test_failures_across_chunks_pause_the_webhook_once(admin_a, receiver, settings):
    settings.WEBHOOK_SEND_CONCURRENCY = 2
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 3
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    hook = make_webhook(admin_a, receiver.url)
    ticket_updates(admin_a, 5)  # six deliveries: the third failure pauses, the rest wait
    fan_out()
    receiver.script = [500] * 6
    counts = send_due()
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.paused_at is not None and webhook.consecutive_failures == 4  # chunks of two: 2, then 4
    assert counts == {"delivered": 0, "retrying": 4, "failed": 0}
    assert len(receiver.requests) == 4  # nothing sent after the pause
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0, leased_until__isnull=True).count() == 2
    from apps.core.models import Event

    assert Event.objects.filter(type="integration.webhook.paused").count() == 1
