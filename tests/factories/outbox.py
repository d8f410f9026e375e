"""The outbox consumers' progress: a consumer's mark on an event, and its cursor."""
import factory

from apps.core.models import ConsumedEvent, ConsumerProgress

from .base import DEFAULT_TENANT, InTenant, ProjectFactory, register


@register
class ConsumedEventFactory(ProjectFactory):
    """An outbox event (of `tenant_id`) done by the notifications consumer."""

    consumer = "notifications"
    event = InTenant("tests.factories.core.EventFactory")

    class Meta:
        model = ConsumedEvent

    class Params:
        tenant_id = DEFAULT_TENANT


@register
class ConsumerProgressFactory(ProjectFactory):
    _tenant_key = None  # one cursor per consumer, across tenants
    consumer = factory.Sequence(lambda n: f"consumer-{n}")
    below = ""

    class Meta:
        model = ConsumerProgress
