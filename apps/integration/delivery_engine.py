"""Outbox events to webhook deliveries (fan-out) and deliveries to HTTP (send), both resumable.

Fan-out marks an event done for the `webhooks` consumer (apps/core/outbox_consumer.py) in the same
transaction that creates its deliveries, so an event is fanned out exactly once. A send leases its deliveries; a worker killed mid-send leaves
the lease to expire and the next pass sends again with the same `webhook-id`.
"""
import json
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.ids import new_id
from apps.core.outbox_consumer import Lease, OutboxConsumer, fair_pick

from . import breaker
from .choices import DeliveryStatus, Direction
from .models import Webhook, WebhookDelivery
from .outbound import RetryPolicy, next_delay, parse_retry_policy, post, sign
from .secret_store import secret_store
from .webhook_headers import header_problem

logger = logging.getLogger(__name__)
# Deliveries one tenant may take of one send pass: a tenant with a backlog or slow receivers
# cannot hold back the others (they are leased round-robin, and each tenant's webhooks in turn).
PER_TENANT_BATCH = 25


WEBHOOKS = OutboxConsumer("webhooks")  # every event, however late
LEASE = Lease(model=WebhookDelivery, waiting=str(DeliveryStatus.PENDING), leased=str(DeliveryStatus.DELIVERING),
              seconds_setting="WEBHOOK_LEASE_SECONDS")


def lease() -> timedelta:
    return LEASE.length()


def fan_out(*, batch: int = 500) -> int:
    """Turn undispatched events into deliveries; returns how many deliveries were created."""
    created = 0
    while True:
        with transaction.atomic():
            if not WEBHOOKS.hold():  # another pass is fanning out: it takes these events
                return created
            events = list(WEBHOOKS.pending()[:batch])
            if not events:
                return created
            tenants = {e.tenant_id for e in events}
            # a paused webhook gets its deliveries too: they wait for the breaker to close
            hooks = list(Webhook.objects.filter(tenant_id__in=tenants, enabled=True,
                                                direction=Direction.OUTBOUND).select_related("application"))
            now = timezone.now()
            rows = [WebhookDelivery(id=new_id("msg"), tenant_id=e.tenant_id, webhook_id=h.pk, event_id=e.pk, event_type=e.type,
                                    next_attempt_at=now, created_at=now, updated_at=now)
                    for e in events for h in hooks if h.tenant_id == e.tenant_id and h.receives(e)]
            WebhookDelivery.objects.bulk_create(rows, batch_size=1000)
            WEBHOOKS.mark_done(events)
            created += len(rows)
        if len(events) < batch:
            return created


