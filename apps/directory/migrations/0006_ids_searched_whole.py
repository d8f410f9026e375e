"""A person's id is searched whole in the admin (apps/directory/admin.py), on the primary key, as every other
record's id is: its trigram index goes."""
from django.db import migrations

from apps.core.search_indexes import DropTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_search_trigram_indexes")]

    operations = [DropTrigramIndexes("core_person", "person", ("id",))]
