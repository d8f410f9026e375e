"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the policies' name, description, text and
version and the acknowledgement campaigns' version and message. A campaign's id is searched whole, on its
primary key. A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import analyze, trigram_extension, trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("policies", "0007_group_in_directory")]

    operations = [
        trigram_extension(),
        trigram_indexes("policies_policy", "pol", ("name", "description", "body", "version")),
        trigram_indexes("policies_acknowledgementcampaign", "ack", ("version", "message")),
        analyze("policies_policy"),
        analyze("policies_acknowledgementcampaign"),
    ]
