"""Outbox events delivered to a real HTTP receiver on 127.0.0.1, signed per Standard Webhooks."""
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook as StandardWebhook

from apps.core.models import Event
from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import fan_out, run_pass, send_due
from apps.integration.models import Webhook, WebhookDelivery
from apps.integration.outbound import RetryPolicy, next_delay
from tests.conftest import postgres_only

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integration"


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def make_webhook(admin, url, **extra):
    body = {"name": "hook", "url": url, "event_types": ["helpdesk.*"],
            "retry_policy": {"maxAttempts": 4, "backoff": "exponential", "timeoutMs": 2000}, **extra}
    response = admin.post(f"{BASE}/webhooks", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def due_now():
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_delivery_is_signed_and_verifiable(admin_a, receiver):
    hook = make_webhook(admin_a, receiver.url)
    ticket = admin_a.post("/api/v1/helpdesk/tickets", {"title": "Printer"}, format="json").json()
    admin_a.post("/api/v1/operations/travel", {"requester_id": "x", "purpose": "p", "destination": "d",
                                               "departure_at": "2030-01-01T00:00:00Z", "return_at": "2030-01-02T00:00:00Z"},
                 format="json")
    counts = run_pass()
    assert counts["fanned_out"] == 1 and counts["delivered"] == 1  # travel is not subscribed
    request = receiver.requests[0]
    payload = StandardWebhook(hook["secret"]).verify(request["body"], request["headers"])
    assert payload["type"] == "helpdesk.ticket.created" and payload["data"]["id"] == ticket["id"]
    delivery = WebhookDelivery.objects.get()
    assert request["headers"]["webhook-id"] == delivery.id and delivery.status == DeliveryStatus.DELIVERED
    stamped = Webhook.objects.get(id=hook["id"])
    assert stamped.last_delivery_status == "delivered" and stamped.last_delivery_at and stamped.consecutive_failures == 0
    with pytest.raises(Exception):
        StandardWebhook("whsec_" + "A" * 43 + "=").verify(request["body"], request["headers"])
    listed = admin_a.get(f"{BASE}/webhooks/{hook['id']}/deliveries").json()["results"]
    assert [d["id"] for d in listed] == [delivery.id]
    assert run_pass() == {"fanned_out": 0, "delivered": 0, "retrying": 0, "failed": 0}


def test_failing_receiver_is_retried_with_one_webhook_id(admin_a, receiver):
    make_webhook(admin_a, receiver.url)
    receiver.script = [500, 503]
    admin_a.post("/api/v1/helpdesk/tickets", {"title": "x"}, format="json")
    assert run_pass()["retrying"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
    assert send_due()["delivered"] == 0  # not due yet: backoff
    due_now()
    assert send_due()["retrying"] == 1
    due_now()
    assert send_due()["delivered"] == 1
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and ids == {delivery.id}
    assert Webhook.objects.get().consecutive_failures == 0


def test_gives_up_after_max_attempts_and_pauses_after_n_failures(admin_a, receiver, settings):
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 3
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0  # the run's span is tests/integration/test_webhook_breaker.py's
    hook = make_webhook(admin_a, receiver.url, retry_policy={"maxAttempts": 2})
    receiver.script = [500] * 10
    for title in ("a", "b"):
        admin_a.post("/api/v1/helpdesk/tickets", {"title": title}, format="json")
    run_pass()
    due_now()
    send_due()
    paused = Webhook.objects.get(id=hook["id"])
    assert paused.paused_at is not None and paused.consecutive_failures >= 3
    # the deliveries that gave up during the run wait in the paused webhook's backlog
    assert sorted(WebhookDelivery.objects.values_list("status", flat=True)) == ["pending", "pending"]
    admin_a.post("/api/v1/helpdesk/tickets", {"title": "c"}, format="json")
    assert fan_out() == 1  # a paused webhook still gets its deliveries; they wait
    assert send_due()["delivered"] == 0 and len(receiver.requests) == 4
    resumed = admin_a.patch(f"{BASE}/webhooks/{hook['id']}", {"enabled": True}, format="json").json()
    assert resumed["paused_at"] is None and resumed["consecutive_failures"] == 0
    receiver.script = []
    assert send_due()["delivered"] == 3


def test_410_disables_the_webhook(admin_a, receiver):
    hook = make_webhook(admin_a, receiver.url)
    receiver.script = [410]
    admin_a.post("/api/v1/helpdesk/tickets", {"title": "x"}, format="json")
    assert run_pass()["failed"] == 1
    assert Webhook.objects.get(id=hook["id"]).enabled is False


def test_refused_target_at_send_time(admin_a, receiver, settings):
    make_webhook(admin_a, receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # e.g. DNS now points somewhere private
    admin_a.post("/api/v1/helpdesk/tickets", {"title": "x"}, format="json")
    run_pass()
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().last_error.startswith("ssrf_refused")


def test_wildcards_and_tenants(admin_a, admin_b, receiver):
    make_webhook(admin_a, receiver.url, event_types=["*"])
    make_webhook(admin_b, receiver.url, event_types=["helpdesk.ticket.created"])
    admin_a.post("/api/v1/helpdesk/sla-policies", {"name": "p", "priority": "low", "first_response_minutes": 1,
                                                  "resolution_minutes": 2}, format="json")
    admin_b.post("/api/v1/helpdesk/tickets", {"title": "b"}, format="json")
    run_pass()
    by_tenant = sorted(WebhookDelivery.objects.values_list("tenant_id", "event_type"))
    assert ("acme", "helpdesk.sla_policy.created") in by_tenant and ("globex", "helpdesk.ticket.created") in by_tenant
    assert all(t == "acme" for t, e in by_tenant if e.startswith("helpdesk.sla_policy")) and len(by_tenant) == 3


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(base_seconds=10, max_delay_seconds=100)
    delays = [next_delay(policy=policy, attempt=n) for n in range(1, 8)]
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20 and all(50 <= d <= 100 for d in delays[4:])


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_no_event_lost_when_the_worker_is_killed_mid_delivery(admin_a, receiver, settings):
    settings.WEBHOOK_LEASE_SECONDS = 1
    hook = make_webhook(admin_a, receiver.url)
    receiver.delay = 30  # the receiver stalls; the worker is killed while waiting
    admin_a.post("/api/v1/helpdesk/tickets", {"title": "x"}, format="json")
    db = django_settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "SECRET_KEY": django_settings.SECRET_KEY,
           "WEBHOOK_LEASE_SECONDS": "1"}
    worker = subprocess.Popen([sys.executable, "manage.py", "deliver_webhooks", "--once"], env=env,
                              cwd=django_settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while not receiver.requests and time.time() < deadline:
        time.sleep(0.1)
    assert receiver.requests, "the worker never reached the receiver"
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivering" and delivery.delivered_at is None
    receiver.delay = 0
    lease_end = delivery.leased_until
    assert send_due(now=lease_end - timedelta(milliseconds=1))["delivered"] == 0  # the lease still holds
    assert send_due(now=lease_end + timedelta(milliseconds=1))["delivered"] == 1  # the dead worker's lease ran out
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {delivery.id}
    assert WebhookDelivery.objects.get().status == "delivered"
    connection.close()
    assert hook["id"]
