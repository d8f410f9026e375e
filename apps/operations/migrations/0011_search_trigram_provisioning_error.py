"""The trigram index for `provisioning_error` (the connector's last error, searched by `?search=`), PostgreSQL only."""
from django.db import migrations

from apps.core.search_indexes import TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("operations", "0010_search_trigram_indexes")]

    operations = [
        TrigramIndexes("operations_accessrequest", "acr", ("provisioning_error",)),
    ]
