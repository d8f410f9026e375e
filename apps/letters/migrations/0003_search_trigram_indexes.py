"""Trigram indexes for the letter templates' searched columns (`name`, `body`), PostgreSQL only. They also
give the planner statistics of `upper(col)`: without them it guessed that a term is in a few rows, and
sorted every matching row of the tenant for a page of them."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("letters", "0002_admin_list_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("letters_lettertemplate", "ltt", ("name", "body")),
        Analyze("letters_lettertemplate"),
    ]
