"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the notifications' address and subject
(their event type is a list filter: no index a notification's insert does not need), and the used links' person and target, which no btree leads. A notification's id and recipient,
a preference's person and a link's token are searched whole, on their btree indexes. A search by a term few
rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_fanned_out_marks_become_consumer_progress")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("notifications_notification", "ntf", ("recipient_email", "subject")),
        TrigramIndexes("notifications_usedlink", "ulk", ("person_id", "target_id")),
        Analyze("notifications_notification"),
        Analyze("notifications_usedlink"),
    ]
