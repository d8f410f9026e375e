"""A webhook's circuit breaker: closed (sending), open (paused: deliveries are still created and
wait), half-open (one probe request at a time). Nothing here sends; the delivery engine asks.

Closed -> open: `WEBHOOK_PAUSE_AFTER_FAILURES` failures in a row whose run spans at least
`WEBHOOK_PAUSE_AFTER_SECONDS`. A pass sends many requests at once, so a count alone would trip on
one burst against a receiver that was down for a second.
Open -> half-open: at `probe_at` one pass claims the webhook (a conditional UPDATE, so one probe
at a time across workers) and sends its oldest waiting delivery.
Half-open -> closed on a 2xx: the backlog becomes due at once and drains in order. -> open again
on a failure, the next probe twice as far away (capped).
"""
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from apps.core import events
from apps.core.outbox_consumer import backoff
from apps.core.principal import system_principal

from .choices import DeliveryStatus
from .models import Webhook, WebhookDelivery


def probe_delay(failed_probes: int, *, rng: random.Random | None = None) -> timedelta:
    """Seconds to the next probe after `failed_probes` failed ones: doubling, capped, with jitter
    (many paused webhooks of one receiver do not probe in step)."""
    return backoff(max(failed_probes, 0) + 1, base=settings.WEBHOOK_PROBE_BASE_SECONDS,
                   cap=settings.WEBHOOK_PROBE_MAX_SECONDS, spread=(0.75, 1.0), rng=rng)


def trip_condition(now: datetime) -> Q:
    """The webhooks (rows) that must pause now: a run of failures long in count and in time."""
    return Q(paused_at__isnull=True, consecutive_failures__gte=settings.WEBHOOK_PAUSE_AFTER_FAILURES,
             failing_since__lte=now - timedelta(seconds=settings.WEBHOOK_PAUSE_AFTER_SECONDS))


def trip(webhook_id: str, *, now: datetime) -> bool:
    """Open the breaker if the run of failures calls for it; True when this call paused it. The
    deliveries that gave up during the run go back to the backlog: a pause keeps every event."""
    paused = Webhook.objects.filter(trip_condition(now), pk=webhook_id).update(
        paused_at=now, probe_at=now + probe_delay(0), failed_probes=0)
    if not paused:
        return False
    webhook = Webhook.objects.get(pk=webhook_id)
    WebhookDelivery.objects.filter(webhook_id=webhook_id, status=DeliveryStatus.FAILED,
                                   updated_at__gte=webhook.failing_since).exclude(last_status_code=410).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, updated_at=now)
    events.emit(obj=webhook, action="paused", actor=system_principal(webhook.tenant_id))  # admins are told
    return True


def claim_probes(*, now: datetime, limit: int) -> list[str]:
    """Paused webhooks whose probe is due, each claimed by this pass alone: the claim moves
    `probe_at` past the lease, so a pass that dies mid-probe only delays the next one."""
    due = list(Webhook.objects.filter(enabled=True, is_deleted=False, paused_at__isnull=False, probe_at__lte=now)
               .order_by("probe_at").values_list("pk", flat=True)[:limit])
    hold = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    return [pk for pk in due if Webhook.objects.filter(pk=pk, paused_at__isnull=False, probe_at__lte=now)
            .update(probe_at=hold)]


def probe_failed(webhook_id: str, *, now: datetime) -> None:
    webhook = Webhook.objects.filter(pk=webhook_id).values("failed_probes").first()
    if webhook is not None:
        failed = webhook["failed_probes"] + 1
        Webhook.objects.filter(pk=webhook_id, paused_at__isnull=False).update(
            failed_probes=failed, probe_at=now + probe_delay(failed))


def nothing_to_probe(webhook_id: str, *, now: datetime) -> None:
    """No delivery waits: stay paused and look again later (a probe needs a real event)."""
    Webhook.objects.filter(pk=webhook_id, paused_at__isnull=False).update(probe_at=now + probe_delay(0))


def resume(webhook_id: str, *, now: datetime, actor=None) -> int:
    """Close the breaker: the webhook sends again and its backlog is due now, oldest first (the
    deliveries' ids are ordered by creation). Returns how many deliveries became due."""
    Webhook.objects.filter(pk=webhook_id).update(paused_at=None, probe_at=None, failed_probes=0,
                                                 consecutive_failures=0, failing_since=None)
    return requeue_backlog(webhook_id, now=now)


def requeue_backlog(webhook_id: str, *, now: datetime) -> int:
    """Every waiting delivery of the webhook due at its creation time: the pass takes a webhook's
    deliveries by (next_attempt_at, id), so the backlog goes out in the order its events happened,
    retries waiting on a backoff included."""
    return WebhookDelivery.objects.filter(webhook_id=webhook_id, status=DeliveryStatus.PENDING).update(
        next_attempt_at=F("created_at"), updated_at=now)


def resumed_by_probe(webhook_id: str, *, now: datetime) -> None:
    resume(webhook_id, now=now)
    webhook = Webhook.objects.get(pk=webhook_id)
    events.emit(obj=webhook, action="resumed", actor=system_principal(webhook.tenant_id))


def expire_backlog(*, now: datetime | None = None) -> int:
    """Deliveries that waited longer than `WEBHOOK_BACKLOG_RETENTION_DAYS` on a paused or disabled
    webhook give up (the tenant sees the retention in the admin and can replay the range)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WEBHOOK_BACKLOG_RETENTION_DAYS)
    stopped = Q(webhook__paused_at__isnull=False) | Q(webhook__enabled=False)
    return WebhookDelivery.objects.filter(stopped, status=DeliveryStatus.PENDING, created_at__lt=cutoff).update(
        status=DeliveryStatus.FAILED, updated_at=now,
        last_error=f"expired: waited more than {settings.WEBHOOK_BACKLOG_RETENTION_DAYS} days while the webhook was stopped")
