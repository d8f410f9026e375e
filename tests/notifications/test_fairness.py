"""One tenant's flood of notifications holds back another tenant's by no more than one batch: the
fan-out takes events, and the send pass messages, round-robin across tenants (the outbox consumer
framework's fair pick, apps/core/outbox_consumer.py)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.choices import NotificationStatus as S
from apps.notifications.engine import events_due, send_due
from apps.notifications.models import Notification
from tests.factories import EventFactory
from tests.factories.core import TenantFactory

pytestmark = pytest.mark.django_db
BATCH = 10


def message(tenant: str, n: int, *, at) -> Notification:
    return Notification(id=f"ntf_{tenant}_{n:03}", tenant_id=tenant, kind="ticket_update", recipient_id=f"per_{n}",
                        recipient_email=f"p{n}@{tenant}.test", subject=f"{tenant} {n}", text_body="-", html_body="-",
                        message_id=f"<ntf_{tenant}_{n:03}@test>", status=S.PENDING, next_attempt_at=at)


def test_a_flooded_tenant_does_not_delay_anothers_message_beyond_one_send_batch(smtp):
    now = timezone.now()
    flood = [message("acme", n, at=now - timedelta(minutes=10, seconds=-n)) for n in range(3 * BATCH)]
    Notification.objects.bulk_create([*flood, message("globex", 0, at=now - timedelta(seconds=1))])

    assert send_due(batch=BATCH)["sent"] == BATCH
    recipients = [m.rcpt_tos[0] for m in smtp.messages]
    assert "p0@globex.test" in recipients  # in the first batch, though the flood's messages are all older
    assert recipients.count("p0@globex.test") == 1 and len(recipients) == BATCH
    assert [r for r in recipients if r.endswith("acme.test")] == [f"p{n}@acme.test" for n in range(BATCH - 1)]

    assert send_due(batch=BATCH)["sent"] == BATCH  # alone, the flooded tenant takes whole batches
    assert Notification.objects.filter(tenant_id="acme", status=S.SENT).count() == 2 * BATCH - 1


def test_a_flooded_tenant_does_not_delay_anothers_event_beyond_one_fan_out_batch():
    TenantFactory(id="globex", name="Globex")
    flood = [EventFactory(tenant_id="acme") for _ in range(3 * BATCH)]
    other = EventFactory(tenant_id="globex")

    picked = events_due(batch=BATCH, now=timezone.now())
    assert other in picked and len(picked) == BATCH  # the newest event, yet in the first batch
    assert [e for e in picked if e.tenant_id == "acme"] == flood[:BATCH - 1]  # each tenant's oldest first
