"""An access request's id and requester are searched whole in the admin (apps/operations/admin.py), on the
primary key and acr_tenant_requester, as every other request's are: their trigram indexes go."""
from django.db import migrations

from apps.core.search_indexes import DropTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("operations", "0014_people_named_indexes")]

    operations = [DropTrigramIndexes("operations_accessrequest", "acr", ("id", "requester_id"))]
