"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the external requesters' email and name
and the inbound messages' sender and subject. A message's Message-ID and ticket and a requester's id are
searched whole, on their btree indexes. A search by a term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("helpdesk_mail", "0001_initial")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("helpdesk_mail_externalrequester", "exr", ("email", "name")),
        TrigramIndexes("helpdesk_mail_inboundmessage", "inm", ("from_address", "subject")),
        Analyze("helpdesk_mail_externalrequester"),
        Analyze("helpdesk_mail_inboundmessage"),
    ]
