"""Background work cannot strand: deliveries are found by querying for due work, so a killed
worker's delivery, a retry falling due and an event committed during a pass are all sent
without waiting for some later event."""
import time

import pytest
from django.utils import timezone
from freezegun import freeze_time

from apps.core.models import Event
from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import run_pass
from apps.integration.models import WebhookDelivery
from apps.integration.tasks import deliver_webhooks
from apps.ops.schedule import configured_jobs
from apps.ops.scheduler import Scheduler
from tests.conftest import postgres_only
from tests.ops.conftest import manage, process_env, stop
from tests.ops.task_backends import kill_worker, own_cache_table, task_backend  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_cache(settings):
    own_cache_table(settings)


def make_webhook(admin, url, **policy):
    body = {"name": "hook", "url": url, "event_types": ["helpdesk.*"],
            "retry_policy": {"maxAttempts": 4, "timeoutMs": 30_000, **policy}}
    response = admin.post("/api/v1/integration/webhooks", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def open_ticket(admin, title="x"):
    response = admin.post("/api/v1/helpdesk/tickets", {"title": title}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def wait_for(condition, timeout=60.0, message="condition"):  # generous: processes start slowly on a loaded machine
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def delivered_count() -> int:
    return WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count()


def test_a_pass_that_started_lets_the_next_event_queue_another(admin_a, own_cache, task_backend,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(admin_a, "a")
    assert task_backend.passes("READY") == 1
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(admin_a, "b")
    assert task_backend.passes("READY") == 1  # that pass is queued, not started: it will see "b"
    deliver_webhooks.call()  # the worker starts the pass
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(admin_a, "c")
    assert task_backend.passes("READY") == 2  # committed after the pass began: a new pass is queued


def test_a_retry_falls_due_and_the_scheduler_sends_it_with_no_new_event(admin_a, receiver):
    make_webhook(admin_a, receiver.url, backoff="fixed", baseDelaySeconds=1)
    receiver.script = [503]
    open_ticket(admin_a)
    assert run_pass()["retrying"] == 1
    events = Event.objects.count()
    scheduler = Scheduler([job for job in configured_jobs() if job.name == "deliver_webhooks"], owner="test")
    assert scheduler.tick() == ["deliver_webhooks"]
    assert delivered_count() == 0  # the retry is not due yet
    with freeze_time(WebhookDelivery.objects.get().next_attempt_at):  # the clock reaches the retry's time
        assert scheduler.tick(scheduler.jobs[0].next_tick(timezone.now())) == ["deliver_webhooks"]  # its next tick
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [delivery.id, delivery.id]
    assert Event.objects.count() == events


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_retry_falls_due_and_the_running_processes_send_it_with_no_new_event(admin_a, receiver, own_cache,
                                                                                task_backend):
    make_webhook(admin_a, receiver.url, backoff="fixed", baseDelaySeconds=1)
    receiver.script = [503]
    env = process_env(SCHEDULER_DELIVER_SECONDS="1", REDIS_URL="", **task_backend.env)
    worker, scheduler = task_backend.worker(env), manage("scheduler", "--only", "deliver_webhooks", env=env)
    try:
        open_ticket(admin_a)  # its pass gets a 503; the retry falls due a second later, and no event follows
        events = Event.objects.count()
        wait_for(lambda: delivered_count() == 1, message="the retry to be sent")
    finally:
        stop(worker), stop(scheduler)
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2 and [r["headers"]["webhook-id"] for r in receiver.requests] == [delivery.id] * 2
    assert Event.objects.count() == events


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_delivery_is_sent_by_the_scheduler_after_its_lease(admin_a, receiver, own_cache,
                                                                             task_backend):
    make_webhook(admin_a, receiver.url)
    receiver.delay = 30  # the receiver stalls; the worker is killed while waiting on it
    open_ticket(admin_a)
    events = Event.objects.count()
    assert task_backend.passes("READY") == 1  # the commit queued a pass
    env = process_env(WEBHOOK_LEASE_SECONDS="1", SCHEDULER_DELIVER_SECONDS="1", REDIS_URL="", **task_backend.env)
    worker = task_backend.worker(env)
    wait_for(lambda: receiver.requests, message="the worker to reach the receiver")
    kill_worker(worker)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERING and task_backend.passes("RUNNING") == 1
    receiver.delay = 0
    scheduler = manage("scheduler", "--only", "deliver_webhooks", env=env)
    try:
        wait_for(lambda: delivered_count() == 1, message="the scheduler to resend the delivery")
    finally:
        assert stop(scheduler) == 0
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [delivery.id, delivery.id]
    assert Event.objects.count() == events  # no new event was needed


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_during_a_pass_is_dispatched(admin_a, receiver, own_cache, task_backend):
    make_webhook(admin_a, receiver.url)
    env = process_env(REDIS_URL="", **task_backend.env)
    worker = task_backend.worker(env)
    try:
        deliver_webhooks.enqueue()  # a first, empty pass: the worker is up once it has run
        wait_for(lambda: task_backend.passes("SUCCESSFUL"), message="the worker to start")
        receiver.delay = 1.5  # the pass for the first event is still sending...
        open_ticket(admin_a, "first")
        wait_for(lambda: receiver.requests, message="the first delivery")
        open_ticket(admin_a, "second")  # ...when the second event commits
        wait_for(lambda: delivered_count() == 2, message="the second event's delivery (no scheduler runs)")
    finally:
        stop(worker)
    titles = sorted(d.event.payload["title"] for d in WebhookDelivery.objects.select_related("event"))
    assert titles == ["first", "second"]
