"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the policies' name, description, text and
version and the acknowledgement campaigns' version and message. A campaign's id is searched whole, on its
primary key. A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("policies", "0007_group_in_directory")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("policies_policy", "pol", ("name", "description", "body", "version")),
        TrigramIndexes("policies_acknowledgementcampaign", "ack", ("version", "message")),
        Analyze("policies_policy"),
        Analyze("policies_acknowledgementcampaign"),
    ]
