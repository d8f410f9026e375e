"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the staff logins' names and email (the
user list's search, and a list's search for the rows naming a staff member:
apps/core/admin_words.people_matching) and the tenants' names. A tenant's id and an event's entity id and
type are searched whole, on their primary key and btree indexes. A search by a term few rows hold reads
those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("core", "0014_directory_moves_out"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("auth_user", "user", ("username", "first_name", "last_name", "email")),
        TrigramIndexes("core_tenant", "tnt", ("name",)),
        Analyze("auth_user"),
        Analyze("core_tenant"),
    ]
