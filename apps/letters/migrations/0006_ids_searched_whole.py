"""A letter's requester is searched whole in the admin (apps/letters/admin.py), on ltr_tenant_requester, as
every other request's requester is: its trigram index goes."""
from django.db import migrations

from apps.core.search_indexes import DropTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("letters", "0005_people_named_indexes")]

    operations = [DropTrigramIndexes("letters_letter", "ltr", ("requester_id",))]
