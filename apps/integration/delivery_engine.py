"""Outbox events to webhook deliveries (fan-out) and deliveries to HTTP (send), both resumable.

Fan-out marks an event dispatched in the same transaction that creates its deliveries, so an
event is fanned out exactly once. A send leases its deliveries; a worker killed mid-send leaves
the lease to expire and the next pass sends again with the same `webhook-id`.
"""
import json
import logging
import time
from collections import Counter
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core import events
from apps.core.models import Event
from apps.core.principal import system_principal

from .choices import DeliveryStatus, Direction
from .models import Webhook, WebhookDelivery
from .outbound import RetryPolicy, next_delay, parse_retry_policy, post, sign
from .secret_store import secret_store
from .webhook_headers import header_problem

logger = logging.getLogger(__name__)
# Deliveries one tenant may take of one send pass: a tenant with a backlog or slow receivers
# cannot hold back the others (they are leased round-robin, and each tenant's webhooks in turn).
PER_TENANT_BATCH = 25


def lease() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)


def pause_after() -> int:
    return settings.WEBHOOK_PAUSE_AFTER_FAILURES


def _skip_locked(qs):
    return qs.select_for_update(skip_locked=True) if connection.features.has_select_for_update_skip_locked else qs


def fan_out(*, batch: int = 500) -> int:
    """Turn undispatched events into deliveries; returns how many deliveries were created."""
    created = 0
    while True:
        with transaction.atomic():
            events = list(_skip_locked(Event.objects.filter(dispatched_at__isnull=True).order_by("id"))[:batch])
            if not events:
                return created
            tenants = {e.tenant_id for e in events}
            hooks = list(Webhook.objects.filter(tenant_id__in=tenants, enabled=True, paused_at__isnull=True,
                                                direction=Direction.OUTBOUND).select_related("application"))
            rows = [WebhookDelivery(tenant_id=e.tenant_id, webhook=h, event=e, event_type=e.type)
                    for e in events for h in hooks if h.tenant_id == e.tenant_id and h.receives(e)]
            for row in rows:
                row.id = None
                row.save()  # ids come from save(); a few hundred rows per batch
            Event.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=timezone.now())
            created += len(rows)
        if len(events) < batch:
            return created


def _due_q(now) -> Q:
    return Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.DELIVERING, leased_until__lt=now)


def _fair_candidates(*, batch: int, per_tenant: int, now) -> list[str]:
    """Due deliveries of live webhooks, round-robin across tenants and, inside a tenant, across its
    webhooks; at most `per_tenant` of one tenant."""
    quote = connection.ops.quote_name
    delivery, webhook = quote(WebhookDelivery._meta.db_table), quote(Webhook._meta.db_table)
    sql = f"""
        SELECT id FROM (
            SELECT id, next_attempt_at,
                   ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY hook_rank, next_attempt_at, id) AS tenant_rank
            FROM (
                SELECT d.id, d.tenant_id, d.next_attempt_at,
                       ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) AS hook_rank
                FROM {delivery} d JOIN {webhook} w ON w.id = d.webhook_id
                WHERE d.next_attempt_at <= %s
                  AND (d.status = %s OR (d.status = %s AND d.leased_until < %s))
                  AND w.enabled AND w.paused_at IS NULL AND NOT w.is_deleted
            ) by_hook
        ) by_tenant
        WHERE tenant_rank <= %s
        ORDER BY tenant_rank, next_attempt_at, id
        LIMIT %s"""
    with connection.cursor() as cursor:
        at = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(sql, [at, str(DeliveryStatus.PENDING), str(DeliveryStatus.DELIVERING), at, per_tenant, batch])
        return [row[0] for row in cursor.fetchall()]


def _lease(*, batch: int, now, per_tenant: int = PER_TENANT_BATCH) -> list[WebhookDelivery]:
    candidates = _fair_candidates(batch=batch, per_tenant=per_tenant, now=now)
    if not candidates:
        return []
    with transaction.atomic():
        # Another worker may have leased some meanwhile: lock what is still due, skip what is locked.
        ids = list(_skip_locked(WebhookDelivery.objects.filter(_due_q(now), pk__in=candidates, next_attempt_at__lte=now))
                   .values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.DELIVERING, leased_until=now + lease())
    order = {pk: i for i, pk in enumerate(candidates)}
    leased = WebhookDelivery.objects.filter(pk__in=ids).select_related("webhook", "event")
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


