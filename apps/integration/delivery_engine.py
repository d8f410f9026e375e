"""Outbox events to webhook deliveries (fan-out) and deliveries to HTTP (send), both resumable.

Fan-out marks an event dispatched in the same transaction that creates its deliveries, so an
event is fanned out exactly once. A send leases its deliveries; a worker killed mid-send leaves
the lease to expire and the next pass sends again with the same `webhook-id`.
"""
import json
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.models import Event

from .choices import DeliveryStatus, Direction
from .models import Webhook, WebhookDelivery
from .outbound import next_delay, parse_retry_policy, post, sign
from .secret_store import secret_store

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
                                                direction=Direction.OUTBOUND))
            rows = [WebhookDelivery(tenant_id=e.tenant_id, webhook=h, event=e, event_type=e.type)
                    for e in events for h in hooks if h.tenant_id == e.tenant_id and h.matches(e.type)]
            for row in rows:
                row.id = None
                row.save()  # ids come from save(); a few hundred rows per batch
            Event.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=timezone.now())
            created += len(rows)
        if len(events) < batch:
            return created


def _lease(*, batch: int, now) -> list[WebhookDelivery]:
    with transaction.atomic():
        due = _skip_locked(WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.DELIVERING, leased_until__lt=now),
            next_attempt_at__lte=now,
        ).order_by("next_attempt_at"))[:batch]
        ids = [d.pk for d in due]
        WebhookDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.DELIVERING, leased_until=now + lease())
    return list(WebhookDelivery.objects.filter(pk__in=ids).select_related("webhook", "event"))


def message_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    return json.dumps({"type": event.type, "timestamp": event.created_at.isoformat(),
                       "data": event.payload}, separators=(",", ":"), sort_keys=True).encode()


def send_one(delivery: WebhookDelivery) -> WebhookDelivery:
    webhook = delivery.webhook
    policy = parse_retry_policy(webhook.retry_policy)
    secret = (secret_store().get(webhook.vault_path) or {}).get("secret")
    body = message_body(delivery)
    if not secret:
        return _record(delivery, None, "signing secret missing from the secret store", policy)
    headers = {**{str(k): str(v) for k, v in (webhook.headers or {}).items()},
               **sign(secret=secret, msg_id=delivery.pk, timestamp=int(time.time()), body=body)}
    result = post(url=webhook.url, body=body, headers=headers, timeout=policy.timeout_ms / 1000,
                  allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
    return _record(delivery, result.status_code, None if result.ok else result.error, policy)


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
    return delivery


def send_due(*, batch: int = 100, now=None) -> dict[str, int]:
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for delivery in _lease(batch=batch, now=now or timezone.now()):
        if not delivery.webhook.enabled or delivery.webhook.paused_at:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, leased_until=None)
            continue
        result = send_one(delivery)
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
