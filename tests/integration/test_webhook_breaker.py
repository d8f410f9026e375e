"""A paused webhook keeps its events: the circuit breaker (closed, open, half-open probe), the
backlog and its retention, resume in order, and "replay from …" (service and admin page), against
a real receiver on 127.0.0.1."""
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Event
from apps.core.principal import Principal
from apps.integration.breaker import expire_backlog
from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import fan_out, run_pass, send_due, send_probes
from apps.integration.models import Webhook, WebhookDelivery
from apps.integration.services import webhook_replay
from apps.ops.schedule import default_jobs
from tests.factories import StaffMembershipFactory
from tests.factories.core import TenantFactory
from tests.integration.test_webhook_delivery import BASE, make_webhook

pytestmark = pytest.mark.django_db
ADMIN = Principal(person_id="per_admin_a", tenant_id="acme", roles=frozenset({"admin"}), source_type="api")


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def tickets(admin, n: int, prefix: str = "t") -> None:
    for i in range(n):
        assert admin.post("/api/v1/helpdesk/tickets", {"title": f"{prefix}{i}"}, format="json").status_code == 201


def sent_titles(receiver) -> list[str]:
    return [json.loads(r["body"])["data"]["title"] for r in receiver.requests]


def all_due() -> None:
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_one_pass_of_parallel_failures_does_not_pause(admin_a, receiver, settings):
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 5  # a 16-wide burst is far more than 5, but spans no time
    hook = make_webhook(admin_a, receiver.url)
    tickets(admin_a, 16)
    receiver.script = [500] * 16
    assert run_pass()["retrying"] == 16
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.paused_at is None and webhook.consecutive_failures == 16 and webhook.failing_since is not None


def test_a_run_of_failures_spanning_the_window_pauses(admin_a, receiver, settings):
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 3
    hook = make_webhook(admin_a, receiver.url)
    tickets(admin_a, 3)
    receiver.script = [500] * 3
    run_pass()
    assert Webhook.objects.get(pk=hook["id"]).paused_at is None
    Webhook.objects.filter(pk=hook["id"]).update(failing_since=timezone.now() - timedelta(seconds=181))
    tickets(admin_a, 1, "late")
    receiver.script = [500]
    fan_out()
    send_due()
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.paused_at is not None and webhook.probe_at > timezone.now()
    assert Event.objects.filter(type="integration.webhook.paused", entity_id=hook["id"]).count() == 1


def test_a_paused_webhook_keeps_every_event_and_resume_drains_them_in_order(admin_a, receiver, settings):
    settings.WEBHOOK_SEND_CONCURRENCY = 1  # one request at a time: the receiver sees the order they are sent in
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 2
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    hook = make_webhook(admin_a, receiver.url, retry_policy={"maxAttempts": 1, "timeoutMs": 2000})
    tickets(admin_a, 2, "a")
    receiver.script = [500, 500]
    run_pass()  # both give up at once (maxAttempts 1), and the run pauses the webhook
    assert Webhook.objects.get(pk=hook["id"]).paused_at is not None
    tickets(admin_a, 5, "b")
    assert run_pass()["fanned_out"] == 5  # deliveries are still created …
    assert len(receiver.requests) == 2  # … and nothing is sent while paused
    waiting = WebhookDelivery.objects.filter(webhook_id=hook["id"], status=DeliveryStatus.PENDING)
    assert waiting.count() == 7  # the two that gave up in the run are back in the backlog
    receiver.requests.clear()
    assert admin_a.patch(f"{BASE}/webhooks/{hook['id']}", {"paused_at": None}, format="json").status_code == 200
    assert send_due()["delivered"] == 7
    assert sent_titles(receiver) == ["a0", "a1", "b0", "b1", "b2", "b3", "b4"]
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert len(set(ids)) == 7 and set(ids) == set(WebhookDelivery.objects.values_list("id", flat=True))


