"""Scale-out on Redis: two RQ worker processes and a scheduler deliver 1,000 events to three real
receivers while one worker is SIGKILLed in the middle of a send to a slow receiver. Every delivery
arrives at least once under its own stable `webhook-id`, never twice at the same time, and every
row ends `delivered`."""
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from apps.core.events import emit
from apps.core.models import Event
from apps.helpdesk.models import Ticket
from apps.integration.choices import DeliveryStatus
from apps.integration.models import WebhookDelivery
from tests.conftest import postgres_only
from tests.ops.conftest import manage, process_env, stop
from tests.ops.task_backends import children, kill_worker, own_cache_table, requires_redis, rq_tasks, socket_owner
from tests.ops.test_stranding import make_webhook, open_ticket, wait_for

pytestmark = [pytest.mark.slow, requires_redis, postgres_only, pytest.mark.django_db(transaction=True),
              pytest.mark.uncatalogued_events]  # synthetic payloads under a declared type
EVENTS, BATCH = 1_000, 50
SEND_CONCURRENCY = 4  # requests one worker's pass has in flight
LEASE_SECONDS, HOLD_SECONDS = 4, 2.0  # the held request ends before its lease does: a resend cannot overlap it
DELIVERY_TIMEOUT = 120


class RecordingReceiver:
    """A real HTTP receiver on 127.0.0.1 recording each request's `webhook-id` and any id that is
    being received twice at the same time. Armed, it holds the first request sent by one of the
    given processes for HOLD_SECONDS and reports the sender's pid."""

    def __init__(self):
        self.ids: list[str] = []
        self.overlaps: list[str] = []
        self.in_flight: set[str] = set()
        self.lock = threading.Lock()
        self.trap_pids: Callable[[], list[int]] | None = None  # the pids a held request may come from
        self.hold_after = 0  # requests received before one is held
        self.held: dict = {}
        self.holding = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                msg_id = self.headers["webhook-id"]
                with receiver.lock:
                    if msg_id in receiver.in_flight:
                        receiver.overlaps.append(msg_id)
                    receiver.in_flight.add(msg_id)
                    receiver.ids.append(msg_id)
                try:
                    receiver.maybe_hold(msg_id, self.client_address[1])
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:  # the held request's sender was killed
                    pass
                finally:
                    with receiver.lock:
                        receiver.in_flight.discard(msg_id)

            def finish(self):
                try:
                    super().finish()
                except OSError:  # the response to a killed sender
                    pass

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the listen backlog: a pass connects WEBHOOK_SEND_CONCURRENCY at once

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def maybe_hold(self, msg_id: str, client_port: int) -> None:
        with self.lock:
            armed = self.trap_pids and not self.held and len(self.ids) > self.hold_after
            pids = self.trap_pids() if armed else []
            sender = socket_owner(client_port, pids) if pids else None
            if sender is not None:
                self.held = {"id": msg_id, "pid": sender}
                self.trap_pids = None
        if sender is not None:
            self.holding.set()
            time.sleep(HOLD_SECONDS)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    started = [RecordingReceiver() for _ in range(3)]
    yield started
    for receiver in started:
        receiver.close()


def emit_events(ticket: Ticket) -> None:
    """EVENTS outbox events in transactions of BATCH, each committed while the workers send."""
    for start in range(0, EVENTS, BATCH):
        with transaction.atomic():
            for n in range(start, start + BATCH):
                emit(obj=ticket, action="updated", payload={"n": n})


def delivered() -> int:
    return WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count()


def kill_on_hold(receiver: RecordingReceiver, workers: list) -> threading.Thread:
    """SIGKILL the worker whose request the receiver holds, the moment it holds it."""
    def run():
        if receiver.holding.wait(60):
            victim = next(w for w in workers if receiver.held["pid"] in (w.pid, *children(w.pid)))
            receiver.held["killed"] = kill_worker(victim)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_two_rq_workers_deliver_every_event_once_at_a_time_through_a_kill(admin_a, receivers, settings, tmp_path):
    own_cache_table(settings)
    with rq_tasks(settings) as backend:
        ticket = Ticket.objects.get(pk=open_ticket(admin_a, "scale-out")["id"])  # its pass waits for the workers
        hooks = [make_webhook(admin_a, r.url, backoff="fixed", baseDelaySeconds=1) for r in receivers]
        env = process_env(REDIS_URL="", WEBHOOK_LEASE_SECONDS=str(LEASE_SECONDS), SCHEDULER_DELIVER_SECONDS="1",
                          WEBHOOK_SEND_CONCURRENCY=str(SEND_CONCURRENCY),
                          **backend.env)
        logs = [open(tmp_path / f"{name}.log", "w") for name in ("worker-1", "worker-2", "scheduler")]
        workers = [backend.worker(env, log=logs[0]), backend.worker(env, log=logs[1])]
        scheduler = manage("scheduler", "--only", "deliver_webhooks", env=env, log=logs[2])
        slow = receivers[2]
        try:
            wait_for(lambda: backend.workers() == 2, timeout=30, message="both RQ workers to register")
            started = time.monotonic()
            # The slow receiver holds the first request a worker (or the job it forked) sends it, and
            # that worker dies mid-send, with its request open and the rest of its pass's leases held.
            slow.hold_after = EVENTS // 3  # both workers are busy by then
            slow.trap_pids = lambda: [pid for w in workers if w.poll() is None for pid in (w.pid, *children(w.pid))]
            killer = kill_on_hold(slow, workers)
            emit_events(ticket)
            killer.join(60)
            assert slow.held.get("killed"), "no worker was killed while the slow receiver held its request"
            expected = len(hooks) * Event.objects.filter(type__startswith="helpdesk.").count()
            deadline = time.monotonic() + DELIVERY_TIMEOUT
            while time.monotonic() < deadline and delivered() < expected:
                time.sleep(0.1)
            elapsed = time.monotonic() - started
        finally:
            for process in (*workers, scheduler):
                stop(process)
            for log in logs:
                log.close()

        deliveries = list(WebhookDelivery.objects.values_list("id", "webhook_id", "status"))
        assert len(deliveries) == expected == 3 * (EVENTS + 1)  # the ticket's creation and its 1,000 updates
        statuses = Counter(status for _, _, status in deliveries)
        assert statuses == {DeliveryStatus.DELIVERED: expected}, f"after {elapsed:.0f}s: {dict(statuses)}"
        for hook, receiver in zip(hooks, receivers, strict=True):
            sent = {pk for pk, webhook_id, _ in deliveries if webhook_id == hook["id"]}
            assert set(receiver.ids) == sent  # each arrived, under the id its row has (and nothing else)
            assert receiver.overlaps == []  # never the same id twice at once
        repeats = Counter({msg_id: n for r in receivers for msg_id, n in Counter(r.ids).items() if n > 1})
        # Only the dead worker's chunk came twice: the held request and those it sent alongside
        # but had not recorded yet.
        assert slow.held["id"] in repeats and len(repeats) <= SEND_CONCURRENCY, dict(repeats)
        assert set(repeats.values()) == {2}
        print(f"\n{expected} deliveries in {elapsed:.1f}s: 2 RQ workers (pids {[w.pid for w in workers]}, "
              f"killed {slow.held['killed']}), {backend.passes('SUCCESSFUL')} passes finished on RQ")
