"""Both outbox consumers (webhooks, notifications) mark what they have done the one way the framework
declares (apps/core/outbox_consumer.py): each event is worked once; a pass that crashes before its
commit leaves the event to the next pass, which works it once; and the data migration from the old
markers (Event.dispatched_at, FannedOutEvent) neither works an event again nor skips one."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.core.models import ConsumedEvent, Event
from apps.core.outbox_consumer import OutboxConsumer
from apps.core.principal import Principal
from apps.helpdesk.services import ticket_create
from apps.integration import delivery_engine
from apps.integration.delivery_engine import WEBHOOKS
from apps.integration.models import WebhookDelivery
from apps.integration.services import webhook_create
from apps.notifications import engine
from apps.notifications.engine import NOTIFICATIONS
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db
BOSS = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))


@pytest.fixture
def hook(team, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # fan-out only: nothing is sent in these tests
    return webhook_create(actor=BOSS, data={"name": "all", "url": "http://127.0.0.1:9/hook", "event_types": ["helpdesk.*"]})


def open_tickets(*titles):
    return [ticket_create(actor=BOSS, data={"title": t, "assigned_to_id": "per_agent"}) for t in titles]


def work_counts() -> tuple[int, int]:
    return WebhookDelivery.objects.count(), Notification.objects.count()


def test_each_consumer_works_each_event_once(hook, smtp):
    open_tickets("a", "b")
    assert delivery_engine.fan_out() == 2 and engine.fan_out() == 2
    assert delivery_engine.fan_out() == 0 and engine.fan_out() == 0  # a second pass finds nothing
    WEBHOOKS.advance(), NOTIFICATIONS.advance()
    assert delivery_engine.fan_out() == 0 and engine.fan_out() == 0  # nor after the cursors moved
    assert work_counts() == (2, 2)
    events = set(Event.objects.filter(type="helpdesk.ticket.created").values_list("pk", flat=True))
    for consumer in (WEBHOOKS, NOTIFICATIONS):
        assert set(Event.objects.filter(consumer.done()).values_list("pk", flat=True)) >= events
        assert not consumer.pending().exists()


@pytest.fixture
def crash_after_marking(monkeypatch):
    """The consumer's process dies after it wrote the work and the mark, before its commit."""
    marked = OutboxConsumer.mark_done

    def mark_then_crash(self, events):
        marked(self, events)
        raise ConnectionError("the worker died")

    monkeypatch.setattr(OutboxConsumer, "mark_done", mark_then_crash)
    return monkeypatch


def test_a_crashed_webhooks_pass_leaves_the_event_to_the_next_which_works_it_once(hook, crash_after_marking):
    open_tickets("a")
    with pytest.raises(ConnectionError):
        delivery_engine.fan_out()
    assert work_counts()[0] == 0 and WEBHOOKS.pending().filter(type="helpdesk.ticket.created").count() == 1  # rolled back
    crash_after_marking.undo()
    assert delivery_engine.fan_out() == 1 and delivery_engine.fan_out() == 0
    assert WebhookDelivery.objects.get().event.payload["title"] == "a"


def test_a_crashed_notifications_pass_leaves_the_event_to_the_next_which_works_it_once(smtp, team,
                                                                                       crash_after_marking):
    open_tickets("a")
    assert engine.fan_out() == 0  # the event's trouble is logged; the pass goes on
    assert work_counts()[1] == 0 and NOTIFICATIONS.pending().count() == 1
    crash_after_marking.undo()
    assert engine.fan_out() == 1 and engine.fan_out() == 0
    engine.send_due()
    assert len(smtp.messages) == 1


OLD = [("core", "0012_person_inactive_index"), ("notifications", "0003_notification_headers")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_what_each_consumer_had_done():
    old_apps = migrate(OLD)
    try:
        OldEvent, FannedOutEvent = old_apps.get_model("core", "Event"), old_apps.get_model("notifications", "FannedOutEvent")
        now = timezone.now()

        def event(pk, dispatched):
            return OldEvent.objects.create(id=pk, tenant_id="acme", type="helpdesk.ticket.created", entity_type="helpdesk.Ticket",
                                           entity_id="tkt_x", payload={}, created_at=now, dispatched_at=now if dispatched else None)

        sent, waiting, sent_later, last_waiting = (event("evt_1", True), event("evt_2", False), event("evt_3", True),
                                                   event("evt_4", False))
        FannedOutEvent.objects.create(event_id=sent.pk, created_at=now)
        FannedOutEvent.objects.create(event_id=waiting.pk, created_at=now)
    finally:
        leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
        migrate(leaves)
    assert list(WEBHOOKS.pending().values_list("pk", flat=True)) == [waiting.pk, last_waiting.pk]  # nothing skipped
    assert set(Event.objects.filter(WEBHOOKS.done()).values_list("pk", flat=True)) == {sent.pk, sent_later.pk}
    assert set(ConsumedEvent.objects.filter(consumer="notifications").values_list("event_id", flat=True)) == {
        sent.pk, waiting.pk}  # nothing notified again
    assert set(Event.objects.filter(NOTIFICATIONS.done()).values_list("pk", flat=True)) == {sent.pk, waiting.pk}


@pytest.mark.django_db(transaction=True)
def test_the_migration_after_everything_was_sent_leaves_nothing_to_send():
    old_apps = migrate(OLD)
    try:
        OldEvent = old_apps.get_model("core", "Event")
        for pk in ("evt_1", "evt_2"):
            OldEvent.objects.create(id=pk, tenant_id="acme", type="helpdesk.ticket.created", entity_type="helpdesk.Ticket",
                                    entity_id="tkt_x", payload={}, dispatched_at=timezone.now())
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert not WEBHOOKS.pending().exists() and WEBHOOKS.cursor() > "evt_2"
    assert Event.objects.filter(WEBHOOKS.done()).count() == 2