def relaxed_commit() -> None:
    """This transaction's COMMIT returns before its WAL reaches the disk (PostgreSQL's
    `synchronous_commit = off`, for this transaction only). Only a crash of the database server can
    lose it, within a fraction of a second; what it loses here is the record that a delivery was sent
    or failed, so the delivery is sent again with the same `webhook-id` (at least once, as after a
    worker dies mid-send). Never for a write that must not be lost."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _due_sql(prefix: str = "") -> str:
    """Due: pending, or leased by a pass whose lease ran out; and its attempt time has come
    (the parameters: now, pending, delivering, now)."""
    return (f"{prefix}next_attempt_at <= %s AND ({prefix}status = %s OR ({prefix}status = %s "
            f"AND {prefix}leased_until < %s))")


_DUE = _due_sql("d.")
_LIVE = "w.enabled AND w.paused_at IS NULL AND NOT w.is_deleted"


# The candidate query differs on SQLite (no LATERAL): production runs on PostgreSQL only.
DEVELOPMENT_ONLY_ON_SQLITE = True


def _due_by_hook(*, batch: int, now) -> tuple[str, list]:
    """Due deliveries of live webhooks ranked inside their webhook. On PostgreSQL each webhook's
    first `batch` come from the partial index (a LATERAL per webhook), so a pass reads a bounded
    number of rows per webhook however large the backlog (its later rows could not be chosen
    anyway). SQLite, without LATERAL, ranks all due rows: SQLite is development-only for this pass
    (DEVELOPMENT_ONLY_ON_SQLITE; tests/ops/test_delivery_passes.py says so)."""
    quote = connection.ops.quote_name
    delivery, webhook = quote(WebhookDelivery._meta.db_table), quote(Webhook._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    due = [at, str(DeliveryStatus.PENDING), str(DeliveryStatus.DELIVERING), at]
    rank = "ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) AS part_rank"
    if connection.vendor == "postgresql":
        # The status list is the partial index's own condition; the due condition is one CASE, which no
        # index serves: the walk is whd_webhook_due's, whatever the statistics. (The planner, told by
        # statistics from before a burst that the table is empty, served the due condition from whd_due
        # and read the whole backlog once for each webhook.)
        waiting = [str(DeliveryStatus.PENDING), str(DeliveryStatus.DELIVERING)]
        return f"""
            SELECT d.id, d.tenant_id, d.next_attempt_at, {rank}
            FROM {webhook} w CROSS JOIN LATERAL (
                SELECT d.id, d.tenant_id, d.webhook_id, d.next_attempt_at FROM {delivery} d
                WHERE d.webhook_id = w.id AND d.status IN (%s, %s) AND CASE WHEN {_DUE} THEN 1 ELSE 0 END = 1
                ORDER BY d.next_attempt_at, d.id LIMIT %s) d
            WHERE {_LIVE}""", [*waiting, *due, batch]
    return f"""
        SELECT d.id, d.tenant_id, d.next_attempt_at, {rank}
        FROM {delivery} d JOIN {webhook} w ON w.id = d.webhook_id
        WHERE {_DUE} AND {_LIVE}""", due


def _fair_candidates(*, batch: int, per_tenant: int, now) -> list[str]:
    """Due deliveries of live webhooks, round-robin across tenants and, inside a tenant, across its
    webhooks (apps.core.outbox_consumer.fair_pick)."""
    by_hook, params = _due_by_hook(batch=batch, now=now)
    return fair_pick(by_hook, params, batch=batch, per_tenant=per_tenant)


def _lease(*, batch: int, now, per_tenant: int = PER_TENANT_BATCH) -> list[WebhookDelivery]:
    candidates = _fair_candidates(batch=batch, per_tenant=per_tenant, now=now)
    if not candidates:
        return []
    at = connection.ops.adapt_datetimefield_value
    due = [at(now), str(DeliveryStatus.PENDING), str(DeliveryStatus.DELIVERING), at(now)]
    ids = LEASE.claim(candidates, now=now, due_sql=_due_sql(), due_params=due)
    order = {pk: i for i, pk in enumerate(candidates)}
    # A pass's deliveries share a few webhooks and events: each is read once and shared (a join would
    # build it again, JSON fields and all, for every delivery).
    leased = WebhookDelivery.objects.filter(pk__in=ids).prefetch_related("webhook", "event")
    return sorted(leased, key=lambda d: order[d.pk])


def _excluded_fields(entity_type: str) -> set[str]:
    """Fields a model keeps out of event payloads (and their alias names); events written before a
    field was excluded are cleaned when sent."""
    try:
        model = apps.get_model(entity_type)
    except (LookupError, ValueError):
        return set()
    excluded = set(getattr(model, "event_payload_exclude", ()))
    return excluded | {alias for alias, canonical in getattr(model, "field_aliases", {}).items() if canonical in excluded}


def message_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    payload = event.payload
    excluded = _excluded_fields(event.entity_type)
    if excluded and isinstance(payload, dict):
        payload = {k: v for k, v in payload.items() if k not in excluded}
    return json.dumps({"type": event.type, "timestamp": event.created_at.isoformat(),
                       "data": payload}, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class Outcome:
    """What sending one delivery came to; `request` is None when it failed before any HTTP."""

    delivery: WebhookDelivery
    policy: RetryPolicy
    request: dict | None = None
    status_code: int | None = None
    error: str | None = None
    probe: bool = False  # the one request a paused webhook's breaker lets through


@dataclass
class PassMemo:
    """What a pass reads once, not per delivery: each webhook's stored secrets and each event's message."""

    secrets: dict = field(default_factory=dict)
    bodies: dict = field(default_factory=dict)

    def body(self, delivery: WebhookDelivery) -> bytes:
        """The event's message: the same bytes for each webhook it goes to."""
        if delivery.event_id not in self.bodies:
            self.bodies[delivery.event_id] = message_body(delivery)
        return self.bodies[delivery.event_id]


