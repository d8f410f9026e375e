"""One way to consume queued work: webhook deliveries, notifications and connector steps.

A row is *claimed* with a lease (a status meaning "being worked on" and a `leased_until`), the lease is
*renewed* just before each piece of slow work, and the outcome is written only while the lease is still
the worker's own (`holding`): a worker that dies leaves the lease to run out and the next pass takes the
row again. A failure waits `backoff(attempt)` before the next try. Work is *picked fairly*: round-robin
across tenants (and across whatever the consumer partitions a tenant's work by), so one tenant's backlog
holds back no one. An outbox event is done for a consumer (`OutboxConsumer`) once the consumer marked
it, in the transaction that creates its work for it (an event is consumed once per consumer): one
mark per (consumer, event) above the consumer's cursor, below which every event is done.

The statements are the same on PostgreSQL and SQLite (UPDATE … RETURNING, window functions). SQLite
has no SKIP LOCKED, and serialises writers instead; it is the development database.
"""
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import ConsumedEvent, ConsumerProgress, Event

# A transaction that wrote an event commits within this long (statement and idle-in-transaction
# timeouts are far shorter): an event older than this that a consumer has not marked is not coming
# late, so the consumer's cursor may pass everything before it. Event ids sort by creation time.
COMMIT_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class OutboxConsumer:
    """One consumer of the outbox: its name, the event types it takes (None: all) and how far back it
    looks (the setting naming hours; None: no limit, every event is taken however late)."""

    name: str
    types: Callable[[], Collection[str]] | None = None
    lookback_setting: str | None = None

    def _mine(self, now: datetime) -> QuerySet:
        events = Event.objects.all()
        if self.types is not None:
            events = events.filter(type__in=list(self.types()))
        if self.lookback_setting is not None:
            events = events.filter(created_at__gte=now - timedelta(hours=getattr(settings, self.lookback_setting)))
        return events

    def cursor(self) -> str:
        return ConsumerProgress.objects.filter(pk=self.name).values_list("below", flat=True).first() or ""

    def pending(self, *, now: datetime | None = None) -> QuerySet:
        """The events this consumer has not done, oldest first. Each event above the cursor probes its
        mark by the unique index: the mark is a scalar subquery, never a NOT EXISTS, because the
        planner turns NOT EXISTS into an anti-join, and with statistics taken before a burst (a few
        events, no marks) it joins every event to a full scan of the marks, which grows with the square of
        the burst."""
        mark = ConsumedEvent.objects.filter(consumer=self.name, event_id=OuterRef("pk")).values("pk")[:1]
        return (self._mine(now or timezone.now()).filter(id__gte=self.cursor())
                .alias(mark=Subquery(mark)).filter(mark__isnull=True).order_by("id"))

    def done(self) -> Q:
        """Events this consumer has done (for a query on Event)."""
        return Q(id__lt=self.cursor()) | Exists(ConsumedEvent.objects.filter(consumer=self.name, event_id=OuterRef("pk")))

    def mark_done(self, events) -> None:
        """Mark `events` done, in the caller's transaction (the one creating the work for them)."""
        ConsumedEvent.objects.bulk_create([ConsumedEvent(consumer=self.name, event_id=getattr(e, "pk", e)) for e in events],
                                          ignore_conflicts=True)

    def hold(self) -> bool:
        """Take this consumer's turn for the rest of the transaction: False when another pass has it.
        One pass at a time creates the work for an event, so an event is never worked twice."""
        ConsumerProgress.objects.get_or_create(pk=self.name)
        return skip_locked(ConsumerProgress.objects.filter(pk=self.name)).values_list("pk", flat=True).first() is not None

    @transaction.atomic
    def advance(self, *, now: datetime | None = None) -> str:
        """Move the cursor past the events that are done and too old to be committed late, and drop
        their marks: a pass then reads only recent events and its backlog, however long the outbox."""
        now = now or timezone.now()
        ConsumerProgress.objects.get_or_create(pk=self.name)
        # One advance at a time, and none while a held pass makes work: marks are dropped only below
        # a cursor that is then written.
        ConsumerProgress.objects.select_for_update().get(pk=self.name)
        settled = now - COMMIT_MARGIN
        first_open = self.pending(now=now).filter(created_at__lt=settled).values_list("id", flat=True).first()
        first_recent = Event.objects.filter(created_at__gte=settled).order_by("id").values_list("id", flat=True).first()
        bounds = [pk for pk in (first_open, first_recent) if pk is not None]
        if bounds:
            below = min(bounds)
        else:  # nothing open and nothing recent: every event so far is done (an id sorts before its extension)
            below = (Event.objects.order_by("-id").values_list("id", flat=True).first() or "") + "0"
        below = max(below, self.cursor())
        ConsumerProgress.objects.update_or_create(pk=self.name, defaults={"below": below, "updated_at": now})
        ConsumedEvent.objects.filter(consumer=self.name, event_id__lt=below).delete()
        return below


def skip_locked(qs: QuerySet, *, of: tuple[str, ...] = ()) -> QuerySet:
    """Rows another worker holds are passed over (where the database can), not waited for; `of`: the
    tables to lock when the query joins others."""
    if not connection.features.has_select_for_update_skip_locked:
        return qs
    return qs.select_for_update(skip_locked=True, of=of)


