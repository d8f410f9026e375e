from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.core.models import Event
from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import WEBHOOKS
from apps.integration.models import WebhookDelivery
from apps.notifications.models import Notification

FINISHED = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)


class Command(BaseCommand):
    help = ("Delete finished webhook deliveries older than DELIVERY_RETENTION_DAYS, then outbox events older than "
            "EVENT_RETENTION_DAYS that webhooks have fanned out (notifications look back less far), have no unfinished delivery and no notification. "
            "History rows (the audit trail) are kept.")

    def add_arguments(self, parser):
        parser.add_argument("--events-older-than", type=int, default=settings.EVENT_RETENTION_DAYS, metavar="DAYS")
        parser.add_argument("--deliveries-older-than", type=int, default=settings.DELIVERY_RETENTION_DAYS,
                            metavar="DAYS")
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, **opts):
        lookback_days = -(-settings.NOTIFY_OUTBOX_LOOKBACK_HOURS // 24)
        if opts["events_older_than"] <= lookback_days or opts["deliveries_older_than"] < 1 or opts["batch"] < 1:
            raise CommandError(f"keep events longer than the notification lookback ({lookback_days} days), "
                               "deliveries at least a day, and a positive batch")
        now = timezone.now()
        deliveries = WebhookDelivery.objects.filter(
            status__in=FINISHED, updated_at__lt=now - timedelta(days=opts["deliveries_older_than"]))
        unfinished = WebhookDelivery.objects.filter(event=OuterRef("pk")).exclude(status__in=FINISHED)
        notified = Notification.objects.filter(event=OuterRef("pk"))
        events = Event.objects.filter(
            WEBHOOKS.done(), created_at__lt=now - timedelta(days=opts["events_older_than"]),
        ).filter(~Exists(unfinished), ~Exists(notified))
        purged_deliveries = _in_batches(deliveries, opts["batch"])
        purged_events = _in_batches(events, opts["batch"])
        self.stdout.write(f"purged {purged_deliveries} webhook deliveries and {purged_events} outbox events")


def _in_batches(queryset, batch: int) -> int:
    """Short transactions, so the purge never holds many row locks against the live outbox."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return total
            queryset.model.objects.filter(pk__in=ids).delete()
            total += len(ids)
