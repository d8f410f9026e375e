"""What makes several workers share a backlog safely: a pass that stops at its limit queues the next
one, and a delivery whose lease ran out while it waited in a pass is not sent by that pass once
another has taken it."""
import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.core.events import emit
from apps.helpdesk.models import Ticket
from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import PER_TENANT_BATCH, _lease, _renew_leases, fan_out, lease, send_due
from apps.integration.models import WebhookDelivery
from tests.integration.conftest import Receiver
from tests.ops.task_backends import own_cache_table
from tests.ops.test_stranding import make_webhook, open_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.uncatalogued_events]  # synthetic payloads under a declared type


@pytest.fixture
def hook(admin_a, receiver, settings):
    own_cache_table(settings)
    make_webhook(admin_a, receiver.url)
    return Ticket.objects.get(pk=open_ticket(admin_a)["id"])


def updates(ticket: Ticket, count: int) -> None:
    with transaction.atomic():
        for n in range(count):
            emit(obj=ticket, action="updated", payload={"n": n})
    fan_out()


def test_a_pass_that_stops_at_its_limit_queues_the_next_and_the_last_queues_none(hook, receiver):
    updates(hook, PER_TENANT_BATCH + 4)  # with the ticket's creation: 5 more than one pass takes
    DBTaskResult.objects.all().delete()
    assert send_due(batch=PER_TENANT_BATCH)["delivered"] == PER_TENANT_BATCH
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the next pass, for another worker
    DBTaskResult.objects.all().delete()
    assert send_due(batch=PER_TENANT_BATCH)["delivered"] == 5
    assert DBTaskResult.objects.count() == 0  # nothing left: no pass queued
    assert WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).count() == 0
    assert len(receiver.requests) == PER_TENANT_BATCH + 5


def test_a_pass_leases_as_many_as_the_setting_says(hook, receiver, settings):
    settings.WEBHOOK_PASS_BATCH = 4
    updates(hook, 6)  # with the ticket's creation: 7 due
    assert send_due()["delivered"] == 4
    assert send_due()["delivered"] == 3
    assert len(receiver.requests) == 7


def test_a_delivery_another_pass_took_after_its_lease_ran_out_is_not_sent_twice(hook):
    assert fan_out() == 1  # the ticket's creation
    now = timezone.now()
    first = _lease(batch=10, now=now)  # pass A leases the delivery, then waits behind slow receivers...
    later = now + lease() + timedelta(seconds=1)
    second = _lease(batch=10, now=later)  # ...until its lease has run out and pass B takes it
    assert [d.pk for d in first] == [d.pk for d in second]
    assert _renew_leases(first) == []  # A skips it
    assert _renew_leases(second) == second  # B sends it, its lease restarted from now
    delivery = WebhookDelivery.objects.get(pk=second[0].pk)
    assert delivery.status == DeliveryStatus.DELIVERING and delivery.leased_until == second[0].leased_until


def test_a_tenant_alone_with_a_backlog_takes_the_whole_batch_and_shares_it_when_others_wait(hook, admin_b):
    updates(hook, 3 * PER_TENANT_BATCH)
    assert send_due(batch=2 * PER_TENANT_BATCH)["delivered"] == 2 * PER_TENANT_BATCH  # nobody else waits
    other = Receiver()
    try:
        make_webhook(admin_b, other.url)
        open_ticket(admin_b)
        fan_out()
        counts = send_due(batch=2 * PER_TENANT_BATCH)  # acme's remaining backlog and globex's one delivery
        assert counts["delivered"] == PER_TENANT_BATCH + 1 and len(other.requests) == 1
    finally:
        other.close()


def test_sqlite_is_development_only_for_the_delivery_pass(hook):
    """The candidate query reads each webhook's due rows through LATERAL on PostgreSQL; SQLite has no
    LATERAL and ranks every due row instead, a query production never runs. The engine declares it,
    and the pass still works there for development."""
    from django.db import connection

    from apps.integration import delivery_engine

    sql, _ = delivery_engine._due_by_hook(batch=10, now=timezone.now())
    assert delivery_engine.DEVELOPMENT_ONLY_ON_SQLITE
    assert ("CROSS JOIN LATERAL" in sql) == (connection.vendor == "postgresql")
    fan_out()
    assert send_due()["delivered"] == 1


