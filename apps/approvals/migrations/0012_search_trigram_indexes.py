"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the chains' and rules' names, the chains'
entity type and the steps' comment (the API's search). A step's approver and delegate are searched by exact
id (apps/approvals/admin.py), on aps_tenant_approver and aps_tenant_delegate. A search by a term few rows
hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("approvals", "0011_admin_list_indexes")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("approvals_approvalchain", "apc", ("name", "entity_type")),
        TrigramIndexes("approvals_approvalrule", "apu", ("name",)),
        TrigramIndexes("approvals_approvalstep", "aps", ("comment",)),
        Analyze("approvals_approvalchain"),
        Analyze("approvals_approvalrule"),
        Analyze("approvals_approvalstep"),
    ]
