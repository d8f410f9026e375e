"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the equipment, HR, travel and pending-
work requests' text columns, and a pending item's entity id, which no btree leads. A request's id and
requester and a pending item's source and assignee are searched whole, on the primary keys and the
(tenant_id, …) indexes. A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("operations", "0012_access_request_provisioned_members")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("operations_equipment", "eqp", ("equipment_type", "specification")),
        TrigramIndexes("operations_hrrequest", "hrr",
                         ("description", "deliverable_url", "fulfilment_note", "rejection_reason")),
        TrigramIndexes("operations_travel", "trv",
                         ("destination", "purpose", "booking_reference", "cancellation_reason")),
        TrigramIndexes("operations_pending", "pnd",
                         ("title", "entity_id", "description", "blocked_reason", "entity_type", "type")),
        Analyze("operations_equipment"),
        Analyze("operations_hrrequest"),
        Analyze("operations_travel"),
        Analyze("operations_pending"),
    ]
