"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the review campaigns' name and
description and the review items' notes. A campaign's or an item's id is searched whole, on its primary key.
A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import analyze, trigram_extension, trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_review_item_owner_manager_and_unassigned")]

    operations = [
        trigram_extension(),
        trigram_indexes("reviews_reviewcampaign", "rvc", ("name", "description")),
        trigram_indexes("reviews_reviewitem", "rvi", ("decision_reason", "revoke_note", "routing_note")),
        analyze("reviews_reviewcampaign"),
        analyze("reviews_reviewitem"),
    ]