@lru_cache(maxsize=1024)
def _parsed_policy(raw: str) -> RetryPolicy:
    return parse_retry_policy(json.loads(raw))


def _checked_policy(webhook: Webhook) -> RetryPolicy:
    """The webhook's retry policy (ValueError when it does not fit its shape), parsed once per distinct policy."""
    return _parsed_policy(json.dumps(webhook.retry_policy, sort_keys=True))


def _policy(webhook: Webhook) -> RetryPolicy:
    try:
        return _checked_policy(webhook)
    except ValueError:
        return RetryPolicy()


def _prepare(delivery: WebhookDelivery, *, memo: PassMemo) -> Outcome:
    """The signed request for `delivery`, or why it cannot be sent."""
    webhook = delivery.webhook
    secrets = memo.secrets
    outcome = Outcome(delivery=delivery, policy=_checked_policy(webhook))
    try:
        if webhook.vault_path not in secrets:
            secrets[webhook.vault_path] = secret_store().get(webhook.vault_path) or {}
        stored = secrets[webhook.vault_path]
    except Exception as exc:  # e.g. Fernet InvalidToken after SECRET_KEY changed without SECRET_STORE_KEY
        outcome.error = (f"secret store: cannot read this webhook's secrets ({type(exc).__name__}); "
                         "was SECRET_KEY or SECRET_STORE_KEY changed?")
        return outcome
    secret = stored.get("secret")
    if not secret:
        outcome.error = "signing secret missing from the secret store"
        return outcome
    custom = stored.get("headers") or {}
    for name, value in custom.items():
        if problem := header_problem(name, value):
            outcome.error = f"custom header refused: {problem}; fix the webhook's headers"
            return outcome
    body = memo.body(delivery)
    headers = {**custom, **sign(secret=secret, msg_id=delivery.pk, timestamp=int(time.time()), body=body)}
    outcome.request = {"url": webhook.url, "body": body, "headers": headers,
                       "timeout": outcome.policy.timeout_ms / 1000, "allow_private": settings.WEBHOOK_ALLOW_PRIVATE_TARGETS}
    return outcome


def _prepare_isolated(delivery: WebhookDelivery, *, memo: PassMemo) -> Outcome:
    """_prepare whose failure, whatever it is, fails this delivery only (retried per policy)."""
    try:
        return _prepare(delivery, memo=memo)
    except Exception as exc:
        logger.warning("webhook delivery %s could not be prepared", delivery.pk, exc_info=True)
        return Outcome(delivery=delivery, policy=_policy(delivery.webhook), error=f"{type(exc).__name__}: {exc}"[:500])


def _send(outcome: Outcome) -> Outcome:
    """The HTTP part, run on the pass's threads (no database access here)."""
    if outcome.request is not None:
        result = post(**outcome.request)
        outcome.status_code, outcome.error = result.status_code, None if result.ok else result.error
    return outcome


def _failed_delivery_changes(outcome: Outcome, now) -> dict:
    attempts = outcome.delivery.attempts + 1
    if outcome.probe and outcome.status_code != 410:
        return {"status": DeliveryStatus.PENDING}  # a failed probe keeps its place at the head of the backlog
    if outcome.status_code == 410 or attempts >= outcome.policy.max_attempts:
        return {"status": DeliveryStatus.FAILED}
    return {"status": DeliveryStatus.PENDING,
            "next_attempt_at": now + timedelta(seconds=next_delay(policy=outcome.policy, attempt=attempts))}


def _webhook_changes(outcomes: list[Outcome], now) -> dict:
    """One webhook's summary of a chunk's outcomes, in the order they were sent."""
    last = outcomes[-1]
    changes = {"last_delivery_at": now,
               "last_delivery_status": "delivered" if last.error is None else (f"HTTP {last.status_code}" if last.status_code else "error")}
    since_success = 0
    for outcome in outcomes:
        since_success = 0 if outcome.error is None else since_success + 1
    if since_success < len(outcomes):  # a success in the chunk ends the run (a new one may follow it)
        changes["consecutive_failures"] = Value(since_success)
        changes["failing_since"] = now if since_success else None
    else:
        changes["consecutive_failures"] = F("consecutive_failures") + since_success
        changes["failing_since"] = Coalesce(F("failing_since"), Value(now, output_field=DateTimeField()))
    if any(o.error is not None and o.status_code == 410 for o in outcomes):
        changes["enabled"] = False
    return changes