def send_one(delivery: WebhookDelivery, *, secrets: dict | None = None) -> WebhookDelivery:
    """`secrets`: a pass's memo of each webhook's stored secrets (read once per pass, not per delivery)."""
    webhook = delivery.webhook
    policy = parse_retry_policy(webhook.retry_policy)
    try:
        secrets = {} if secrets is None else secrets
        if webhook.vault_path not in secrets:
            secrets[webhook.vault_path] = secret_store().get(webhook.vault_path) or {}
        stored = secrets[webhook.vault_path]
    except Exception as exc:  # e.g. Fernet InvalidToken after SECRET_KEY changed without SECRET_STORE_KEY
        return _record(delivery, None, f"secret store: cannot read this webhook's secrets ({type(exc).__name__}); "
                                       "was SECRET_KEY or SECRET_STORE_KEY changed?", policy)
    secret = stored.get("secret")
    if not secret:
        return _record(delivery, None, "signing secret missing from the secret store", policy)
    custom = stored.get("headers") or {}
    for name, value in custom.items():
        if problem := header_problem(name, value):
            return _record(delivery, None, f"custom header refused: {problem}; fix the webhook's headers", policy)
    body = message_body(delivery)
    headers = {**custom, **sign(secret=secret, msg_id=delivery.pk, timestamp=int(time.time()), body=body)}
    result = post(url=webhook.url, body=body, headers=headers, timeout=policy.timeout_ms / 1000,
                  allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
    return _record(delivery, result.status_code, None if result.ok else result.error, policy)


def send_isolated(delivery: WebhookDelivery, *, secrets: dict | None = None) -> WebhookDelivery | None:
    """send_one whose failure, whatever it is, fails this delivery only (retried per policy)."""
    try:
        return send_one(delivery, secrets=secrets)
    except Exception as exc:
        logger.warning("webhook delivery %s failed", delivery.pk, exc_info=True)
        try:
            policy = parse_retry_policy(delivery.webhook.retry_policy)
        except ValueError:
            policy = RetryPolicy()
        try:
            return _record(delivery, None, f"{type(exc).__name__}: {exc}"[:500], policy)
        except Exception:  # e.g. the database went away: the lease runs out and a later pass retries
            logger.exception("could not record the failure of webhook delivery %s", delivery.pk)
            return None


@transaction.atomic
def _record(delivery: WebhookDelivery, status_code: int | None, error: str | None, policy) -> WebhookDelivery:
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    webhook = Webhook.objects.select_for_update().get(pk=delivery.webhook_id)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, error or ""
    delivery.leased_until, delivery.updated_at = None, now
    webhook_changes = {"last_delivery_at": now,
                       "last_delivery_status": "delivered" if error is None else (f"HTTP {status_code}" if status_code else "error")}
    if error is None:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        webhook_changes["consecutive_failures"] = 0
    else:
        webhook_changes["consecutive_failures"] = webhook.consecutive_failures + 1
        if status_code == 410:
            delivery.status = DeliveryStatus.FAILED
            webhook_changes["enabled"] = False
        elif delivery.attempts >= policy.max_attempts:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + timedelta(seconds=next_delay(policy=policy, attempt=delivery.attempts))
        if webhook_changes["consecutive_failures"] >= pause_after() and webhook.paused_at is None:
            webhook_changes["paused_at"] = now
    delivery.save()
    Webhook.objects.filter(pk=webhook.pk).update(**webhook_changes, updated_at=F("updated_at"))
    if "paused_at" in webhook_changes:  # tell the outbox (notifications tell the tenant's admins)
        for name, value in webhook_changes.items():
            setattr(webhook, name, value)
        events.emit(obj=webhook, action="paused", actor=system_principal(webhook.tenant_id))
    return delivery


def _stopped_at_a_limit(leased: list[WebhookDelivery], *, batch: int, per_tenant: int) -> bool:
    """Whether a pass took as many as it may (so due work may be left), rather than all there was."""
    per_tenant_taken = Counter(d.tenant_id for d in leased)
    return len(leased) >= batch or max(per_tenant_taken.values(), default=0) >= per_tenant


def _more_due(now) -> bool:
    """Due deliveries of live webhooks left after this pass took its share (same rule as the candidates)."""
    return WebhookDelivery.objects.filter(_due_q(now), next_attempt_at__lte=now, webhook__enabled=True,
                                          webhook__paused_at__isnull=True, webhook__is_deleted=False).exists()


def _renew_lease(delivery: WebhookDelivery) -> bool:
    """Restart this pass's lease on `delivery` just before sending it, if the lease is still this
    pass's. Deliveries leased together are sent one after another: behind slow receivers a late
    one's lease can run out and another pass (another worker) take it, and it must not go twice."""
    until = timezone.now() + lease()
    renewed = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DELIVERING,
                                             leased_until=delivery.leased_until).update(leased_until=until)
    delivery.leased_until = until
    return renewed == 1


def send_due(*, batch: int = 100, per_tenant: int = PER_TENANT_BATCH, now=None) -> dict[str, int]:
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    now = now or timezone.now()
    leased = _lease(batch=batch, per_tenant=per_tenant, now=now)
    if _stopped_at_a_limit(leased, batch=batch, per_tenant=per_tenant) and _more_due(now):
        # a backlog: another worker's pass takes the next share meanwhile
        from .receivers import request_pass

        request_pass()
    secrets: dict = {}
    for delivery in leased:
        if not delivery.webhook.enabled or delivery.webhook.paused_at or delivery.webhook.is_deleted:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, leased_until=None)
            continue
        if not _renew_lease(delivery):
            continue  # its lease ran out and another pass has it
        result = send_isolated(delivery, secrets=secrets)
        if result is None:
            counts["retrying"] += 1
            continue
        counts["delivered" if result.status == DeliveryStatus.DELIVERED else
               "retrying" if result.status == DeliveryStatus.PENDING else "failed"] += 1
    return counts


def run_pass() -> dict[str, int]:
    return {"fanned_out": fan_out(), **send_due()}


@transaction.atomic
def replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (same webhook-id), e.g. after fixing the receiver."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(),
                                                          leased_until=None)
    delivery.refresh_from_db()
    return delivery
