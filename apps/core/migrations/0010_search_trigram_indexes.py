"""Trigram indexes for the columns the API's `?search=` and the admin's `?q=` read (PostgreSQL only)."""
from django.db import migrations

from apps.core.search_indexes import KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("core", "0009_directory_catalog_strict")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("core_person", "person", ('user_name', 'display_name', 'given_name', 'family_name', 'email', 'title', 'department', 'employee_number', 'id', 'external_id')),
    ]
