"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the lifecycle's text columns the API
searches and the offboarding items' label. A case's person and an item's subject are searched whole, on
obc_tenant_person and obi_tenant_subject. A search by a term few rows hold reads those rows, not the
tenant's."""
from django.db import migrations

from apps.core.search_indexes import analyze, trigram_extension, trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0006_admin_list_indexes")]

    operations = [
        trigram_extension(),
        trigram_indexes("lifecycle_offboardingcase", "obc", ("stop_reason", "triggered_by")),
        trigram_indexes("lifecycle_offboardingitem", "obi",
                         ("label", "action_taken", "confirmation", "done_by", "last_error", "subject_type", "target")),
        trigram_indexes("lifecycle_birthrightrule", "brr", ("department", "location")),
        trigram_indexes("lifecycle_plannedleave", "plv", ("note",)),
        trigram_indexes("lifecycle_scheduledrevoke", "srv", ("reason",)),
        analyze("lifecycle_offboardingcase"),
        analyze("lifecycle_offboardingitem"),
        analyze("lifecycle_birthrightrule"),
        analyze("lifecycle_plannedleave"),
        analyze("lifecycle_scheduledrevoke"),
    ]