def backoff(attempt: int, *, base: float, cap: float, spread: tuple[float, float] = (1.0, 1.0),
            rng: random.Random | None = None) -> timedelta:
    """The wait before try `attempt + 1` after `attempt` failed ones: `base` doubling, capped at `cap`,
    times a random factor within `spread`, so that many failures at once do not retry in step."""
    seconds = min(base * 2 ** min(max(attempt - 1, 0), 60), cap)  # a bounded exponent: no overflow after days
    low, high = spread
    if low != high:
        seconds *= (rng or random).uniform(low, high)
    return timedelta(seconds=seconds)


def update_returning(model: type[Model], *, set_sql: str, set_params: list, ids, where_sql: str = "",
                     params=()) -> set:
    """UPDATE the rows `ids` that still match `where_sql`, returning the ids it changed. One statement:
    a row another worker has locked is waited for and then re-checked (so a lease is taken or renewed
    once), and rows are reached by primary key alone. The condition is one CASE so that no index can
    serve it: a queue's due-work index matches a lease's condition, and with statistics a burst has
    outdated the planner would walk the whole backlog through it to find the ids."""
    ids = list(ids)
    if not ids:
        return set()
    table = connection.ops.quote_name(model._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    still = f"AND CASE WHEN {where_sql} THEN 1 ELSE 0 END = 1" if where_sql else ""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {set_sql} WHERE id IN ({marks}) {still} RETURNING id",
                       [*set_params, *ids, *params])
        return {row[0] for row in cursor.fetchall()}


@dataclass(frozen=True)
class Lease:
    """The lease of one queue: its model, the status values of waiting and leased rows, and the setting
    that says how long a lease lasts. `due_sql` is the consumer's own condition for a row it may claim
    (its parameters come from `due_params`)."""

    model: type[Model]
    waiting: str
    leased: str
    seconds_setting: str

    def length(self) -> timedelta:
        return timedelta(seconds=getattr(settings, self.seconds_setting))

    def expired_q(self, now: datetime) -> Q:
        return Q(status=self.leased, leased_until__lt=now)

    def claim(self, ids, *, now: datetime, due_sql: str, due_params: list) -> set:
        """Lease those of `ids` still due (another worker may have taken some meanwhile)."""
        at = connection.ops.adapt_datetimefield_value
        return update_returning(self.model, set_sql="status = %s, leased_until = %s",
                                set_params=[self.leased, at(now + self.length())], ids=ids,
                                where_sql=due_sql, params=due_params)

    def renew(self, rows: list) -> list:
        """Restart the lease on each of `rows` (objects with `pk` and `leased_until`), keeping those
        whose lease is still this worker's: work slower than a lease never does a row another worker
        has taken since."""
        if not rows:
            return []
        at = connection.ops.adapt_datetimefield_value
        until = timezone.now() + self.length()
        by_lease: dict = {}
        for row in rows:  # one lease for all a pass took, unless renewed
            by_lease.setdefault(row.leased_until, []).append(row.pk)
        ours = set()
        for leased_until, ids in by_lease.items():
            ours |= update_returning(self.model, set_sql="leased_until = %s", set_params=[at(until)], ids=ids,
                                     where_sql="status = %s AND leased_until = %s",
                                     params=[self.leased, at(leased_until)])
        for row in rows:
            row.leased_until = until
        return [row for row in rows if row.pk in ours]

    def holding(self, pk, leased_until) -> QuerySet:
        """The row, if this worker's lease on it (ending at `leased_until`) still holds: write an
        outcome through it."""
        return self.model._base_manager.filter(pk=pk, status=self.leased, leased_until=leased_until)

    def release(self, ids) -> None:
        """Give rows back to the queue unworked."""
        ids = list(ids)
        if ids:
            self.model._base_manager.filter(pk__in=ids).update(status=self.waiting, leased_until=None)


def fair_pick(ranked_sql: str, params: list, *, batch: int, per_tenant: int) -> list:
    """Ids to claim from `ranked_sql` (rows `id, tenant_id, next_attempt_at, part_rank`: due work,
    ranked inside the part of a tenant's work it belongs to), round-robin across tenants and, inside a
    tenant, across its parts. A tenant takes at most its share of the batch (the batch over the tenants
    with due work), never fewer than `per_tenant` while there is room: one tenant with a backlog takes
    a whole batch when nobody else waits, and a few rows when many do."""
    sql = f"""
        SELECT id FROM (
            SELECT id, next_attempt_at, tenant_rank, MAX(tenant_no) OVER () AS tenants FROM (
                SELECT id, next_attempt_at,
                       ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY part_rank, next_attempt_at, id) AS tenant_rank,
                       DENSE_RANK() OVER (ORDER BY tenant_id) AS tenant_no
                FROM ({ranked_sql}) ranked
            ) by_tenant
        ) counted
        WHERE tenant_rank <= CASE WHEN %s * tenants >= %s THEN %s ELSE (%s + tenants - 1) / tenants END
        ORDER BY tenant_rank, next_attempt_at, id
        LIMIT %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, per_tenant, batch, per_tenant, batch, batch])
        return [row[0] for row in cursor.fetchall()]


def fair_pick_from(qs: QuerySet, *, batch: int, per_tenant: int, at: str = "next_attempt_at") -> list:
    """`fair_pick` over a queryset of due rows (whatever filter the ORM writes for them), each tenant's
    rows in the order of the field `at`."""
    sql, params = qs.order_by().values("pk", "tenant_id", at).query.sql_with_params()  # aliased by these names
    quote = connection.ops.quote_name
    ranked = (f"SELECT due.{quote('pk')} AS id, due.{quote('tenant_id')} AS tenant_id, due.{quote(at)} AS next_attempt_at, "
              f"1 AS part_rank FROM ({sql}) due")
    return fair_pick(ranked, list(params), batch=batch, per_tenant=per_tenant)