@pytest.mark.django_db(transaction=True)
def test_only_the_record_of_a_send_commits_without_waiting_for_the_disk(hook):
    """A lost record means the delivery is sent again with the same webhook-id; a lost fan-out would
    lose the delivery, so that transaction waits for the disk as every other does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    updates(hook, 2)
    with CaptureQueriesContext(connection) as run:
        assert send_due()["delivered"] == 3
    statements = [q["sql"] for q in run.captured_queries]
    relaxed = [n for n, sql in enumerate(statements) if sql == "SET LOCAL synchronous_commit TO OFF"]
    recorded = next(n for n, sql in enumerate(statements) if "SET \"status\" = 'delivered'" in sql)
    assert relaxed and relaxed[0] < recorded
    claimed = next(n for n, sql in enumerate(statements) if "SET status = " in sql)
    assert claimed < relaxed[0]  # the lease is taken with a durable commit
    with connection.cursor() as cursor:  # and it was this transaction's only
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def _records(run) -> int:
    """How many transactions recorded deliveries as sent."""
    return sum("SET \"status\" = 'delivered'" in q["sql"] for q in run.captured_queries)


def test_chunks_that_went_well_are_recorded_together_while_their_leases_outlast_the_next(hook, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.integration.models import Webhook

    settings.WEBHOOK_SEND_CONCURRENCY = 2
    Webhook.objects.update(retry_policy={"maxAttempts": 4, "timeoutMs": 5_000})  # a chunk's bound: 20 s < the lease
    updates(hook, 7)  # with the ticket's creation: 8 due, four chunks of two
    with CaptureQueriesContext(connection) as run:
        assert send_due()["delivered"] == 8
    assert _records(run) == 1
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 8


def test_each_chunk_is_recorded_before_the_next_when_a_lease_could_run_out_meanwhile(hook, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.WEBHOOK_SEND_CONCURRENCY = 2  # the webhook's timeout of 30 s bounds a chunk at 95 s: past a lease
    updates(hook, 7)
    with CaptureQueriesContext(connection) as run:
        assert send_due()["delivered"] == 8
    assert _records(run) == 4


def test_a_lease_reaches_its_rows_by_primary_key_whatever_the_statistics(hook):
    """The lease's condition is one CASE: no index matches it, so the planner cannot walk the due-work
    index (the whole backlog, when a burst has outdated its statistics) to find a page of ids."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    updates(hook, 30)
    with CaptureQueriesContext(connection) as run:
        assert len(_lease(batch=5, now=timezone.now())) == 5
    claim = next(q["sql"] for q in run.captured_queries if q["sql"].startswith("UPDATE"))
    assert " AND CASE WHEN " in claim
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # only the indexes to choose from
            cursor.execute("EXPLAIN " + claim)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "integration_webhookdelivery_pkey" in plan and "whd_" not in plan, plan


def test_each_webhooks_due_work_is_walked_on_its_own_index_whatever_the_statistics(hook):
    """Statistics taken while the table was empty (before a burst) made the planner serve the due
    condition from whd_due and read the whole backlog once for each webhook; the LATERAL's due
    condition is one CASE no index serves, and its status list is whd_webhook_due's own condition."""
    from django.db import connection

    from apps.integration.delivery_engine import _due_by_hook

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {WebhookDelivery._meta.db_table}")  # the statistics of a quiet moment
    updates(hook, 60)
    sql, params = _due_by_hook(batch=5, now=timezone.now())
    assert "CASE WHEN" in sql or connection.vendor != "postgresql"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is read whole: the indexes to choose from
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "whd_webhook_due" in plan and "whd_due " not in plan, plan


@pytest.mark.django_db(transaction=True)
def test_a_pass_sends_while_its_fan_out_is_still_making_deliveries(hook, receiver, monkeypatch):
    """On PostgreSQL, outside a transaction, the fan-out runs on a thread and connection of its own: the
    fan-out here makes one delivery, then waits until the pass has sent it before making the rest. A pass
    that fanned out before sending would not send it meanwhile (the wait runs out, and the test says so)."""
    from django.db import connection

    from apps.integration import delivery_engine

    if connection.vendor != "postgresql":
        pytest.skip("beside the sends on PostgreSQL only; SQLite fans out first (test below)")
    sent_while_fanning_out = threading.Event()
    made = []

    def fan_out_in_two_batches():
        made.append(fan_out())  # the ticket's creation
        if _wait_for(lambda: receiver.requests):
            sent_while_fanning_out.set()
        with transaction.atomic():  # four more events commit while this fan-out runs
            for n in range(4):
                emit(obj=hook, action="updated", payload={"n": n})
        made.append(fan_out())
        return sum(made)

    monkeypatch.setattr(delivery_engine, "fan_out", fan_out_in_two_batches)
    counts = delivery_engine.run_pass()
    assert sent_while_fanning_out.is_set()
    assert made == [1, 4] and counts["fanned_out"] == 5
    assert counts["delivered"] == 5 and len(receiver.requests) == 5  # the last batch too, in the same pass
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 5


def test_inside_a_transaction_a_pass_fans_out_before_it_sends(hook, receiver, monkeypatch):
    """A thread's connection could not see the caller's uncommitted events: inside a transaction (and on
    SQLite) the fan-out runs first, in the caller's connection."""
    from apps.integration import delivery_engine

    threads = []
    monkeypatch.setattr(delivery_engine, "fan_out", lambda: threads.append(threading.current_thread()) or fan_out())
    updates_before = WebhookDelivery.objects.count()
    counts = delivery_engine.run_pass()
    assert threads == [threading.main_thread()]
    assert counts["fanned_out"] == 1 and counts["delivered"] == updates_before + 1 == len(receiver.requests)


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