@transaction.atomic
def _record(outcomes: list[Outcome], *, unsummarised: dict[str, list[Outcome]]) -> set[str]:
    """Write a chunk's outcomes: the deliveries (the successes in one statement per status code),
    and the summary of each webhook that failed in it (which may pause it). A webhook that only
    succeeds is summarised once, at the end of the pass; returns the webhooks that stopped."""
    now = timezone.now()
    relaxed_commit()
    delivered: dict[int | None, list[str]] = {}
    for outcome in outcomes:
        unsummarised.setdefault(outcome.delivery.webhook_id, []).append(outcome)
        if outcome.error is None:
            delivered.setdefault(outcome.status_code, []).append(outcome.delivery.pk)
        else:
            WebhookDelivery.objects.filter(pk=outcome.delivery.pk).update(
                attempts=F("attempts") + 1, last_status_code=outcome.status_code, last_error=outcome.error,
                leased_until=None, updated_at=now, **_failed_delivery_changes(outcome, now))
    for status_code, ids in delivered.items():
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.DELIVERED, delivered_at=now, attempts=F("attempts") + 1,
            last_status_code=status_code, last_error="", leased_until=None, updated_at=now)
    failing = {o.delivery.webhook_id for o in outcomes if o.error is not None}
    return _summarise({pk: unsummarised.pop(pk) for pk in failing}, now=now) if failing else set()


@transaction.atomic
def _summarise(by_webhook: dict[str, list[Outcome]], *, now) -> set[str]:
    """Each webhook's last delivery, its run of failures (which pauses it) and a 410 (which disables
    it), from its outcomes in the order they were sent. Webhook rows are updated, never locked for
    a read, so concurrent passes do not queue on them."""
    stopped = set()
    for webhook_id, sent in sorted(by_webhook.items()):  # one order for every pass: no deadlock between them
        changes = _webhook_changes(sent, now)
        Webhook.objects.filter(pk=webhook_id).update(**changes, updated_at=F("updated_at"))
        if changes.get("enabled") is False:
            stopped.add(webhook_id)
        if sent[-1].error is not None and breaker.trip(webhook_id, now=now):
            stopped.add(webhook_id)
    return stopped


def _stopped_at_a_limit(leased: list[WebhookDelivery], *, batch: int, per_tenant: int) -> bool:
    """Whether a pass took as many as it may (so due work may be left), rather than all there was."""
    per_tenant_taken = Counter(d.tenant_id for d in leased)
    return len(leased) >= batch or max(per_tenant_taken.values(), default=0) >= per_tenant


