"""The notifications' FannedOutEvent marks become their marks in the outbox consumers' one mechanism
(core.ConsumedEvent, consumer "notifications"), kept with their times: nothing is notified twice."""
from django.db import migrations

NOTIFICATIONS = "notifications"


def marks_to_consumer_progress(apps, schema_editor):
    FannedOutEvent = apps.get_model("notifications", "FannedOutEvent")
    ConsumedEvent = apps.get_model("core", "ConsumedEvent")
    marks = FannedOutEvent.objects.order_by("event_id").values_list("event_id", "created_at")
    for start in range(0, marks.count(), 5000):
        ConsumedEvent.objects.bulk_create([ConsumedEvent(consumer=NOTIFICATIONS, event_id=pk, consumed_at=at)
                                           for pk, at in marks[start:start + 5000]], ignore_conflicts=True)


def consumer_progress_to_marks(apps, schema_editor):
    FannedOutEvent = apps.get_model("notifications", "FannedOutEvent")
    ConsumedEvent = apps.get_model("core", "ConsumedEvent")
    FannedOutEvent.objects.bulk_create(
        [FannedOutEvent(event_id=pk, created_at=at) for pk, at in
         ConsumedEvent.objects.filter(consumer=NOTIFICATIONS).values_list("event_id", "consumed_at")],
        ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_notification_headers'),
        ('core', '0013_outbox_consumer_progress'),
    ]

    operations = [
        migrations.RunPython(marks_to_consumer_progress, consumer_progress_to_marks),
        migrations.DeleteModel(
            name='FannedOutEvent',
        ),
    ]
