"""Trigram indexes for the drift findings' searched columns (the admin's `?q=` reads `user_name`, the API's
`?search=` all three), PostgreSQL only. They also give the planner statistics of `upper(col)`: without them
it guessed that a term is in a few rows, and sorted every matching row of the tenant for a page of them."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("integration", "0011_delivery_webhook_index_by_the_unique_pair")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("integration_driftfinding", "drf", ("user_name", "resolution_note", "last_error")),
        Analyze("integration_driftfinding"),
    ]
