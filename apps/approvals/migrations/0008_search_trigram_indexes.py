"""Trigram indexes for the columns the API's `?search=` and the admin's `?q=` read (PostgreSQL only)."""
from django.db import migrations

from apps.core.search_indexes import KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("approvals", "0007_member_row_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("approvals_approvalrequest", "apr", ('entity_type', 'title', 'description', 'cancellation_reason', 'entity_id', 'requested_by_id')),
    ]