def test_the_half_open_probe_sends_one_request_and_backs_off_then_resumes(admin_a, receiver, settings):
    settings.WEBHOOK_SEND_CONCURRENCY = 1
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 1
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    hook = make_webhook(admin_a, receiver.url, retry_policy={"maxAttempts": 2, "timeoutMs": 2000})
    tickets(admin_a, 1, "first")
    receiver.script = [500]
    run_pass()
    tickets(admin_a, 4, "then")
    fan_out()
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.paused_at is not None and webhook.failed_probes == 0
    assert send_probes() == {"probed": 0, "resumed": 0}  # not due yet
    for failed in (1, 2, 3):  # each failed probe: one request, the webhook stays paused, the wait grows
        before = len(receiver.requests)
        Webhook.objects.filter(pk=hook["id"]).update(probe_at=timezone.now() - timedelta(seconds=1))
        receiver.script = [503]
        assert send_probes() == {"probed": 1, "resumed": 0}
        assert len(receiver.requests) == before + 1 and sent_titles(receiver)[-1] == "first0"
        webhook = Webhook.objects.get(pk=hook["id"])
        assert webhook.paused_at is not None and webhook.failed_probes == failed
        wait = (webhook.probe_at - timezone.now()).total_seconds()
        base = settings.WEBHOOK_PROBE_BASE_SECONDS * 2 ** failed
        assert 0.7 * base <= wait <= base
    # the probe's delivery exhausted its attempts, yet stays at the head of the backlog
    head = WebhookDelivery.objects.get(webhook_id=hook["id"], event__payload__title="first0")
    assert head.status == DeliveryStatus.PENDING and head.attempts == 4
    Webhook.objects.filter(pk=hook["id"]).update(probe_at=timezone.now() - timedelta(seconds=1))
    receiver.requests.clear()
    counts = run_pass()  # the probe succeeds and the same pass drains the backlog in order
    assert counts["resumed"] == 1 and counts["delivered"] == 4
    assert sent_titles(receiver) == ["first0", "then0", "then1", "then2", "then3"]
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.paused_at is None and webhook.probe_at is None and webhook.failed_probes == 0
    assert webhook.consecutive_failures == 0
    assert Event.objects.filter(type="integration.webhook.resumed", entity_id=hook["id"]).count() == 1


def test_two_passes_never_probe_one_webhook_at_once(admin_a, receiver, settings):
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 1
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    hook = make_webhook(admin_a, receiver.url)
    tickets(admin_a, 3)
    receiver.script = [500] * 3
    run_pass()
    Webhook.objects.filter(pk=hook["id"]).update(probe_at=timezone.now() - timedelta(seconds=1))
    from apps.integration.breaker import claim_probes

    assert claim_probes(now=timezone.now(), limit=10) == [hook["id"]]
    assert claim_probes(now=timezone.now(), limit=10) == []  # claimed: the other pass finds nothing


def test_a_paused_backlog_is_kept_for_its_retention_then_gives_up(admin_a, receiver, settings):
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 1
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    hook = make_webhook(admin_a, receiver.url)
    tickets(admin_a, 3)
    receiver.script = [500] * 3
    run_pass()
    assert expire_backlog() == 0
    old = timezone.now() - timedelta(days=settings.WEBHOOK_BACKLOG_RETENTION_DAYS, seconds=1)
    first = WebhookDelivery.objects.filter(webhook_id=hook["id"]).order_by("id").first()
    WebhookDelivery.objects.filter(pk=first.pk).update(created_at=old)
    run_pass()
    first.refresh_from_db()
    assert first.status == DeliveryStatus.PENDING  # retention is the scheduler's hourly job, not each pass's
    retention = next(job for job in default_jobs() if job.name == "webhook_backlog_retention")
    assert retention.every == 3600 and retention.run() == 1
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED and "expired" in first.last_error
    assert WebhookDelivery.objects.filter(webhook_id=hook["id"], status=DeliveryStatus.PENDING).count() == 2


