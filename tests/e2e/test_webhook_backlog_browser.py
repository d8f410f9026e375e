"""The tenant admin sees a paused webhook's backlog and replays a time range from the browser; a
range that starts in the future is a form error that changes nothing."""
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.core.models import ConsumedEvent, ConsumerProgress, Event
from apps.core.principal import Principal
from apps.integration.choices import DeliveryStatus
from apps.integration.delivery_engine import WEBHOOKS, fan_out
from apps.integration.models import Webhook, WebhookDelivery
from apps.integration.services import webhook_create


def test_admin_sees_the_backlog_and_replays_from_a_time(page, login, seeded, artifacts, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # nothing is sent: the webhook is paused
    actor = Principal(person_id="per_acme_admin", tenant_id="acme", roles=frozenset({"admin"}), source_type="system")
    hook = webhook_create(actor=actor, data={"name": "CRM sync", "url": "http://127.0.0.1:9/hook", "event_types": ["*"]})
    Webhook.objects.filter(pk=hook.pk).update(paused_at=timezone.now(), probe_at=timezone.now() + timedelta(minutes=5),
                                              enabled=True, event_types=["*"])
    ConsumerProgress.objects.filter(pk="webhooks").delete()  # acme's events are not fanned out yet
    ConsumedEvent.objects.filter(consumer="webhooks").delete()
    WEBHOOKS.mark_done(Event.objects.exclude(tenant_id="acme"))
    fan_out()
    waiting = WebhookDelivery.objects.filter(webhook=hook, status=DeliveryStatus.PENDING).count()
    assert waiting > 0
    login("acme-admin")
    page.goto(reverse("admin:integration_webhook_change", args=[hook.pk]))
    backlog = page.get_by_test_id("webhook-backlog")
    assert f"{waiting} deliveries waiting" in backlog.inner_text()
    page.screenshot(path=str(artifacts / "webhook-backlog.png"), full_page=True)
    page.get_by_test_id("replay-link").click()
    page.fill("input[name=since]", (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("replay-submit").click()
    assert "must start in the past" in page.get_by_test_id("replay-errors").first.inner_text()
    assert not Event.objects.filter(type="integration.webhook.replayed").exists()
    page.fill("input[name=since]", (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.get_by_test_id("replay-submit").click()
    assert "deliveries queued again" in page.content()
    page.screenshot(path=str(artifacts / "webhook-replayed.png"), full_page=True)
    assert Event.objects.filter(type="integration.webhook.replayed", entity_id=hook.pk).count() == 1
