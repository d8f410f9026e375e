"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the review campaigns' name and
description and the review items' notes. A campaign's or an item's id is searched whole, on its primary key.
A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_review_item_owner_manager_and_unassigned")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("reviews_reviewcampaign", "rvc", ("name", "description")),
        TrigramIndexes("reviews_reviewitem", "rvi", ("decision_reason", "revoke_note", "routing_note")),
        Analyze("reviews_reviewcampaign"),
        Analyze("reviews_reviewitem"),
    ]
