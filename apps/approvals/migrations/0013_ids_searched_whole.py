"""An approval request's record id and requester are searched whole in the admin (apps/approvals/admin.py), on
apr_tenant_entity and apr_tenant_requester, as a step's approver is: their trigram indexes go."""
from django.db import migrations

from apps.core.search_indexes import DropTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("approvals", "0012_search_trigram_indexes")]

    operations = [DropTrigramIndexes("approvals_approvalrequest", "apr", ("entity_id", "requested_by_id"))]
