"""The one consumer framework (apps.core.outbox_consumer) that webhook deliveries, notifications and
connector steps run on: leases that are claimed once, renewed only by their holder and guard the
outcome; backoff; a fair pick across tenants. On the database the suite runs on (PostgreSQL, SQLite)."""
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.outbox_consumer import backoff, fair_pick
from apps.notifications.choices import NotificationStatus as S
from apps.notifications.engine import LEASE
from apps.notifications.models import Notification
from tests.factories.core import TenantFactory

pytestmark = pytest.mark.django_db


def test_backoff_doubles_up_to_its_cap_with_jitter_around_it():
    assert [backoff(n, base=10, cap=60).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    spread = {backoff(2, base=10, cap=60, spread=(0.8, 1.2), rng=random.Random(seed)).total_seconds() for seed in range(50)}
    assert min(spread) >= 16 and max(spread) <= 24 and len(spread) > 1


def queued(tenant: str, n: int, **extra) -> list[Notification]:
    TenantFactory(id=tenant, name=tenant)
    rows = [Notification(id=f"ntf_{tenant}_{i:03}", tenant_id=tenant, recipient_id=f"per_{i}", kind="x",
                         event_type="x", status=S.PENDING, next_attempt_at=timezone.now() - timedelta(seconds=1),
                         **extra) for i in range(n)]
    return Notification.objects.bulk_create(rows)


def due(now) -> tuple[str, list]:
    at = connection.ops.adapt_datetimefield_value(now)
    return "next_attempt_at <= %s AND (status = %s OR (status = %s AND leased_until < %s))", [at, S.PENDING, S.SENDING, at]


def test_a_lease_is_claimed_once_renewed_by_its_holder_only_and_guards_the_outcome():
    rows = queued("acme", 2)
    now = timezone.now()
    sql, params = due(now)
    assert LEASE.claim([r.pk for r in rows], now=now, due_sql=sql, due_params=params) == {r.pk for r in rows}
    assert LEASE.claim([r.pk for r in rows], now=now, due_sql=sql, due_params=params) == set()  # taken
    mine = list(Notification.objects.filter(pk__in=[r.pk for r in rows]).order_by("id"))
    later = now + LEASE.length() + timedelta(seconds=1)  # the lease ran out: another worker takes one
    sql, params = due(later)
    assert LEASE.claim([mine[0].pk], now=later, due_sql=sql, due_params=params) == {mine[0].pk}
    stale = mine[0].leased_until
    assert [r.pk for r in LEASE.renew(mine)] == [mine[1].pk]  # the first is no longer ours
    assert LEASE.holding(mine[0].pk, stale).update(status=S.SENT) == 0  # our outcome is not written
    assert LEASE.holding(mine[1].pk, mine[1].leased_until).update(status=S.SENT) == 1
    LEASE.release([mine[0].pk])
    assert Notification.objects.get(pk=mine[0].pk).status == S.PENDING


def test_the_fair_pick_takes_turns_across_tenants():
    queued("acme", 30)
    queued("globex", 3)
    table = connection.ops.quote_name(Notification._meta.db_table)
    ranked = f"SELECT id, tenant_id, next_attempt_at, 1 AS part_rank FROM {table} WHERE status = %s"
    picked = fair_pick(ranked, [S.PENDING], batch=10, per_tenant=2)
    tenants = [pk.split("_")[1] for pk in picked]
    # a share each (half the batch): acme's backlog takes 5, globex its 3, none starved
    assert (tenants.count("acme"), tenants.count("globex")) == (5, 3)
    assert tenants[:4] == ["acme", "globex", "acme", "globex"] or tenants[:4] == ["globex", "acme", "globex", "acme"]


def test_backoff_stays_capped_after_any_number_of_attempts():
    assert backoff(100_000, base=0.5, cap=15, spread=(0.5, 1.0)).total_seconds() <= 15


def test_a_consumers_cursor_passes_only_settled_done_events_and_drops_their_marks():
    from apps.core.models import ConsumedEvent
    from apps.core.outbox_consumer import COMMIT_MARGIN, OutboxConsumer
    from tests.factories.core import EventFactory

    consumer = OutboxConsumer("test")
    old = timezone.now() - COMMIT_MARGIN - timedelta(minutes=1)
    done_early, open_old, done_late = (EventFactory(created_at=old) for _ in range(3))
    consumer.mark_done([done_early, done_late])
    assert consumer.advance() == open_old.pk  # an old event not done holds the cursor back
    assert list(ConsumedEvent.objects.filter(consumer="test").values_list("event_id", flat=True)) == [done_late.pk]
    assert list(consumer.pending().values_list("pk", flat=True)) == [open_old.pk]
    consumer.mark_done([open_old])
    recent = EventFactory()
    assert consumer.advance() == recent.pk  # a recent one may still have older siblings committing
    assert not ConsumedEvent.objects.filter(consumer="test").exists() and list(consumer.pending()) == [recent]
    consumer.mark_done([recent])
    recent.created_at = old
    recent.save()
    assert consumer.advance() > recent.pk and not consumer.pending().exists()  # all settled and done


BURST = 3000


def _events(n: int, *, like) -> list:
    from apps.core.ids import new_id
    from apps.core.models import Event

    return Event.objects.bulk_create(Event(id=new_id("evt"), tenant_id=like.tenant_id, type=like.type, entity_type=like.entity_type,
                                           entity_id=like.entity_id, payload={"n": n}) for n in range(n))


def test_pending_events_probe_their_marks_whatever_the_statistics():
    """With the statistics of a quiet moment (the cursor past every event, the marks dropped: a table of
    empty pages) the planner took the marks for empty and the events above the cursor for one: NOT
    EXISTS became an anti-join reading every mark for each event of the next burst, seconds for a
    fan-out pass with nothing to do. A scalar subquery cannot become a join: each event probes its
    mark by an index, whatever the statistics."""
    from apps.core.models import ConsumedEvent, ConsumerProgress, Event
    from apps.core.outbox_consumer import OutboxConsumer
    from tests.factories.core import EventFactory

    consumer = OutboxConsumer("test")
    first = EventFactory()
    settled = _events(BURST, like=first)
    consumer.mark_done(settled)
    ConsumedEvent.objects.filter(consumer="test").delete()  # as the cursor's advance drops them
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Event._meta.db_table}, {ConsumedEvent._meta.db_table}")
    burst = _events(BURST, like=first)
    ConsumerProgress.objects.update_or_create(pk="test", defaults={"below": burst[0].pk})
    consumer.mark_done(burst[:-1])
    pending = consumer.pending()
    assert list(pending.values_list("pk", flat=True)) == [burst[-1].pk]
    sql, params = pending.query.sql_with_params()
    assert "EXISTS" not in sql and " LIMIT 1) IS NULL" in sql
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]["Plan"]

        def nodes(node):
            yield node
            for child in node.get("Plans", ()):
                yield from nodes(child)

        assert not any("Join" in node["Node Type"] for node in nodes(plan)), plan
        marks = [node for node in nodes(plan) if node.get("Relation Name") == ConsumedEvent._meta.db_table]
        assert marks and all("event_id" in node.get("Index Cond", "") for node in marks), plan  # a probe per event
