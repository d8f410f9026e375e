"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the attachments' text columns the admin
and the API search; `record_id` too, as no btree is led by it (att_tenant_record is led by the record's
type). A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("files", "0002_attachment_origin_report")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("files_attachment", "att",
                         ("filename", "record_id", "content_type", "record_type", "scan_detail", "sha256", "storage_name")),
        Analyze("files_attachment"),
    ]
