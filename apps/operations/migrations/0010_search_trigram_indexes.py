"""Trigram indexes for the columns the API's `?search=` and the admin's `?q=` read (PostgreSQL only)."""
from django.db import migrations

from apps.core.search_indexes import KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("operations", "0009_member_row_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("operations_accessrequest", "acr", ('justification', 'entitlement_type', 'rejection_reason', 'provisioning_note', 'id', 'requester_id', 'system_id')),
    ]
