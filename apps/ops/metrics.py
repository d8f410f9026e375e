"""`/metrics`: django-prometheus's request metrics (summed over gunicorn workers in multiprocess
mode) and the product's own gauges, read from the database at scrape time.

Not public: served only to a bearer of METRICS_TOKEN or to an address in METRICS_ALLOWED_IPS;
anyone else gets a 404, as if there were nothing here.
"""
import hmac
import ipaddress
import os

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector


class ProductCollector:
    """Queue depth, delivery lag, failures, SLA breaches, approvals waiting and scheduler health."""

    def collect(self):
        from apps.approvals.choices import RequestStatus
        from apps.approvals.models import ApprovalRequest
        from apps.helpdesk.choices import SLAState
        from apps.helpdesk.models import Ticket
        from apps.integration.choices import DeliveryStatus
        from apps.integration.delivery_engine import WEBHOOKS
        from apps.integration.models import WebhookDelivery

        from .models import ScheduledJob

        now = timezone.now()
        waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING])
        deliveries = WebhookDelivery.objects.aggregate(
            queued=Count("pk", filter=waiting),
            failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
            oldest_due=Min("next_attempt_at", filter=waiting & Q(next_attempt_at__lte=now)),
        )
        oldest_event = WEBHOOKS.pending(now=now).values_list("created_at", flat=True).first()

        def age(instant) -> float:
            return max(0.0, (now - instant).total_seconds()) if instant else 0.0

        yield GaugeMetricFamily("backoffice_webhook_deliveries_queued",
                                "Webhook deliveries waiting to be sent (pending or being sent)", value=deliveries["queued"])
        yield GaugeMetricFamily("backoffice_webhook_delivery_lag_seconds",
                                "How long the oldest due webhook delivery has waited past its attempt time",
                                value=age(deliveries["oldest_due"]))
        yield GaugeMetricFamily("backoffice_outbox_lag_seconds",
                                "Age of the oldest outbox event not yet fanned out to webhooks", value=age(oldest_event))
        yield GaugeMetricFamily("backoffice_webhook_deliveries_failed",
                                "Webhook deliveries that gave up (retries exhausted or receiver gone)",
                                value=deliveries["failed"])
        yield GaugeMetricFamily("backoffice_tickets_sla_breached", "Tickets whose SLA is breached",
                                value=Ticket.objects.filter(sla_state=SLAState.BREACHED).count())
        yield GaugeMetricFamily("backoffice_approvals_waiting", "Approval requests waiting for a decision",
                                value=ApprovalRequest.objects.filter(status=RequestStatus.PENDING).count())
        finished = GaugeMetricFamily("backoffice_scheduler_job_last_success_timestamp_seconds",
                                     "When each scheduled job last succeeded (Unix time)", labels=["job"])
        failing = GaugeMetricFamily("backoffice_scheduler_job_failing",
                                    "1 when the last run of a scheduled job failed", labels=["job"])
        for job in ScheduledJob.objects.only("name", "last_succeeded_at", "last_error"):
            finished.add_metric([job.name], job.last_succeeded_at.timestamp() if job.last_succeeded_at else 0.0)
            failing.add_metric([job.name], 1.0 if job.last_error else 0.0)
        yield finished
        yield failing


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


def _process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@require_GET
def metrics(request):
    if not _allowed(request):
        raise Http404
    product = CollectorRegistry(auto_describe=False)
    product.register(ProductCollector())
    return HttpResponse(_process_metrics() + generate_latest(product), content_type=CONTENT_TYPE_LATEST)
