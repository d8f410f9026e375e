"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the canned replies' names and text (the
reply box's picker searches the names), the SLA policies' and business calendars' names and the policies'
description. A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import analyze, trigram_extension, trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0011_sweep_index_skips_answered_tickets")]

    operations = [
        trigram_extension(),
        trigram_indexes("helpdesk_cannedreply", "cnr", ("name", "body")),
        trigram_indexes("helpdesk_slapolicy", "sla", ("name", "description")),
        trigram_indexes("helpdesk_businesscalendar", "cal", ("name",)),
        analyze("helpdesk_cannedreply"),
        analyze("helpdesk_slapolicy"),
        analyze("helpdesk_businesscalendar"),
    ]