def _renew_leases(deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    """Restart this pass's lease on each of `deliveries` just before sending them, keeping those
    whose lease is still this pass's. Chunks of a pass are sent one after another: behind slow
    receivers a late chunk's lease can run out and another pass (another worker) take it, and it
    must not go twice."""
    return LEASE.renew(deliveries)


def _release(deliveries: list[WebhookDelivery]) -> None:
    LEASE.release(d.pk for d in deliveries)


def _take(upcoming: list[WebhookDelivery], *, stopped: set[str]) -> list[WebhookDelivery]:
    """The next chunk to send: deliveries of stopped webhooks go back to the queue; a lease that
    would not outlast the chunk's sends is renewed (those another pass took meanwhile are
    dropped). A lease with time to spare cannot have been taken: passes take only expired ones."""
    _release([d for d in upcoming if d.webhook_id in stopped])
    live = [d for d in upcoming if d.webhook_id not in stopped]
    if not live:
        return []
    needed = max(_send_time_bound(d.webhook) for d in live)
    if min(d.leased_until for d in live) > timezone.now() + needed:
        return live
    return _renew_leases(live)


def _send_time_bound(webhook: Webhook) -> timedelta:
    """A generous bound on how long a chunk's send to `webhook` can take (connect and read each
    have the timeout), plus room for recording it."""
    return timedelta(milliseconds=3 * _policy(webhook).timeout_ms) + timedelta(seconds=5)


# Successes recorded in one transaction, at most: a record per chunk would cost a commit per few sends.
RECORD_AT_MOST = 64


def _may_record_later(unrecorded: list[Outcome], *, sending: list[WebhookDelivery]) -> bool:
    """Whether chunks that all went well may wait to be recorded with the one now `sending`: fewer than
    RECORD_AT_MOST are waiting, and each of their leases outlasts that chunk's sends (so no other pass
    can take and send one again before it is recorded). Failures never wait: their record may pause
    a webhook."""
    if not sending or len(unrecorded) >= RECORD_AT_MOST:
        return False
    needed = max(_send_time_bound(d.webhook) for d in sending)
    return min(o.delivery.leased_until for o in unrecorded) > timezone.now() + needed


def _lease_probe(webhook_id: str, *, now) -> str | None:
    """Lease the oldest waiting delivery of a paused webhook, due or on a backoff: the backlog is in
    the order its deliveries were made (their ids sort by creation), and the probe is its head."""
    waiting = Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.DELIVERING, leased_until__lt=now)
    first = (WebhookDelivery.objects.filter(waiting, webhook_id=webhook_id)
             .order_by("id").values_list("pk", flat=True).first())
    if first is None:
        return None
    at = connection.ops.adapt_datetimefield_value
    taken = LEASE.claim([first], now=now, due_sql="(status = %s OR (status = %s AND leased_until < %s))",
                        due_params=[str(DeliveryStatus.PENDING), str(DeliveryStatus.DELIVERING), at(now)])
    return first if taken else None


def send_probes(*, now=None, limit: int = 100) -> dict[str, int]:
    """The half-open step: one request to each paused webhook whose probe is due. A 2xx resumes the
    webhook (its backlog due at once, in order); a failure re-opens it with a longer wait."""
    counts = {"probed": 0, "resumed": 0}
    now = now or timezone.now()
    probes = []
    for webhook_id in breaker.claim_probes(now=now, limit=limit):
        delivery_id = _lease_probe(webhook_id, now=now)
        if delivery_id is None:
            breaker.nothing_to_probe(webhook_id, now=now)
        else:
            probes.append(delivery_id)
    if not probes:
        return counts
    memo = PassMemo()
    outcomes = []
    for delivery in WebhookDelivery.objects.filter(pk__in=probes).select_related("webhook", "event"):
        outcome = _prepare_isolated(delivery, memo=memo)
        outcome.probe = True
        outcomes.append(outcome)
    with ThreadPoolExecutor(max_workers=min(max(1, settings.WEBHOOK_SEND_CONCURRENCY), len(outcomes)),
                            thread_name_prefix="webhook-probe") as pool:
        outcomes = list(pool.map(_send, outcomes))
    recorded_at = timezone.now()
    with transaction.atomic():
        unsummarised: dict[str, list[Outcome]] = {}
        _record(outcomes, unsummarised=unsummarised)
        _summarise(unsummarised, now=recorded_at)
        for outcome in outcomes:
            webhook_id = outcome.delivery.webhook_id
            if outcome.error is None:
                breaker.resumed_by_probe(webhook_id, now=recorded_at)
                counts["resumed"] += 1
            elif outcome.status_code != 410:  # a 410 disabled it: no more probes
                breaker.probe_failed(webhook_id, now=recorded_at)
    counts["probed"] = len(outcomes)
    return counts


