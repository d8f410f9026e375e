"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the lifecycle's text columns the API
searches and the offboarding items' label. A case's person and an item's subject are searched whole, on
obc_tenant_person and obi_tenant_subject. A search by a term few rows hold reads those rows, not the
tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0006_admin_list_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("lifecycle_offboardingcase", "obc", ("stop_reason", "triggered_by")),
        TrigramIndexes("lifecycle_offboardingitem", "obi",
                         ("label", "action_taken", "confirmation", "done_by", "last_error", "subject_type", "target")),
        TrigramIndexes("lifecycle_birthrightrule", "brr", ("department", "location")),
        TrigramIndexes("lifecycle_plannedleave", "plv", ("note",)),
        TrigramIndexes("lifecycle_scheduledrevoke", "srv", ("reason",)),
        Analyze("lifecycle_offboardingcase"),
        Analyze("lifecycle_offboardingitem"),
        Analyze("lifecycle_birthrightrule"),
        Analyze("lifecycle_plannedleave"),
        Analyze("lifecycle_scheduledrevoke"),
    ]
