"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the letters' sender (the API's search)
and the requester's id, which no btree leads. The letter's HR request is searched whole, on
ltr_tenant_request. A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("letters", "0003_search_trigram_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("letters_letter", "ltr", ("requester_id", "sent_by")),
        Analyze("letters_letter"),
    ]
