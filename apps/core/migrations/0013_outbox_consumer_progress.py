"""Each outbox consumer's progress in one mechanism (apps/core/outbox_progress.py). The webhooks'
`Event.dispatched_at` becomes their cursor and marks: the cursor is the first event not fanned out
(every event before it was), and each fanned-out event after it gets its mark, so nothing is sent
again and nothing is skipped."""
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

WEBHOOKS = "webhooks"


def webhooks_progress_from_dispatched_at(apps, schema_editor):
    Event = apps.get_model("core", "Event")
    ConsumedEvent = apps.get_model("core", "ConsumedEvent")
    ConsumerProgress = apps.get_model("core", "ConsumerProgress")
    first_open = Event.objects.filter(dispatched_at__isnull=True).order_by("id").values_list("id", flat=True).first()
    last = Event.objects.order_by("-id").values_list("id", flat=True).first()
    below = first_open if first_open is not None else (last or "") + "0"  # all fanned out: past the last one
    ConsumerProgress.objects.create(consumer=WEBHOOKS, below=below)
    done = Event.objects.filter(id__gte=below, dispatched_at__isnull=False).values_list("id", "dispatched_at")
    for start in range(0, done.count(), 5000):
        ConsumedEvent.objects.bulk_create([ConsumedEvent(consumer=WEBHOOKS, event_id=pk, consumed_at=at)
                                           for pk, at in done.order_by("id")[start:start + 5000]])


def dispatched_at_from_webhooks_progress(apps, schema_editor):
    Event = apps.get_model("core", "Event")
    ConsumedEvent = apps.get_model("core", "ConsumedEvent")
    ConsumerProgress = apps.get_model("core", "ConsumerProgress")
    below = ConsumerProgress.objects.filter(consumer=WEBHOOKS).values_list("below", flat=True).first() or ""
    now = django.utils.timezone.now()
    Event.objects.filter(id__lt=below).update(dispatched_at=now)
    marked = ConsumedEvent.objects.filter(consumer=WEBHOOKS).values_list("event_id", flat=True)
    Event.objects.filter(id__in=marked).update(dispatched_at=now)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_person_inactive_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConsumedEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('consumer', models.CharField(max_length=32)),
                ('consumed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.event')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('consumer', 'event'), name='one_mark_per_consumer_event')],
            },
        ),
        migrations.CreateModel(
            name='ConsumerProgress',
            fields=[
                ('consumer', models.CharField(max_length=32, primary_key=True, serialize=False)),
                ('below', models.CharField(blank=True, default='', help_text='Every event with a smaller id is done.', max_length=40)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(webhooks_progress_from_dispatched_at, dispatched_at_from_webhooks_progress),
        migrations.RemoveIndex(
            model_name='event',
            name='core_event_undispatched',
        ),
        migrations.RemoveField(
            model_name='event',
            name='dispatched_at',
        ),
    ]
