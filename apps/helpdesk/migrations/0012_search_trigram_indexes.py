"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the canned replies' names and text (the
reply box's picker searches the names), the SLA policies' and business calendars' names and the policies'
description. A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0011_sweep_index_skips_answered_tickets")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("helpdesk_cannedreply", "cnr", ("name", "body")),
        TrigramIndexes("helpdesk_slapolicy", "sla", ("name", "description")),
        TrigramIndexes("helpdesk_businesscalendar", "cal", ("name",)),
        Analyze("helpdesk_cannedreply"),
        Analyze("helpdesk_slapolicy"),
        Analyze("helpdesk_businesscalendar"),
    ]
