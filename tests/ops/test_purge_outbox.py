"""purge_outbox: finished deliveries and settled outbox events go after their retention; nothing
still owed to a receiver or a reader goes, and the audit trail stays."""
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.core.models import Event
from apps.integration.delivery_engine import WEBHOOKS
from apps.integration.models import WebhookDelivery
from apps.notifications.models import Notification
from tests.factories import EventFactory, NotificationFactory, WebhookDeliveryFactory

pytestmark = pytest.mark.django_db


def old(days: int):
    return timezone.now() - timedelta(days=days)


def event(*, age: int, dispatched: bool = True) -> Event:
    made = EventFactory(created_at=old(age))
    if dispatched:
        WEBHOOKS.mark_done([made])
    return made


def test_settled_events_and_finished_deliveries_past_retention_go_and_the_rest_stays():
    settled = event(age=120)
    done = WebhookDeliveryFactory(event=settled, status="delivered", updated_at=old(120))
    undispatched = event(age=120, dispatched=False)
    retrying = event(age=120)
    pending = WebhookDeliveryFactory(event=retrying, status="pending", updated_at=old(1))
    notified = event(age=120)
    NotificationFactory(event=notified)
    recent = event(age=10)
    recent_failed = WebhookDeliveryFactory(event=recent, status="failed", updated_at=old(40))
    recent_delivered = WebhookDeliveryFactory(event=recent, status="delivered", updated_at=old(2), webhook=done.webhook)

    call_command("purge_outbox", "--events-older-than", "90", "--deliveries-older-than", "30", "--batch", "1")

    assert set(Event.objects.values_list("pk", flat=True)) == {undispatched.pk, retrying.pk, notified.pk, recent.pk}
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {pending.pk, recent_delivered.pk}
    assert not WebhookDelivery.objects.filter(pk__in=[done.pk, recent_failed.pk]).exists()
    assert Notification.objects.filter(event=notified).exists()


def test_a_retention_shorter_than_the_notification_lookback_is_refused_and_deletes_nothing(settings):
    settings.NOTIFY_OUTBOX_LOOKBACK_HOURS = 48
    event(age=5)
    with pytest.raises(CommandError):
        call_command("purge_outbox", "--events-older-than", "2")
    assert Event.objects.count() == 1
