"""A receiver that answers 500 for a while, or answers too slowly: every event reaches it, each
under its own stable `webhook-id`; repeats are only of the same ids (a response that came after
the timeout), and the backlog drains by itself once the receiver is well. The passes run here in
a loop, as the scheduler runs them."""
import json
import threading
import time
from collections import Counter

import pytest
from django.db import close_old_connections

from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import run_pass
from apps.integration.models import Webhook, WebhookDelivery
from tests.integration.conftest import Receiver
from tests.integration.test_webhook_delivery import make_webhook

pytestmark = pytest.mark.django_db(transaction=True)
EVENTS = 60


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def quick_breaker(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 5
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 1
    settings.WEBHOOK_PROBE_BASE_SECONDS = 1
    settings.WEBHOOK_PROBE_MAX_SECONDS = 2


def write_events(admin, n: int, *, spread: float) -> None:
    for i in range(n):
        assert admin.post("/api/v1/helpdesk/tickets", {"title": f"e{i}"}, format="json").status_code == 201
        time.sleep(spread / n)


def drain(deadline: float) -> None:
    """Passes until nothing waits (the scheduler's loop, faster)."""
    while time.monotonic() < deadline:
        close_old_connections()
        run_pass()
        waiting = WebhookDelivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING])
        if not waiting.exists():
            return
        time.sleep(0.2)


def delivered_once_each(receiver) -> Counter:
    ok = Counter()
    for request in receiver.requests:
        ok[request["headers"]["webhook-id"]] += 1
    return ok


def test_a_receiver_down_for_a_while_loses_no_event(admin_a, receiver, quick_breaker):
    hook = make_webhook(admin_a, receiver.url, retry_policy={"maxAttempts": 3, "timeoutMs": 1000, "baseDelaySeconds": 1})
    receiver.script = [500] * 10_000
    stop = threading.Event()

    def heal():  # the receiver comes back after a few seconds
        stop.wait(4)
        receiver.script = []

    healer = threading.Thread(target=heal)
    healer.start()
    started = time.monotonic()
    write_events(admin_a, EVENTS, spread=3)
    drain(started + 120)
    healer.join()
    took = time.monotonic() - started
    deliveries = WebhookDelivery.objects.filter(webhook_id=hook["id"])
    assert deliveries.count() == EVENTS
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}  # zero lost
    ids = set(deliveries.values_list("id", flat=True))
    assert set(delivered_once_each(receiver)) == ids  # every request carried one of the deliveries' ids
    assert Webhook.objects.get(pk=hook["id"]).paused_at is None
    print(f"receiver 500s for 4 s: {EVENTS} events, all delivered {took:.1f} s after the first")


def test_a_slow_receiver_gets_every_event_and_repeats_only_timed_out_ids(admin_a, receiver, quick_breaker):
    hook = make_webhook(admin_a, receiver.url, retry_policy={"maxAttempts": 3, "timeoutMs": 300, "baseDelaySeconds": 1})
    receiver.delay = 0.6  # slower than the timeout: each request is processed, but counted as failed

    def heal():
        time.sleep(3)
        receiver.delay = 0.0

    healer = threading.Thread(target=heal)
    healer.start()
    started = time.monotonic()
    write_events(admin_a, 20, spread=1)
    drain(started + 120)
    healer.join()
    deliveries = WebhookDelivery.objects.filter(webhook_id=hook["id"])
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    seen = delivered_once_each(receiver)
    assert set(seen) == set(deliveries.values_list("id", flat=True))
    repeats = sum(n - 1 for n in seen.values())
    attempts = sum(deliveries.values_list("attempts", flat=True))
    assert repeats <= attempts - deliveries.count()  # a repeat only where an attempt timed out
    titles = {json.loads(r["body"])["data"]["title"] for r in receiver.requests}
    assert titles == {f"e{i}" for i in range(20)}
    print(f"slow receiver: 20 events, {repeats} repeats of the same webhook-id")
