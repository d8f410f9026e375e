"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the groups' names and external ids (an
IdP's ids are searched by fragment, as the people's are) and the SCIM tokens' names and prefixes. A group's
own id is searched whole, on its primary key. A search by a term few rows hold reads those rows, not the
tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_scim_page_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("core_group", "group", ("display_name", "external_id")),
        TrigramIndexes("core_scimtoken", "scim", ("name", "prefix")),
        Analyze("core_group"),
        Analyze("core_scimtoken"),
    ]
