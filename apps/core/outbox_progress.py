"""How far each outbox consumer has got: one mechanism for all of them (apps/core/outbox_consumer.py).

An event is done for a consumer when a `ConsumedEvent(consumer, event)` row exists, written in the
transaction that creates the consumer's work for it, or when its id is below the consumer's
`ConsumerProgress.below` (every event there is done; their rows are pruned).
"""
from django.db import models
from django.utils import timezone

from .models import Event


class ConsumedEvent(models.Model):
    consumer = models.CharField(max_length=32)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    consumed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consumer", "event"], name="one_mark_per_consumer_event")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id}"


class ConsumerProgress(models.Model):
    consumer = models.CharField(max_length=32, primary_key=True)
    below = models.CharField(max_length=40, default="", blank=True, help_text="Every event with a smaller id is done.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.consumer} below {self.below or '(start)'}"
