"""Trigram indexes for the columns the API's `?search=` and the admin's `?q=` read (PostgreSQL only)."""
from django.db import migrations

from apps.core.search_indexes import KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0006_member_row_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("helpdesk_ticket", "tkt", ('number', 'title', 'description', 'category')),
    ]