def send_due(*, batch: int | None = None, per_tenant: int = PER_TENANT_BATCH, now=None) -> dict[str, int]:
    """Send what is due (at most `batch`, else `WEBHOOK_PASS_BATCH`), `WEBHOOK_SEND_CONCURRENCY` requests
    at a time, on the pass's threads. While
    chunks that went well are recorded the next one is already sending (a few chunks in one
    transaction, `_may_record_later`); after a failure the next waits for the record, so that a
    webhook it paused gets nothing more."""
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    now = now or timezone.now()
    batch = batch or settings.WEBHOOK_PASS_BATCH
    leased = _lease(batch=batch, per_tenant=per_tenant, now=now)
    if _stopped_at_a_limit(leased, batch=batch, per_tenant=per_tenant):
        # probably a backlog: another worker's pass takes the next share meanwhile (or finds nothing)
        from .receivers import request_pass

        request_pass()
    if not leased:
        return counts
    width = max(1, settings.WEBHOOK_SEND_CONCURRENCY)
    chunks = [leased[start:start + width] for start in range(0, len(leased), width)]
    memo = PassMemo()
    stopped = {d.webhook_id for d in leased if not d.webhook.enabled or d.webhook.paused_at or d.webhook.is_deleted}
    unsummarised: dict[str, list[Outcome]] = {}
    with ThreadPoolExecutor(max_workers=min(width, len(leased)), thread_name_prefix="webhook-send") as pool:

        def start(chunk: list[WebhookDelivery]) -> list:
            return [pool.submit(_send, _prepare_isolated(d, memo=memo)) for d in _take(chunk, stopped=stopped)]

        sending, unrecorded = start(chunks[0]), []
        for upcoming in [*chunks[1:], []]:
            outcomes = [future.result() for future in sending]
            went_well = all(outcome.error is None for outcome in outcomes)
            sending = start(upcoming) if went_well else []
            unrecorded += outcomes
            if went_well and _may_record_later(unrecorded, sending=upcoming):
                continue
            try:
                if unrecorded:
                    stopped |= _record(unrecorded, unsummarised=unsummarised)
            except Exception:  # e.g. the database went away: the leases run out and a later pass retries
                logger.exception("could not record %d webhook deliveries", len(unrecorded))
                counts["retrying"] += len(unrecorded) + len(sending)
                break
            if not went_well:
                sending = start(upcoming)
            for outcome in unrecorded:
                counts["delivered" if outcome.error is None else "retrying" if
                       _failed_delivery_changes(outcome, now)["status"] == DeliveryStatus.PENDING else "failed"] += 1
            unrecorded = []
    try:
        _summarise(unsummarised, now=timezone.now())
    except Exception:  # the deliveries are recorded; only the webhooks' last-delivery summary is late
        logger.exception("could not summarise the deliveries of %d webhooks", len(unsummarised))
    return counts


class _FanOutBeside:
    """A pass's fan-out on a thread and a database connection of its own, beside the pass's sends: the
    inserts wait on the database while the sends wait on their receivers, so a burst's first deliveries
    go out while the rest are being made. Inside a transaction (a test's, a caller's) the thread could not
    see the caller's uncommitted events, and SQLite serialises writers: there the fan-out runs first, in
    the caller's connection, as it would without a thread."""

    def __init__(self):
        self.pool = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-fan-out")
            self.future = self.pool.submit(self._on_own_connection)
        else:
            self.fanned_out = fan_out()

    @staticmethod
    def _on_own_connection() -> int:
        try:
            return fan_out()
        finally:
            connection.close()  # this thread's

    def running(self) -> bool:
        return self.pool is not None and not self.future.done()

    def wait(self, seconds: float) -> None:
        if self.running():
            wait([self.future], timeout=seconds)

    def result(self) -> int:
        if self.pool is None:
            return self.fanned_out
        try:
            return self.future.result()
        finally:
            self.pool.shutdown()


def run_pass() -> dict[str, int]:
    """Fan out, let paused webhooks probe (a probe that resumes one drains its backlog in this same
    pass) and send what is due, again while the fan-out runs beside (`_FanOutBeside`). The backlog's
    retention is the scheduler's (`breaker.expire_backlog`)."""
    fanning_out = _FanOutBeside()
    try:
        probes = send_probes()
        counts = Counter()
        while True:
            made_all = not fanning_out.running()  # then this round sends what its last batch made
            sent = send_due()
            counts.update(sent)
            if made_all:
                break
            if not any(sent.values()):
                fanning_out.wait(0.05)  # nothing due yet: the fan-out's next batch
    finally:
        fanned_out = fanning_out.result()
    WEBHOOKS.advance()
    counts = {"fanned_out": fanned_out, "delivered": 0, "retrying": 0, "failed": 0, **counts}
    if probes["probed"]:
        counts.update(probes)
    return counts


@transaction.atomic
def replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (same webhook-id), e.g. after fixing the receiver."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(),
                                                          leased_until=None)
    delivery.refresh_from_db()
    return delivery