def test_replay_from_a_time_range_requeues_and_backfills_with_actor_history_and_event(admin_a, receiver, settings):
    settings.WEBHOOK_SEND_CONCURRENCY = 1
    hook = make_webhook(admin_a, receiver.url)
    tickets(admin_a, 2, "before")
    run_pass()
    assert len(receiver.requests) == 2
    since = timezone.now()
    Webhook.objects.filter(pk=hook["id"]).update(enabled=False)
    tickets(admin_a, 2, "off")  # no deliveries while disabled
    assert run_pass()["fanned_out"] == 0
    webhook = Webhook.objects.get(pk=hook["id"])
    delivered = list(WebhookDelivery.objects.filter(webhook=webhook).values_list("id", flat=True))
    with pytest.raises(ValidationError):
        webhook_replay(actor=ADMIN, webhook=webhook, since=since, until=since - timedelta(minutes=1))
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 2  # the refused replay changed nothing
    count = webhook_replay(actor=ADMIN, webhook=webhook, since=since - timedelta(hours=1))
    assert count == 4
    history = webhook.history.order_by("-history_date").first()
    assert history.history_user_id == "per_admin_a" and "replayed 4 deliveries" in history.history_change_reason
    event = Event.objects.get(type="integration.webhook.replayed", entity_id=hook["id"])
    assert event.actor_id == "per_admin_a" and event.payload["deliveries"] == 4
    Webhook.objects.filter(pk=hook["id"]).update(enabled=True)
    receiver.requests.clear()
    assert send_due()["delivered"] == 4
    assert sent_titles(receiver) == ["before0", "before1", "off0", "off1"]
    assert {r["headers"]["webhook-id"] for r in receiver.requests[:2]} == set(delivered)  # same webhook-id


def test_the_admin_shows_the_backlog_and_replays_a_range(admin_a, receiver, client, settings):
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 1
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    hook = make_webhook(admin_a, receiver.url)
    tickets(admin_a, 3)
    receiver.script = [500] * 3
    run_pass()
    staff = StaffMembershipFactory(tenant=TenantFactory(id="acme"), user__username="acme-hooks-admin", roles=["admin"])
    client.force_login(staff.user)
    page = client.get(reverse("admin:integration_webhook_change", args=[hook["id"]])).content.decode()
    assert "Paused since" in page and "3 deliveries waiting" in page and "Replay from" in page
    listing = client.get(reverse("admin:integration_webhook_changelist")).content.decode()
    assert "hook" in listing
    url = reverse("admin:integration_webhook_replay", args=[hook["id"]])
    assert client.get(url).status_code == 200
    before = list(WebhookDelivery.objects.order_by("id").values_list("id", "status", "attempts"))
    refused = client.post(url, {"since": "2030-01-01T00:00"})
    assert refused.status_code == 400 and "must start in the past" in refused.content.decode()
    refused = client.post(url, {"since": "not a time"})
    assert refused.status_code == 400
    assert list(WebhookDelivery.objects.order_by("id").values_list("id", "status", "attempts")) == before
    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    done = client.post(url, {"since": since})
    assert done.status_code == 302
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {0}
    assert Event.objects.filter(type="integration.webhook.replayed", actor_id=staff.person_id).count() == 1
    other = StaffMembershipFactory(tenant=TenantFactory(id="globex"), user__username="globex-hooks-admin", roles=["admin"])
    client.force_login(other.user)
    assert client.get(url).status_code == 404  # another tenant's webhook


def test_a_response_arriving_exactly_at_the_timeout_is_recorded_once(admin_a, receiver):
    """The receiver answers as the client's timeout runs out: each attempt ends as one outcome (sent,
    or timed out and due again), never both; a repeat carries the same webhook-id."""
    hook = make_webhook(admin_a, receiver.url, retry_policy={"maxAttempts": 4, "timeoutMs": 300, "baseDelaySeconds": 1})
    tickets(admin_a, 5)
    receiver.delay = 0.3
    run_pass()
    deliveries = list(WebhookDelivery.objects.filter(webhook_id=hook["id"]))
    assert len(receiver.requests) == 5 and [d.attempts for d in deliveries] == [1] * 5
    for delivery in deliveries:
        assert delivery.status == DeliveryStatus.DELIVERED or (
            delivery.status == DeliveryStatus.PENDING and "timed out" in delivery.last_error), delivery.last_error
    timed_out = {d.pk for d in deliveries if d.status == DeliveryStatus.PENDING}
    receiver.delay = 0.0
    all_due()
    run_pass()
    again = [r["headers"]["webhook-id"] for r in receiver.requests[5:]]
    assert sorted(again) == sorted(timed_out)  # only the timed-out ones, under their own ids
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert sum(WebhookDelivery.objects.values_list("attempts", flat=True)) == len(receiver.requests)
